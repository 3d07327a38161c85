// Shuffle (first transpose, reshape, second transpose) for FP32 / FP16 / INT8 (INT8: input and
// output share one scale, as the CPU INT8 shuffle requires). One gather kernel: each thread
// writes one unit of the output (coalesced stores) and reads the unit the two permutation
// stages map it to. dm_geometry.h simplifies each permutation first (size-1 dims dropped,
// in-order neighbours merged) and widens the unit to up to 16 bytes when the innermost run stays
// innermost; a pure reshape is therefore a 16-byte vector copy.
#include <memory>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_common.h"
#include "backends/cuda/pdl.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/layers/dm_geometry.h"
#include "backends/cuda/layers/dm_transpose.cuh"

namespace int8rt::cuda::dm {

namespace {

template <class U>
__global__ void __launch_bounds__(kThreads)
    shuffleKernel(const __grid_constant__ ShuffleGeometry g, const U* __restrict__ x,
                  U* __restrict__ y) {
  const uint32_t stride = gridDim.x * blockDim.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < g.units; i += stride)
    y[i] = x[mapThroughStage(g.first, mapThroughStage(g.second, i))];
}

class ShuffleKernel final : public Kernel {
 public:
  ShuffleKernel(const KernelSetup& s, const char* name)
      : name_(name),
        p_(s.layer->as<ShuffleParams>()),
        elemBytes_(elementBytes(s.outputTypes[0])),
        inShape_(s.inputShapes[0]),
        outShape_(s.outputShapes[0]),
        geometry_(makeShuffleGeometry(inShape_, outShape_, p_, elemBytes_, 16)) {}

  void enqueue(const RunArgs& a) override {
    // The geometry of the setup's shapes was prepared in create(); another batch gets its own,
    // computed here on the stack (O(rank), host only; contexts call enqueue once per batch size
    // to capture their graphs, and share this kernel, so nothing here is written to members).
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const bool prepared = xs == inShape_ && ys == outShape_;
    const ShuffleGeometry geometry =
        prepared ? geometry_ : makeShuffleGeometry(xs, ys, p_, elemBytes_, 16);
    if (geometry.units == 0) return;
    const void* x = a.inputs[0].data;
    void* y = a.outputs[0].data;
    const bool moves = geometry.first.rank != 0 || geometry.second.rank != 0;
    if (x == y) {
      check(!moves, name_, ": a transposing shuffle cannot run in place");
      return;  // a reshape in place: nothing moves
    }
    if (geometry.batchedTranspose) {
      switch (elemBytes_) {
        case 4: launchTranspose<uint32_t>(geometry, x, y, a.stream); break;
        case 2: launchTranspose<uint16_t>(geometry, x, y, a.stream); break;
        default: launchTranspose<uint8_t>(geometry, x, y, a.stream); break;
      }
      return;
    }
    const int align = std::min(pointerAlignment(x), pointerAlignment(y));
    const ShuffleGeometry& g =
        geometry.unitBytes <= align ? geometry : makeShuffleGeometry(xs, ys, p_, elemBytes_, align);
    const unsigned grid = gridFor(g.units);
    switch (g.unitBytes) {
      case 16: launch<uint4>(g, x, y, grid, a.stream); break;
      case 8: launch<uint2>(g, x, y, grid, a.stream); break;
      case 4: launch<uint32_t>(g, x, y, grid, a.stream); break;
      case 2: launch<uint16_t>(g, x, y, grid, a.stream); break;
      default: launch<uint8_t>(g, x, y, grid, a.stream); break;
    }
  }

 private:
  template <class U>
  void launch(const ShuffleGeometry& g, const void* x, void* y, unsigned grid, cudaStream_t st) {
    launchKernel(name_, shuffleKernel<U>, grid, kThreads, 0, st, 1, g, static_cast<const U*>(x),
                 static_cast<U*>(y));
  }

  template <class T>
  void launchTranspose(const ShuffleGeometry& g, const void* x, void* y, cudaStream_t st) {
    launchTiledTranspose(name_, static_cast<const T*>(x), static_cast<T*>(y), g.batch, g.rows,
                         g.cols, CopyOp{}, st);  // dm_transpose.cuh
  }

  const char* name_;
  ShuffleParams p_;
  int elemBytes_;
  const Shape inShape_, outShape_;
  const ShuffleGeometry geometry_;
};

template <DataType T>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!isKind(s, LayerKind::kSHUFFLE) || s.inputShapes.size() != 1 || !uniformTypes(s, T))
    return false;
  try {  // valid permutations of the right ranks, below 2^31 elements, rank <= 8 once simplified
    makeShuffleGeometry(s.inputShapes[0], s.outputShapes[0], s.layer->as<ShuffleParams>(),
                        elementBytes(T), 16);
    return true;
  } catch (const Error&) {
    return false;
  }
}

template <DataType T>
const char* shuffleName() {
  return T == DataType::kFLOAT ? "cuda_shuffle_fp32"
         : T == DataType::kHALF ? "cuda_shuffle_fp16"
                                : "cuda_shuffle_int8";
}

template <DataType T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  check(config.empty(), shuffleName<T>(), ": unknown configuration '", config, "'");
  return std::make_unique<ShuffleKernel>(s, shuffleName<T>());
}

}  // namespace

std::vector<Candidate> shuffleCandidates() {
  constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;
  const LayerKind k = LayerKind::kSHUFFLE;
  return {
      {shuffleName<F>(), k, F, supports<F>, nullptr, create<F>},
      {shuffleName<H>(), k, H, supports<H>, nullptr, create<H>},
      {shuffleName<Q>(), k, Q, supports<Q>, nullptr, create<Q>},
  };
}

}  // namespace int8rt::cuda::dm

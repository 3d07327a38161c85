// Concatenation along any axis, FP32 / FP16 / INT8 (INT8: inputs and output share one scale,
// the CPU INT8 concat's rule, so bytes move unchanged). The output is [outer, row] with each
// input filling a column band [offset, offset + width) of every row; one launch copies up to
// kMaxConcatParts inputs (blockIdx.y = input), each in the widest unit (16/8/4/2/1 bytes) that
// divides its band, the row and both pointers' alignment. One division per unit (FastDivmod).
#include <memory>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_common.h"
#include "backends/cuda/pdl.h"
#include "backends/cuda/layers/dm_geometry.h"

namespace int8rt::cuda::dm {

namespace {

struct ConcatLaunch {
  ConcatPart part[kMaxConcatParts];
  const void* src[kMaxConcatParts];
  void* dst;
};

template <class U>
__device__ __forceinline__ void copyBand(const U* __restrict__ src, U* __restrict__ dst,
                                         const ConcatPart& p) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t e = blockIdx.x * blockDim.x + threadIdx.x; e < p.units; e += stride) {
    uint32_t column;
    const uint32_t row = p.widthUnits.divmod(e, column);
    dst[row * p.rowUnits + p.offsetUnits + column] = src[e];
  }
}

__global__ void __launch_bounds__(kThreads) concatKernel(const __grid_constant__ ConcatLaunch l) {
  const ConcatPart& p = l.part[blockIdx.y];
  const void* src = l.src[blockIdx.y];
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  switch (p.unitLog2) {  // uniform per block: no divergence
    case 4: copyBand(static_cast<const uint4*>(src), static_cast<uint4*>(l.dst), p); break;
    case 3: copyBand(static_cast<const uint2*>(src), static_cast<uint2*>(l.dst), p); break;
    case 2: copyBand(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(l.dst), p); break;
    case 1: copyBand(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(l.dst), p); break;
    default: copyBand(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(l.dst), p); break;
  }
}

// Index math for one shape set: the layout and, per launch of up to kMaxConcatParts inputs,
// the parts (pointers filled at enqueue), assuming 16-byte aligned pointers.
struct ConcatPlan {
  ConcatLayout layout;
  std::vector<ConcatLaunch> launches;
  bool empty = true;
};

ConcatPlan makeConcatPlan(const std::vector<Shape>& in, const Shape& out, int axis, int elemBytes) {
  ConcatPlan p;
  p.layout = makeConcatLayout(in, out, axis, elemBytes);
  p.empty = elementsOf(out) == 0;
  p.launches.assign((in.size() + kMaxConcatParts - 1) / kMaxConcatParts, ConcatLaunch{});
  for (size_t i = 0; i < in.size(); ++i)
    p.launches[i / kMaxConcatParts].part[i % kMaxConcatParts] = makeConcatPart(p.layout, i, 16);
  return p;
}

class ConcatKernel final : public Kernel {
 public:
  ConcatKernel(const KernelSetup& s, const char* name)
      : name_(name),
        axis_(s.layer->as<ConcatenationParams>().axis),
        elemBytes_(elementBytes(s.outputTypes[0])),
        inShapes_(s.inputShapes),
        outShape_(s.outputShapes[0]),
        plan_(makeConcatPlan(inShapes_, outShape_, axis_, elemBytes_)) {}

  void enqueue(const RunArgs& a) override {
    // The setup's plan was prepared in create(); another batch gets its own here (host only;
    // contexts enqueue once per batch size to capture their graphs, and share this kernel, so
    // nothing here is written to members).
    bool prepared = a.outputs[0].shape == outShape_ && a.inputs.size() == inShapes_.size();
    for (size_t i = 0; prepared && i < a.inputs.size(); ++i)
      prepared = a.inputs[i].shape == inShapes_[i];
    ConcatPlan local;
    if (!prepared) {
      std::vector<Shape> in;
      for (const TensorRef& t : a.inputs) in.push_back(t.shape);
      local = makeConcatPlan(in, a.outputs[0].shape, axis_, elemBytes_);
    }
    const ConcatPlan& plan = prepared ? plan_ : local;
    if (plan.empty) return;
    const int outAlign = pointerAlignment(a.outputs[0].data);
    for (size_t first = 0; first < a.inputs.size(); first += kMaxConcatParts) {
      const int count = static_cast<int>(std::min<size_t>(kMaxConcatParts, a.inputs.size() - first));
      ConcatLaunch l = plan.launches[first / kMaxConcatParts];  // a copy: pointers go in
      l.dst = a.outputs[0].data;
      uint32_t most = 0;
      for (int k = 0; k < count; ++k) {
        l.src[k] = a.inputs[first + k].data;
        const int align = std::min(outAlign, pointerAlignment(l.src[k]));
        if ((1 << l.part[k].unitLog2) > align) l.part[k] = makeConcatPart(plan.layout, first + k, align);
        most = std::max(most, l.part[k].units);
      }
      if (most == 0) continue;
      const dim3 grid(gridFor(most, 2), count);
      launchKernel(name_, concatKernel, grid, kThreads, 0, a.stream, 1, l);
    }
  }

 private:
  const char* name_;
  int axis_;
  int elemBytes_;
  const std::vector<Shape> inShapes_;
  const Shape outShape_;
  const ConcatPlan plan_;
};

template <DataType T>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!isKind(s, LayerKind::kCONCATENATION) || !uniformTypes(s, T)) return false;
  return elementsOf(s.outputShapes[0]) <= kMaxIndexable;
}

template <DataType T>
const char* concatName() {
  return T == DataType::kFLOAT ? "cuda_concatenation_fp32"
         : T == DataType::kHALF ? "cuda_concatenation_fp16"
                                : "cuda_concatenation_int8";
}

template <DataType T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  check(config.empty(), concatName<T>(), ": unknown configuration '", config, "'");
  return std::make_unique<ConcatKernel>(s, concatName<T>());
}

}  // namespace

std::vector<Candidate> concatenationCandidates() {
  constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;
  const LayerKind k = LayerKind::kCONCATENATION;
  return {
      {concatName<F>(), k, F, supports<F>, nullptr, create<F>},
      {concatName<H>(), k, H, supports<H>, nullptr, create<H>},
      {concatName<Q>(), k, Q, supports<Q>, nullptr, create<Q>},
  };
}

}  // namespace int8rt::cuda::dm

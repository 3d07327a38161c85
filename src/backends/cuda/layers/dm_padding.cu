// Padding of every dim (batch included), FP32 / FP16: constant, reflect, edge and wrap, negative
// pads crop, exactly as padding_ref. One thread per output element (coalesced stores): unravel
// the output index over the merged dims (dm_geometry.h: runs of unpadded dims are one dim), map
// each coordinate through the mode (padSourceIndex, shared with the host model) and gather.
#include <cuda_fp16.h>

#include <memory>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_common.h"
#include "backends/cuda/pdl.h"
#include "backends/cuda/layers/dm_geometry.h"

namespace int8rt::cuda::dm {

namespace {

template <PaddingMode Mode, class T>
__global__ void __launch_bounds__(kThreads)
    padKernel(const __grid_constant__ PadGeometry g, const T* __restrict__ x, T* __restrict__ y,
              T value) {
  const uint32_t stride = gridDim.x * blockDim.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < g.count; i += stride) {
    uint32_t rest = i, off = 0;
    bool constant = false;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < g.rank) {
        uint32_t c = rest;  // dim 0 takes what is left (< its size since i < count)
        if (d > 0) rest = g.outDim[d].divmod(rest, c);
        const int32_t src = padSourceIndex(static_cast<int32_t>(c) - g.padBegin[d], g.inDim[d], Mode);
        if (src < 0)
          constant = true;
        else
          off += static_cast<uint32_t>(src) * g.inStride[d];
      }
    }
    y[i] = constant ? value : x[off];
  }
}

template <class T>
class PaddingKernel final : public Kernel {
 public:
  PaddingKernel(const KernelSetup& s, const char* name, T value)
      : name_(name),
        p_(s.layer->as<PaddingParams>()),
        value_(value),
        inShape_(s.inputShapes[0]),
        outShape_(s.outputShapes[0]),
        geometry_(makePadGeometry(inShape_, outShape_, p_)) {}

  void enqueue(const RunArgs& a) override {
    // The setup's geometry was prepared in create(); another batch gets its own, on the stack
    // (O(rank), host only, no allocation). Nothing is written to members: contexts share this.
    const bool prepared = a.inputs[0].shape == inShape_ && a.outputs[0].shape == outShape_;
    const PadGeometry g =
        prepared ? geometry_ : makePadGeometry(a.inputs[0].shape, a.outputs[0].shape, p_);
    if (g.count == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    T* y = static_cast<T*>(a.outputs[0].data);
    check(static_cast<const void*>(x) != y, name_, ": padding cannot run in place");
    const unsigned grid = gridFor(g.count);
    switch (p_.mode) {
      case PaddingMode::kCONSTANT:
        launchKernel(name_, padKernel<PaddingMode::kCONSTANT, T>, grid, kThreads, 0, a.stream, 1, g, x, y,
                     value_);
        break;
      case PaddingMode::kREFLECT:
        launchKernel(name_, padKernel<PaddingMode::kREFLECT, T>, grid, kThreads, 0, a.stream, 1, g, x, y,
                     value_);
        break;
      case PaddingMode::kEDGE:
        launchKernel(name_, padKernel<PaddingMode::kEDGE, T>, grid, kThreads, 0, a.stream, 1, g, x, y,
                     value_);
        break;
      case PaddingMode::kWRAP:
        launchKernel(name_, padKernel<PaddingMode::kWRAP, T>, grid, kThreads, 0, a.stream, 1, g, x, y,
                     value_);
        break;
    }
  }

 private:
  const char* name_;
  PaddingParams p_;
  T value_;
  const Shape inShape_, outShape_;
  const PadGeometry geometry_;
};

template <DataType T>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!isKind(s, LayerKind::kPADDING) || s.inputShapes.size() != 1 || !uniformTypes(s, T))
    return false;
  const PaddingParams& p = s.layer->as<PaddingParams>();
  if (p.mode != PaddingMode::kCONSTANT && p.mode != PaddingMode::kREFLECT &&
      p.mode != PaddingMode::kEDGE && p.mode != PaddingMode::kWRAP)
    return false;
  for (size_t d = 0; d < p.padBegin.size(); ++d)  // coordinates are int32 in the kernel
    if (std::abs(p.padBegin[d]) > (int64_t(1) << 30) ||
        (d < p.padEnd.size() && std::abs(p.padEnd[d]) > (int64_t(1) << 30)))
      return false;
  try {  // pads of the input's rank, below 2^31 elements, rank <= 8 once merged
    makePadGeometry(s.inputShapes[0], s.outputShapes[0], p);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::unique_ptr<Kernel> createFloat(const KernelSetup& s, const std::string& config) {
  check(config.empty(), "cuda_padding_fp32: unknown configuration '", config, "'");
  return std::make_unique<PaddingKernel<float>>(s, "cuda_padding_fp32",
                                                s.layer->as<PaddingParams>().value);
}

std::unique_ptr<Kernel> createHalf(const KernelSetup& s, const std::string& config) {
  check(config.empty(), "cuda_padding_fp16: unknown configuration '", config, "'");
  return std::make_unique<PaddingKernel<__half>>(
      s, "cuda_padding_fp16", __float2half_rn(s.layer->as<PaddingParams>().value));
}

}  // namespace

std::vector<Candidate> paddingCandidates() {
  constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF;
  const LayerKind k = LayerKind::kPADDING;
  return {
      {"cuda_padding_fp32", k, F, supports<F>, nullptr, createFloat},
      {"cuda_padding_fp16", k, H, supports<H>, nullptr, createHalf},
  };
}

}  // namespace int8rt::cuda::dm

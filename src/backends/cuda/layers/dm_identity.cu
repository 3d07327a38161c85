// Identity and the precision reformats the builder inserts at every precision boundary (so they
// run on every engine's inputs and outputs): same-type copies, FP32 <-> INT8, FP16 <-> INT8,
// FP32 <-> FP16, INT8 -> INT8 at another scale. Element-wise, grid-stride, V elements per step
// moved as 16-byte vectors (V = 16 bytes of the narrower type), a scalar path when a pointer
// is not 16-byte aligned, and the last n % V elements by the first threads. Conversions are
// bit-identical to the CPU's (dm_convert.cuh).
#include <cuda_fp16.h>

#include <memory>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_common.h"
#include "backends/cuda/pdl.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/layers/dm_geometry.h"
#include "backends/cuda/layers/dm_vector_io.cuh"

namespace int8rt::cuda::dm {

namespace {

template <int V, class In, class Out, class Op>
__global__ void __launch_bounds__(kThreads) convertKernel(const In* __restrict__ x,
                                                           Out* __restrict__ y, int64_t n, Op op) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if constexpr (V == 1) {
    for (int64_t i = t; i < n; i += stride) y[i] = op(x[i]);
  } else {
    const int64_t vectors = n / V;
    for (int64_t v = t; v < vectors; v += stride) {
      In a[V];
      Out b[V];
      loadVector<V>(x + v * V, a);
#pragma unroll
      for (int k = 0; k < V; ++k) b[k] = op(a[k]);
      storeVector<V>(y + v * V, b);
    }
    const int64_t i = vectors * V + t;  // the tail: fewer than V elements
    if (i < n) y[i] = op(x[i]);
  }
}

// Launches the vector form when both pointers are 16-byte aligned, else the scalar form.
template <class In, class Out, class Op>
void launchConvert(const void* x, void* y, int64_t n, Op op, cudaStream_t stream,
                   const char* name) {
  constexpr int kNarrow = sizeof(In) < sizeof(Out) ? sizeof(In) : sizeof(Out);
  constexpr int V = 16 / kNarrow;
  const auto* xi = static_cast<const In*>(x);
  auto* yo = static_cast<Out*>(y);
  if (pointerAlignment(x) == 16 && pointerAlignment(y) == 16) {
    launchKernel(name, convertKernel<V, In, Out, Op>, gridFor(n / V + 1), kThreads, 0, stream, 1,
                 xi, yo, n, op);
  } else {
    launchKernel(name, convertKernel<1, In, Out, Op>, gridFor(n), kThreads, 0, stream, 1, xi, yo,
                 n, op);
  }
}

enum class Conversion {
  kCopy, kRequantize, kQuantizeFloat, kDequantizeFloat, kQuantizeHalf, kDequantizeHalf,
  kFloatToHalf, kHalfToFloat
};

class IdentityKernel final : public Kernel {
 public:
  IdentityKernel(const KernelSetup& s, Conversion c, const char* name)
      : conversion_(c),
        name_(name),
        inBytes_(elementBytes(s.inputTypes[0])),
        inScale_(s.inputScales.empty() ? 0.f : s.inputScales[0]),
        outScale_(s.outputScales.empty() ? 0.f : s.outputScales[0]) {}

  void enqueue(const RunArgs& a) override {
    const int64_t n = elementsOf(a.inputs[0].shape);
    check(n == elementsOf(a.outputs[0].shape), name_, ": input ", shapeToString(a.inputs[0].shape),
          " and output ", shapeToString(a.outputs[0].shape), " differ in size");
    if (n == 0) return;
    const void* x = a.inputs[0].data;
    void* y = a.outputs[0].data;
    cudaStream_t st = a.stream;
    switch (conversion_) {
      case Conversion::kCopy:  // bytes, whatever the type
        if (x != y) launchConvert<uint8_t, uint8_t>(x, y, n * inBytes_, CopyOp{}, st, name_);
        break;
      case Conversion::kRequantize:
        launchConvert<int8_t, int8_t>(x, y, n, RequantizeOp{inScale_, outScale_}, st, name_);
        break;
      case Conversion::kQuantizeFloat:
        launchConvert<float, int8_t>(x, y, n, QuantizeFloatOp{outScale_}, st, name_);
        break;
      case Conversion::kDequantizeFloat:
        launchConvert<int8_t, float>(x, y, n, DequantizeFloatOp{inScale_}, st, name_);
        break;
      case Conversion::kQuantizeHalf:
        launchConvert<__half, int8_t>(x, y, n, QuantizeHalfOp{outScale_}, st, name_);
        break;
      case Conversion::kDequantizeHalf:
        launchConvert<int8_t, __half>(x, y, n, DequantizeHalfOp{inScale_}, st, name_);
        break;
      case Conversion::kFloatToHalf:
        launchConvert<float, __half>(x, y, n, FloatToHalfOp{}, st, name_);
        break;
      case Conversion::kHalfToFloat:
        launchConvert<__half, float>(x, y, n, HalfToFloatOp{}, st, name_);
        break;
    }
  }

 private:
  Conversion conversion_;
  const char* name_;
  int inBytes_;
  float inScale_, outScale_;
};

// ---- one candidate per (input type, output type) pair ----

bool identityTypes(const KernelSetup& s, DataType in, DataType out) {
  if (!isKind(s, LayerKind::kIDENTITY) || s.inputShapes.size() != 1 || s.outputShapes.size() != 1)
    return false;
  if (s.inputTypes.size() != 1 || s.outputTypes.size() != 1) return false;
  if (s.inputTypes[0] != in || s.outputTypes[0] != out) return false;
  if (in == DataType::kINT8 && (s.inputScales.size() != 1 || !validScale(s.inputScales[0])))
    return false;
  if (out == DataType::kINT8 && (s.outputScales.size() != 1 || !validScale(s.outputScales[0])))
    return false;
  return true;
}

constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;

template <DataType In, DataType Out>
bool supportsPair(const KernelSetup& s, const DeviceInfo&) {
  return identityTypes(s, In, Out);
}
bool supportsInt8Copy(const KernelSetup& s, const DeviceInfo&) {
  return identityTypes(s, Q, Q) && s.inputScales[0] == s.outputScales[0];
}
bool supportsInt8Requantize(const KernelSetup& s, const DeviceInfo&) {
  return identityTypes(s, Q, Q) && s.inputScales[0] != s.outputScales[0];
}

#define DM_IDENTITY_CREATE(fn, conv, name)                                              \
  std::unique_ptr<Kernel> fn(const KernelSetup& s, const std::string& config) {         \
    check(config.empty(), name, ": unknown configuration '", config, "'");              \
    return std::make_unique<IdentityKernel>(s, conv, name);                              \
  }

DM_IDENTITY_CREATE(createFloatCopy, Conversion::kCopy, "cuda_identity_fp32_copy")
DM_IDENTITY_CREATE(createHalfCopy, Conversion::kCopy, "cuda_identity_fp16_copy")
DM_IDENTITY_CREATE(createInt8Copy, Conversion::kCopy, "cuda_identity_int8_copy")
DM_IDENTITY_CREATE(createRequantize, Conversion::kRequantize, "cuda_identity_int8_requantize")
DM_IDENTITY_CREATE(createQuantizeFloat, Conversion::kQuantizeFloat, "cuda_identity_fp32_to_int8_quantize")
DM_IDENTITY_CREATE(createDequantizeFloat, Conversion::kDequantizeFloat, "cuda_identity_int8_to_fp32_dequantize")
DM_IDENTITY_CREATE(createQuantizeHalf, Conversion::kQuantizeHalf, "cuda_identity_fp16_to_int8_quantize")
DM_IDENTITY_CREATE(createDequantizeHalf, Conversion::kDequantizeHalf, "cuda_identity_int8_to_fp16_dequantize")
DM_IDENTITY_CREATE(createFloatToHalf, Conversion::kFloatToHalf, "cuda_identity_fp32_to_fp16")
DM_IDENTITY_CREATE(createHalfToFloat, Conversion::kHalfToFloat, "cuda_identity_fp16_to_fp32")
#undef DM_IDENTITY_CREATE

}  // namespace

std::vector<Candidate> identityCandidates() {
  const LayerKind k = LayerKind::kIDENTITY;
  return {
      {"cuda_identity_fp32_copy", k, F, supportsPair<F, F>, nullptr, createFloatCopy},
      {"cuda_identity_fp16_copy", k, H, supportsPair<H, H>, nullptr, createHalfCopy},
      {"cuda_identity_int8_copy", k, Q, supportsInt8Copy, nullptr, createInt8Copy},
      {"cuda_identity_int8_requantize", k, Q, supportsInt8Requantize, nullptr, createRequantize},
      {"cuda_identity_fp32_to_int8_quantize", k, Q, supportsPair<F, Q>, nullptr, createQuantizeFloat},
      {"cuda_identity_int8_to_fp32_dequantize", k, Q, supportsPair<Q, F>, nullptr, createDequantizeFloat},
      {"cuda_identity_fp16_to_int8_quantize", k, Q, supportsPair<H, Q>, nullptr, createQuantizeHalf},
      {"cuda_identity_int8_to_fp16_dequantize", k, Q, supportsPair<Q, H>, nullptr, createDequantizeHalf},
      {"cuda_identity_fp32_to_fp16", k, H, supportsPair<F, H>, nullptr, createFloatToHalf},
      {"cuda_identity_fp16_to_fp32", k, H, supportsPair<H, F>, nullptr, createHalfToFloat},
  };
}

}  // namespace int8rt::cuda::dm

// Shared by the layer kernels of this folder (pointwise, pooling, normalization): element type
// conversion (FP16 tensors are computed in FP32), the device twins of the CPU's scalar
// activation and elementwise definitions, and the host checks every supports() starts with.
//
// The CPU reference is compiled without FMA, so where it writes a * b + c the device code
// spells out __fmul_rn / __fadd_rn: nvcc would otherwise contract to one fma and the results
// would differ in the last bit (or more, where the sum cancels).
#pragma once
#include <cuda_fp16.h>

#include <cfloat>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_kernel.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/pdl.h"
#include "int8rt/network.h"

namespace int8rt::cuda::layers {

// ---- element types ----
__device__ __forceinline__ float toFloat(float v) { return v; }
__device__ __forceinline__ float toFloat(__half v) { return __half2float(v); }
template <class T>
__device__ __forceinline__ T fromFloat(float v);
template <>
__device__ __forceinline__ float fromFloat<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }

// Four consecutive elements as floats; p must be aligned to 4 elements.
__device__ __forceinline__ void load4(const float* p, float v[4]) {
  const float4 q = *reinterpret_cast<const float4*>(p);
  v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
}
__device__ __forceinline__ void load4(const __half* p, float v[4]) {
  const uint2 raw = *reinterpret_cast<const uint2*>(p);
  const float2 lo = __half22float2(*reinterpret_cast<const __half2*>(&raw.x));
  const float2 hi = __half22float2(*reinterpret_cast<const __half2*>(&raw.y));
  v[0] = lo.x, v[1] = lo.y, v[2] = hi.x, v[3] = hi.y;
}
__device__ __forceinline__ void store4(float* p, const float v[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ void store4(__half* p, const float v[4]) {
  uint2 raw;
  *reinterpret_cast<__half2*>(&raw.x) = __floats2half2_rn(v[0], v[1]);
  *reinterpret_cast<__half2*>(&raw.y) = __floats2half2_rn(v[2], v[3]);
  *reinterpret_cast<uint2*>(p) = raw;
}

// ---- the scalar definitions (backends/cpu/common/activation_math.h, elementwise_math.h) ----
struct DeviceActivation {
  ActivationType type = ActivationType::kNONE;
  float alpha = 0.f, beta = 0.f;
};

// std::max / std::min exactly: max(a, b) = a < b ? b : a; min(a, b) = b < a ? b : a.
__device__ __forceinline__ float stdMax(float a, float b) { return a < b ? b : a; }
__device__ __forceinline__ float stdMin(float a, float b) { return b < a ? b : a; }

__device__ __forceinline__ float activate(float x, const DeviceActivation& a) {
  switch (a.type) {
    case ActivationType::kNONE: return x;
    case ActivationType::kRELU: return x > 0.f ? x : 0.f;
    case ActivationType::kLEAKY_RELU: return x >= 0.f ? x : __fmul_rn(a.alpha, x);
    case ActivationType::kSIGMOID: return 1.f / __fadd_rn(1.f, expf(-x));
    case ActivationType::kTANH: return tanhf(x);
    case ActivationType::kCLIP: return stdMin(stdMax(x, a.alpha), a.beta);
    case ActivationType::kHARD_SIGMOID:
      return stdMax(0.f, stdMin(1.f, __fadd_rn(__fmul_rn(a.alpha, x), a.beta)));
    case ActivationType::kHARD_SWISH:
      return __fmul_rn(x, stdMax(0.f, stdMin(1.f, __fadd_rn(x / 6.f, 0.5f))));
    case ActivationType::kELU: return x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f);
    case ActivationType::kSELU:
      return __fmul_rn(a.beta, x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f));
    case ActivationType::kSOFTPLUS: return x > 0.f ? x + log1pf(expf(-x)) : log1pf(expf(x));
    case ActivationType::kSOFTSIGN: return x / __fadd_rn(1.f, fabsf(x));
    case ActivationType::kABS: return fabsf(x);
    case ActivationType::kEXP: return expf(x);
    case ActivationType::kSQRT: return sqrtf(x);
    case ActivationType::kNEG: return -x;
    default: return x;
  }
}

__device__ __forceinline__ float elementWise(ElementWiseOp op, float a, float b) {
  switch (op) {
    case ElementWiseOp::kSUM: return a + b;
    case ElementWiseOp::kPROD: return a * b;
    case ElementWiseOp::kMAX: return stdMax(a, b);
    case ElementWiseOp::kMIN: return stdMin(a, b);
    case ElementWiseOp::kSUB: return a - b;
    case ElementWiseOp::kDIV: return a / b;
    case ElementWiseOp::kPOW: return powf(a, b);
  }
  return a;
}

// ---- host side ----
inline DeviceActivation deviceActivation(const Activation& a) { return {a.type, a.alpha, a.beta}; }
inline bool validActivation(const Activation& a) {
  return static_cast<int>(a.type) < static_cast<int>(ActivationType::kCOUNT);
}

inline int64_t elements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The supports() prefix of this folder: layer kind, nbIn inputs and one output, every tensor
// of type t, and every tensor indexable with 32-bit math (the kernels use uint32 indices).
inline bool layerOfType(const KernelSetup& s, LayerKind k, size_t nbIn, DataType t) {
  if (!s.layer || s.layer->kind() != k) return false;
  if (s.inputShapes.size() != nbIn || s.inputTypes.size() != nbIn) return false;
  if (s.outputShapes.size() != 1 || s.outputTypes.size() != 1) return false;
  for (DataType d : s.inputTypes)
    if (d != t) return false;
  if (s.outputTypes[0] != t) return false;
  for (const Shape& x : s.inputShapes)
    if (elements(x) >= (int64_t(1) << 31)) return false;
  return elements(s.outputShapes[0]) < (int64_t(1) << 31);
}

inline bool aligned(const void* p, size_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

inline unsigned blocksFor(int64_t work, int threads) {
  return static_cast<unsigned>((work + threads - 1) / threads);
}

// Host copies of a float array in device memory (weights uploaded once in create()).
inline DeviceBuffer uploadFloats(const std::vector<float>& v, const char* what) {
  DeviceBuffer b(v.size() * sizeof(float), what);
  if (!v.empty()) b.upload(v.data(), v.size() * sizeof(float));
  return b;
}

// Every kernel here has one configuration, "".
inline void expectNoConfig(const std::string& config, const char* kernel) {
  check(config.empty(), "CUDA kernel ", kernel, ": unknown configuration '", config, "'");
}

// Throws unless the run's rank is the setup's (only the batch may change between runs).
inline void checkRunRank(const Shape& run, const Shape& setup, const std::string& layer) {
  check(run.size() == setup.size() && (run.empty() || run[0] <= setup[0]), "layer '", layer,
        "': run shape of rank ", run.size(), " does not fit the kernel's setup");
}

}  // namespace int8rt::cuda::layers

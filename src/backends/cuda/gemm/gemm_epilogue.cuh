// Device twins of the CPU's epilogue math, bit for bit where the CPU is exact:
// activate() of backends/cpu/common/activation_math.h, the INT8 epilogue
// y = fmaf(float(acc), mult[k], bias[k]) then the activation (int8_common.cpp: epilogueFloat),
// and requantizeValue() of quantize.h. nvcc contracts a * b + c into an FMA by default, which
// the CPU reference (compiled without FMA for activations) does not: the products and sums of
// the activations are therefore written with __fmul_rn / __fadd_rn, which are never contracted.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/gemm/gemm_kernels.h"

namespace int8rt::cuda {

__device__ __forceinline__ float activateDevice(float x, const DeviceActivation& a) {
  switch (static_cast<ActivationType>(a.type)) {
    case ActivationType::kNONE:
      return x;
    case ActivationType::kRELU:
      return x > 0.f ? x : 0.f;
    case ActivationType::kLEAKY_RELU:
      return x >= 0.f ? x : __fmul_rn(a.alpha, x);
    case ActivationType::kSIGMOID:
      return 1.f / __fadd_rn(1.f, expf(-x));
    case ActivationType::kTANH:
      return tanhf(x);
    case ActivationType::kCLIP:
      return fminf(fmaxf(x, a.alpha), a.beta);
    case ActivationType::kHARD_SIGMOID:
      return fmaxf(0.f, fminf(1.f, __fadd_rn(__fmul_rn(a.alpha, x), a.beta)));
    case ActivationType::kHARD_SWISH:
      return __fmul_rn(x, fmaxf(0.f, fminf(1.f, __fadd_rn(x / 6.f, 0.5f))));
    case ActivationType::kELU:
      return x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f);
    case ActivationType::kSELU:
      return __fmul_rn(a.beta, x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f));
    case ActivationType::kSOFTPLUS:
      return x > 0.f ? __fadd_rn(x, log1pf(expf(-x))) : log1pf(expf(x));
    case ActivationType::kSOFTSIGN:
      return x / __fadd_rn(1.f, fabsf(x));
    case ActivationType::kABS:
      return fabsf(x);
    case ActivationType::kEXP:
      return expf(x);
    case ActivationType::kSQRT:
      return sqrtf(x);
    case ActivationType::kNEG:
      return -x;
    default:
      return x;
  }
}

// requantizeValue(): compare-selects in the CPU's order (NaN gives -128), then round half to
// even (__float2int_rn, like nearbyint in the default rounding mode).
__device__ __forceinline__ int8_t requantizeDevice(float y, float invScale) {
  float v = __fmul_rn(y, invScale);
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(__float2int_rn(v));
}

// Writes the epilogue of accumulator `acc` of output channel k to out[index].
__device__ __forceinline__ void storeInt8Epilogue(const DeviceInt8Epilogue& e, void* out,
                                                  int64_t index, int k, int32_t acc) {
  const float y = activateDevice(fmaf(static_cast<float>(acc), e.mult[k], e.bias[k]), e.act);
  if (e.outInt8)
    static_cast<int8_t*>(out)[index] = requantizeDevice(y, e.outInvScale);
  else
    static_cast<float*>(out)[index] = y;
}

template <class T>
__device__ __forceinline__ float loadAsFloat(const T* p, int64_t i);
template <>
__device__ __forceinline__ float loadAsFloat<float>(const float* p, int64_t i) { return p[i]; }
template <>
__device__ __forceinline__ float loadAsFloat<__half>(const __half* p, int64_t i) {
  return __half2float(p[i]);
}

__device__ __forceinline__ void storeFromFloat(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void storeFromFloat(__half* p, int64_t i, float v) {
  p[i] = __float2half_rn(v);
}

}  // namespace int8rt::cuda

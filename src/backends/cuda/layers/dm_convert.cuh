// Element conversions of the identity / reformat kernels, bit-identical to the CPU's scalar
// definitions (backends/cpu/int8/quantize.h):
//   quantize:   v = x / scale (IEEE division, not a reciprocal multiply); v = v > -128 ? v : -128
//               (NaN -> -128); v = v < 127 ? v : 127; round half to even.
//   dequantize: float(q) * scale.
//   requantize (INT8 -> INT8, another scale): quantize(dequantize(q, from), to), as
//               requantizeTensor does (a division, not the epilogue's reciprocal).
//   FP32 <-> FP16: round to nearest even (__float2half_rn), exact widening.
// The __*_rn intrinsics pin the rounding whatever the compile flags (--use_fast_math would
// otherwise turn x / scale into an approximate division).
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

namespace int8rt::cuda::dm {

__device__ __forceinline__ int8_t quantizeOne(float x, float scale) {
  // Zeros skip the division: __fdiv_rn's range check (FCHK) can send a zero dividend to its
  // called slow path, an image's background is zeros, and 0 / scale (also -0) quantizes to 0
  // either way.
  if (x == 0.f) return 0;
  float v = __fdiv_rn(x, scale);
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(__float2int_rn(v));
}

__device__ __forceinline__ float dequantizeOne(int8_t q, float scale) {
  return __fmul_rn(static_cast<float>(q), scale);
}

// The conversion functors: In -> Out with the scales they need.
struct CopyOp {
  template <class T>
  __device__ __forceinline__ T operator()(T x) const { return x; }
};
struct QuantizeFloatOp {  // FP32 -> INT8
  float scale;
  __device__ __forceinline__ int8_t operator()(float x) const { return quantizeOne(x, scale); }
};
struct QuantizeHalfOp {  // FP16 -> INT8: the half widens exactly, then as FP32
  float scale;
  __device__ __forceinline__ int8_t operator()(__half x) const {
    return quantizeOne(__half2float(x), scale);
  }
};
struct DequantizeFloatOp {  // INT8 -> FP32
  float scale;
  __device__ __forceinline__ float operator()(int8_t q) const { return dequantizeOne(q, scale); }
};
struct DequantizeHalfOp {  // INT8 -> FP16: the FP32 value, rounded once to half
  float scale;
  __device__ __forceinline__ __half operator()(int8_t q) const {
    return __float2half_rn(dequantizeOne(q, scale));
  }
};
struct RequantizeOp {  // INT8 -> INT8, scale `from` to scale `to`
  float from, to;
  __device__ __forceinline__ int8_t operator()(int8_t q) const {
    return quantizeOne(dequantizeOne(q, from), to);
  }
};
struct FloatToHalfOp {
  __device__ __forceinline__ __half operator()(float x) const { return __float2half_rn(x); }
};
struct HalfToFloatOp {
  __device__ __forceinline__ float operator()(__half x) const { return __half2float(x); }
};

}  // namespace int8rt::cuda::dm

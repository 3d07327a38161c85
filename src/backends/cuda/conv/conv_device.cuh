// Device pieces shared by the three implicit-GEMM convolution kernels: the im2col view of one
// GEMM column (an output pixel of one image), the fused activation and the output store.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::conv {

// Column n of the GEMM (b, oh, ow) seen from the input: the offset of its window origin (which
// may lie in the padding) and the origin's coordinates for the bounds checks of each tap.
struct ConvColumn {
  int base = 0;      // (b * C + g * cg) * H * W + ih0 * W + iw0
  int out = -1;      // b * K * OH * OW + p: the column's output offset before the channel term
  int ih0 = 0, iw0 = 0;
  bool valid = false;  // n < batch * OH * OW
};

__device__ __forceinline__ ConvColumn makeColumn(const ConvGeometry& g, int group, int n,
                                                 int columns) {
  ConvColumn col;
  if (n >= columns) return col;
  const int plane = g.oh * g.ow;
  const int b = n / plane, p = n - b * plane;
  const int oh = p / g.ow, ow = p - oh * g.ow;
  col.ih0 = oh * g.strideH - g.padH;
  col.iw0 = ow * g.strideW - g.padW;
  col.base = (b * g.c + group * g.cg) * g.h * g.w + col.ih0 * g.w + col.iw0;
  col.out = b * g.k * plane + p;
  col.valid = true;
  return col;
}

// The input element of tap t for this column, or zero outside the image / for a padded tap.
template <class T>
__device__ __forceinline__ T loadTap(const T* __restrict__ x, const ConvGeometry& g,
                                     const ConvColumn& col, ConvTap t, T zero) {
  const int ih = col.ih0 + (t.dyDx >> 16), iw = col.iw0 + (t.dyDx & 0xffff);
  const bool inside = col.valid && static_cast<unsigned>(ih) < static_cast<unsigned>(g.h) &&
                      static_cast<unsigned>(iw) < static_cast<unsigned>(g.w);
  return inside ? x[col.base + t.offset] : zero;
}

// The tap table is staged into shared memory once per CTA when it fits (kSmemTaps taps), which
// takes a dependent global load off every gather; larger tables are read through L1.
constexpr int kSmemTaps = 512;

struct TapSource {
  const int2* smem;    // null when the table did not fit
  const int2* global;
  __device__ __forceinline__ ConvTap operator()(int r) const {
    const int2 v = smem ? smem[r] : __ldg(global + r);
    return ConvTap{v.x, v.y};
  }
};

// Copies the table to `stage` (kSmemTaps int2) when it fits; the caller's next barrier
// publishes it.
__device__ __forceinline__ TapSource stageTaps(const ConvLaunch& l, int2* stage, int tid,
                                               int threads) {
  const int2* global = reinterpret_cast<const int2*>(l.taps);
  if (l.geo.reductionPadded > kSmemTaps) return TapSource{nullptr, global};
  for (int i = tid; i < l.geo.reductionPadded; i += threads) stage[i] = __ldg(global + i);
  return TapSource{stage, global};
}

// The activations of backends/cpu/common/activation_math.h, in the same operation order. The
// products are written with __fmul_rn / __fadd_rn so that nvcc cannot contract them into an
// FMA the CPU does not do: piecewise-linear activations then give the CPU's bits exactly; the
// transcendental ones (expf, tanhf, log1pf) may differ from glibc by an ulp or two.
__device__ __forceinline__ float activate(float x, const ConvActivation& a) {
  switch (a.type) {
    case 0: return x;                                                        // kNONE
    case 1: return x > 0.f ? x : 0.f;                                        // kRELU
    case 2: return x >= 0.f ? x : __fmul_rn(a.alpha, x);                     // kLEAKY_RELU
    case 3: return 1.f / (1.f + expf(-x));                                   // kSIGMOID
    case 4: return tanhf(x);                                                 // kTANH
    case 5: return fminf(fmaxf(x, a.alpha), a.beta);                         // kCLIP
    case 6: return fmaxf(0.f, fminf(1.f, __fadd_rn(__fmul_rn(a.alpha, x), a.beta)));  // kHARD_SIGMOID
    case 7: return __fmul_rn(x, fmaxf(0.f, fminf(1.f, __fadd_rn(x / 6.f, 0.5f))));    // kHARD_SWISH
    case 8: return x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f);         // kELU
    case 9: return __fmul_rn(a.beta, x >= 0.f ? x : __fmul_rn(a.alpha, expf(x) - 1.f));  // kSELU
    case 10: return x > 0.f ? x + log1pf(expf(-x)) : log1pf(expf(x));         // kSOFTPLUS
    case 11: return x / (1.f + fabsf(x));                                    // kSOFTSIGN
    case 12: return fabsf(x);                                                // kABS
    case 13: return expf(x);                                                 // kEXP
    case 14: return sqrtf(x);                                                // kSQRT
    case 15: return -x;                                                      // kNEG
    default: return x;
  }
}

// NONE, RELU, LEAKY_RELU and CLIP (a.linear) in their branch-free form.
__device__ __forceinline__ float activateLinear(float x, const ConvActivation& a) {
  float y = x >= 0.f ? x : __fmul_rn(a.slope, x);
  y = y > a.lo ? y : a.lo;
  return y < a.hi ? y : a.hi;
}

// The activation with the piecewise-linear ones on a uniform fast path (no jump table).
__device__ __forceinline__ float activateFast(float x, const ConvActivation& a) {
  return a.linear ? activateLinear(x, a) : activate(x, a);
}

// quantize.h's requantizeValue: multiply, clamp (NaN -> -128 as the CPU's compare order), round
// half to even.
__device__ __forceinline__ int8_t requantize(float y, float invScale) {
  float v = __fmul_rn(y, invScale);
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(__float2int_rn(v));
}

// The channel term of an output index: y[b][group * kg + m][p] is at column.out + this.
__device__ __forceinline__ int outputRow(const ConvGeometry& g, int group, int m) {
  return (group * g.kg + m) * g.oh * g.ow;
}

}  // namespace int8rt::cuda::conv

// Device side of 2-D pooling (pooling.cu): per-type loads, the output stage (FP32 / FP16 as
// pooling_ref, INT8 exactly as pooling_int8_ref) and three kernels:
//   window:  one thread per output, any window / stride / padding / dilation / rounding; taps
//            visited row-major as the CPU does, so FP32 sums round identically.
//   2x2s2:   the 2x2 stride-2 window that never leaves the input (LeNet): two outputs per
//            thread from 4-element loads where rows allow, else one output per thread with
//            paired loads (even rows) or scalar ones.
//   global:  one warp per plane (window = the whole plane, no padding): lanes stride the plane
//            coalesced and reduce with shuffles (FP32 sums round in tree order here).
#pragma once
#include <cstdint>
#include <type_traits>

#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

// Geometry of one run-independent 2-D pooling: everything but the number of planes (N * C).
struct PoolGeometry {
  int H = 1, W = 1, OH = 1, OW = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, peh = 0, pew = 0, dh = 1, dw = 1;
};

enum class PoolStore : int {
  kSame,          // FP32 / FP16 in, the same type out
  kInt8Same,      // INT8 in and out, equal scales
  kInt8Rescale,   // INT8 in and out, different scales
  kInt8ToFloat,   // INT8 in, FP32 out
};

struct PoolMath {
  bool isMax = true;
  bool excludePad = true;  // average divides by the taps inside the unpadded input
  PoolStore store = PoolStore::kSame;
  float inScale = 1.f, outScale = 1.f;
};

// The accumulator of each input type: float for FP32 / FP16, exact int for INT8.
template <class T>
using PoolAcc = std::conditional_t<std::is_same_v<T, int8_t>, int, float>;
template <class T>
__device__ __forceinline__ PoolAcc<T> poolLowest() {
  if constexpr (std::is_same_v<T, int8_t>) return -128;
  else return -FLT_MAX;  // the CPU's numeric_limits<float>::lowest()
}
__device__ __forceinline__ float poolLoad(float v) { return v; }
__device__ __forceinline__ float poolLoad(__half v) { return __half2float(v); }
__device__ __forceinline__ int poolLoad(int8_t v) { return v; }

// Two adjacent elements; p aligned to two elements.
__device__ __forceinline__ void poolLoadPair(const float* p, float& a, float& b) {
  const float2 v = *reinterpret_cast<const float2*>(p);
  a = v.x, b = v.y;
}
__device__ __forceinline__ void poolLoadPair(const __half* p, float& a, float& b) {
  const float2 v = __half22float2(*reinterpret_cast<const __half2*>(p));
  a = v.x, b = v.y;
}
__device__ __forceinline__ void poolLoadPair(const int8_t* p, int& a, int& b) {
  const char2 v = *reinterpret_cast<const char2*>(p);
  a = v.x, b = v.y;
}

// Four adjacent elements; p aligned to four elements.
__device__ __forceinline__ void poolLoadQuad(const float* p, float v[4]) { load4(p, v); }
__device__ __forceinline__ void poolLoadQuad(const __half* p, float v[4]) { load4(p, v); }
__device__ __forceinline__ void poolLoadQuad(const int8_t* p, int v[4]) {
  const char4 q = *reinterpret_cast<const char4*>(p);
  v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
}

// quantize.h's quantizeValue, bit for bit: divide, clamp by compare-selects (NaN -> -128),
// round half to even.
__device__ __forceinline__ int8_t quantizeDevice(float x, float scale) {
  float v = __fdiv_rn(x, scale);
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(__float2int_rn(v));
}

template <class T, class O>
__device__ __forceinline__ O poolResult(PoolAcc<T> best, PoolAcc<T> sum, int count,
                                        const PoolMath& m) {
  if constexpr (std::is_same_v<T, int8_t>) {
    if (m.isMax) {
      if constexpr (std::is_same_v<O, float>) return __fmul_rn(static_cast<float>(best), m.inScale);
      else if (m.store == PoolStore::kInt8Same) return static_cast<int8_t>(best);
      else return quantizeDevice(__fmul_rn(static_cast<float>(best), m.inScale), m.outScale);
    }
    const float mean = count > 0 ? __fdiv_rn(static_cast<float>(sum), static_cast<float>(count)) : 0.f;
    if constexpr (std::is_same_v<O, float>) return __fmul_rn(mean, m.inScale);
    else if (m.store == PoolStore::kInt8Same) return quantizeDevice(mean, 1.f);
    else return quantizeDevice(__fmul_rn(mean, m.inScale), m.outScale);
  } else {
    if (m.isMax) return fromFloat<O>(best);
    return fromFloat<O>(count > 0 ? __fdiv_rn(sum, static_cast<float>(count)) : 0.f);
  }
}

// Walks the window whose top-left tap is (y0, x0): visit(iy, ix) for every tap inside the input,
// row-major as the CPU visits them (so FP32 sums round identically). Returns an average's
// divisor: the taps inside the input (excludePad) or inside the padded input.
template <class Visit>
__device__ __forceinline__ int poolWindow(const PoolGeometry& g, int y0, int x0, bool excludePad,
                                          Visit&& visit) {
  int rowsIn = 0, rowsPad = 0, colsIn = 0, colsPad = 0;
  for (int kx = 0; kx < g.kw; ++kx) {
    const int ix = x0 + kx * g.dw;
    colsIn += ix >= 0 && ix < g.W;
    colsPad += ix >= -g.pw && ix < g.W + g.pew;
  }
  for (int ky = 0; ky < g.kh; ++ky) {
    const int iy = y0 + ky * g.dh;
    rowsPad += iy >= -g.ph && iy < g.H + g.peh;
    if (iy < 0 || iy >= g.H) continue;
    ++rowsIn;
    for (int kx = 0; kx < g.kw; ++kx) {
      const int ix = x0 + kx * g.dw;
      if (ix < 0 || ix >= g.W) continue;
      visit(iy, ix);
    }
  }
  return excludePad ? rowsIn * colsIn : rowsPad * colsPad;
}

template <class T, class O>
__global__ void cudaPoolingWindowKernel(const T* __restrict__ x, O* __restrict__ y,
                                        uint32_t outputs, PoolGeometry g, PoolMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= outputs) return;
  const int ow = static_cast<int>(i % g.OW);
  const uint32_t rest = i / g.OW;
  const int oh = static_cast<int>(rest % g.OH);
  const uint32_t plane = rest / g.OH;
  const T* xp = x + static_cast<size_t>(plane) * g.H * g.W;
  const int y0 = oh * g.sh - g.ph, x0 = ow * g.sw - g.pw;
  PoolAcc<T> best = poolLowest<T>(), sum = 0;
  const int count = poolWindow(g, y0, x0, m.excludePad, [&](int iy, int ix) {
    const PoolAcc<T> v = poolLoad(xp[iy * g.W + ix]);
    if (v > best) best = v;
    sum += v;
  });
  y[i] = poolResult<T, O>(best, sum, count, m);
}

template <class T, class O, bool kPairs>
__global__ void cudaPooling2x2s2Kernel(const T* __restrict__ x, O* __restrict__ y,
                                       uint32_t outputs, PoolGeometry g, PoolMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= outputs) return;
  const uint32_t ow = i % g.OW, rest = i / g.OW;
  const uint32_t oh = rest % g.OH, plane = rest / g.OH;
  const T* p = x + (static_cast<size_t>(plane) * g.H + 2 * oh) * g.W + 2 * ow;
  PoolAcc<T> v[4];
  if constexpr (kPairs) {
    poolLoadPair(p, v[0], v[1]);
    poolLoadPair(p + g.W, v[2], v[3]);
  } else {
    v[0] = poolLoad(p[0]), v[1] = poolLoad(p[1]);
    v[2] = poolLoad(p[g.W]), v[3] = poolLoad(p[g.W + 1]);
  }
  PoolAcc<T> best = poolLowest<T>(), sum = 0;
#pragma unroll
  for (int k = 0; k < 4; ++k) {  // row-major, as the CPU visits the window
    if (v[k] > best) best = v[k];
    sum += v[k];
  }
  y[i] = poolResult<T, O>(best, sum, 4, m);
}

// The 2x2 stride-2 case with two adjacent outputs per thread from 4-element loads of both
// input rows (W % 4 == 0, OW even, x aligned to 4 elements): half the threads and index math
// of the kernel above. Thread t writes outputs 2t and 2t + 1 (OW even keeps them in one row).
template <class T, class O>
__global__ void cudaPooling2x2s2QuadKernel(const T* __restrict__ x, O* __restrict__ y,
                                           uint32_t pairs, PoolGeometry g, PoolMath m) {
  const uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (t >= pairs) return;
  const uint32_t halfOW = g.OW / 2;
  const uint32_t pw = t % halfOW, rest = t / halfOW;
  const uint32_t oh = rest % g.OH, plane = rest / g.OH;
  const T* p = x + (static_cast<size_t>(plane) * g.H + 2 * oh) * g.W + 4 * pw;
  PoolAcc<T> r0[4], r1[4];
  poolLoadQuad(p, r0);
  poolLoadQuad(p + g.W, r1);
#pragma unroll
  for (int k = 0; k < 2; ++k) {
    const PoolAcc<T> v[4] = {r0[2 * k], r0[2 * k + 1], r1[2 * k], r1[2 * k + 1]};
    PoolAcc<T> best = poolLowest<T>(), sum = 0;
#pragma unroll
    for (int j = 0; j < 4; ++j) {  // row-major, as the CPU visits the window
      if (v[j] > best) best = v[j];
      sum += v[j];
    }
    y[2 * t + k] = poolResult<T, O>(best, sum, 4, m);
  }
}

// One warp per plane of H * W elements; blockDim.x = 32 * warps per block.
template <class T, class O>
__global__ void cudaPoolingGlobalKernel(const T* __restrict__ x, O* __restrict__ y,
                                        uint32_t planes, uint32_t planeSize, PoolMath m) {
  const uint32_t plane = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  const unsigned lane = threadIdx.x % 32;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (plane >= planes) return;  // whole warps leave together: the shuffles below stay full
  const T* xp = x + static_cast<size_t>(plane) * planeSize;
  PoolAcc<T> best = poolLowest<T>(), sum = 0;
  for (uint32_t k = lane; k < planeSize; k += 32) {
    const PoolAcc<T> v = poolLoad(xp[k]);
    if (v > best) best = v;
    sum += v;
  }
#pragma unroll
  for (int d = 16; d > 0; d /= 2) {
    const PoolAcc<T> ob = __shfl_xor_sync(0xffffffffu, best, d);
    const PoolAcc<T> os = __shfl_xor_sync(0xffffffffu, sum, d);
    best = ob > best ? ob : best;
    sum += os;
  }
  if (lane == 0) y[plane] = poolResult<T, O>(best, sum, static_cast<int>(planeSize), m);
}

}  // namespace int8rt::cuda::layers

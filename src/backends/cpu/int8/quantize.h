// Per-tensor INT8 quantization (CONTRACTS §2): q = clamp(round_half_even(x / scale), -128, 127),
// x = q * scale. The runtime calls these as reformat kernels between FP32 and INT8 tensors.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/thread_pool.h"

namespace int8rt::cpu {

// The one scalar definition every INT8 path (reference, AVX2, epilogues) must reproduce bit for
// bit. Written as compare-selects in the order of the AVX2 code (max_ps then min_ps, whose
// second operand wins on NaN), so that NaN quantizes to -128 on both paths, and the clamp comes
// before the conversion so that huge values saturate instead of overflowing the int conversion.
// nearbyint rounds half to even in the default rounding mode, like cvtps2dq. always_inline: an
// out-of-line copy emitted by an AVX2 translation unit must never be shared with scalar code.
[[gnu::always_inline]] inline int8_t quantizeValue(float x, float scale) {
  float v = x / scale;
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(static_cast<int>(std::nearbyint(v)));
}

[[gnu::always_inline]] inline float dequantizeValue(int8_t q, float scale) {
  return static_cast<float>(q) * scale;
}

// The conv / FC epilogue's requantization: y * (1 / scale) instead of y / scale, because a
// division per output costs more than the rest of a small layer's epilogue (conv1 of LeNet has
// 25 MACs per output). The two differ by at most one float ulp before rounding, which changes
// q only when y / scale lies within an ulp of a .5 tie. The reference kernels use this same
// function, so fast and reference stay bit-identical. invScale = 1.f / scale, computed once.
[[gnu::always_inline]] inline int8_t requantizeValue(float y, float invScale) {
  float v = y * invScale;
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return static_cast<int8_t>(static_cast<int>(std::nearbyint(v)));
}

// Whole-tensor conversions; AVX2 when the CPU has it, split over `pool` when worthwhile (pool
// may be null). scale must be > 0 (a zero scale has no INT8 representation).
void quantizeTensor(const float* x, int8_t* q, int64_t n, float scale, ThreadPool* pool = nullptr);
void dequantizeTensor(const int8_t* q, float* x, int64_t n, float scale,
                      ThreadPool* pool = nullptr);
// q' = quantize(dequantize(q, from), to): moves an INT8 tensor to another scale.
void requantizeTensor(const int8_t* q, int8_t* out, int64_t n, float from, float to,
                      ThreadPool* pool = nullptr);

// The single-threaded building blocks, exposed so tests can compare them directly.
void quantizeScalar(const float* x, int8_t* q, int64_t n, float scale);
void dequantizeScalar(const int8_t* q, float* x, int64_t n, float scale);
void quantizeAvx2(const float* x, int8_t* q, int64_t n, float scale);    // needs AVX2
void dequantizeAvx2(const int8_t* q, float* x, int64_t n, float scale);  // needs AVX2

}  // namespace int8rt::cpu

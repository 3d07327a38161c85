// AVX2 FP32 -> INT8 (x / scale, clamp, round half even, saturating packs) and INT8 -> FP32.
// Layout: flat arrays; 32 elements per step, scalar tail through the same quantizeValue.
#include <immintrin.h>

#include "backends/cpu/int8/quantize.h"

namespace int8rt::cpu {

namespace {
// Same operation order as quantizeValue: divide (not multiply by a reciprocal: the bits must
// match), max_ps(v, -128) (NaN -> -128), min_ps(v, 127), cvtps2dq (round half even).
inline __m256i quantize8(__m256 x, __m256 s) {
  __m256 v = _mm256_div_ps(x, s);
  v = _mm256_max_ps(v, _mm256_set1_ps(-128.f));
  v = _mm256_min_ps(v, _mm256_set1_ps(127.f));
  return _mm256_cvtps_epi32(v);
}
}  // namespace

void quantizeAvx2(const float* x, int8_t* q, int64_t n, float scale) {
  const __m256 s = _mm256_set1_ps(scale);
  // packs works within 128-bit lanes; this permutation puts the 32 bytes back in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a = quantize8(_mm256_loadu_ps(x + i), s);
    __m256i b = quantize8(_mm256_loadu_ps(x + i + 8), s);
    __m256i c = quantize8(_mm256_loadu_ps(x + i + 16), s);
    __m256i d = quantize8(_mm256_loadu_ps(x + i + 24), s);
    __m256i ab = _mm256_packs_epi32(a, b);  // a0-3 b0-3 | a4-7 b4-7
    __m256i cd = _mm256_packs_epi32(c, d);
    __m256i abcd = _mm256_packs_epi16(ab, cd);  // a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i),
                        _mm256_permutevar8x32_epi32(abcd, order));
  }
  for (; i < n; ++i) q[i] = quantizeValue(x[i], scale);
}

void dequantizeAvx2(const int8_t* q, float* x, int64_t n, float scale) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i));
    __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
    __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(b, 8)));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(lo, s));
    _mm256_storeu_ps(x + i + 8, _mm256_mul_ps(hi, s));
  }
  for (; i < n; ++i) x[i] = dequantizeValue(q[i], scale);
}

}  // namespace int8rt::cpu

// Packing int8 activations into the GEMM's B layout: convolution im2col fused with packing, FC
// rows, and the negativity check. Layout out: [N/16][R/4][16 cols][4]; unit: half block (8 cols).
#include <immintrin.h>

#include "backends/cpu/int8/int8_common.h"

namespace int8rt::cpu::i8 {

bool anyNegativeAvx2(const int8_t* x, int64_t n) {
  __m256i acc = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    acc = _mm256_or_si256(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
  bool neg = _mm256_movemask_epi8(acc) != 0;  // any sign bit set
  for (; i < n; ++i) neg |= x[i] < 0;
  return neg;
}

void packRowsAvx2(const int8_t* x, int64_t rows, int64_t c, int64_t ldx, int64_t kGroups,
                  int8_t* packed) {
  // Column j of the block is sample j; its k-group g is 4 consecutive bytes of the sample, so
  // packing is a transpose of 32-bit words: 16 rows x kGroups words -> kGroups x 16 words.
  const int64_t full = c / 4;
  for (int j = 0; j < kNR; ++j) {
    int8_t* dst = packed + 4 * j;
    if (j >= rows) {
      for (int64_t g = 0; g < kGroups; ++g) __builtin_memset(dst + g * kNR * 4, 0, 4);
      continue;
    }
    const int8_t* src = x + j * ldx;
    int64_t g = 0;
    for (; g < full; ++g) __builtin_memcpy(dst + g * kNR * 4, src + 4 * g, 4);
    for (; g < kGroups; ++g) {
      int8_t w[4] = {0, 0, 0, 0};
      for (int64_t b = 0; b < 4 && 4 * g + b < c; ++b) w[b] = src[4 * g + b];
      __builtin_memcpy(dst + g * kNR * 4, w, 4);
    }
  }
}

void packConvColumnsScalar(const int8_t* xpad, const ConvPackGeometry& g, int64_t p0, int64_t p1,
                           int8_t* packed) {
  const int64_t blocks = (p1 - p0 + kNR - 1) / kNR;
  for (int64_t nb = 0; nb < blocks; ++nb) {
    int8_t* blk = packed + nb * g.kGroups * kNR * 4;
    for (int j = 0; j < kNR; ++j) {
      const int64_t p = p0 + nb * kNR + j;
      const bool live = p < p1;
      const int64_t origin = live ? (p / g.ow) * g.sh * g.wp + (p % g.ow) * g.sw : 0;
      for (int64_t k = 0; k < g.kGroups; ++k)
        for (int b = 0; b < 4; ++b) {
          const int32_t t = g.tapOffset[4 * k + b];
          blk[(k * kNR + j) * 4 + b] = live && t >= 0 ? xpad[origin + t] : 0;
        }
    }
  }
}

namespace {

// Byte indices inside a 128-bit lane for a row quad: window u (0..3) of the lane, tap b (0..3)
// sits at u * sw + b * dw from the lane's base. Needs 3 * (sw + dw) <= 15.
inline __m256i rowQuadPattern(int64_t sw, int64_t dw) {
  alignas(32) int8_t p[32];
  for (int u = 0; u < 4; ++u)
    for (int b = 0; b < 4; ++b)
      p[4 * u + b] = p[16 + 4 * u + b] = static_cast<int8_t>(u * sw + b * dw);
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
}

// The 8 bytes of one tap for 8 consecutive columns of an output row (stride 1 or 2).
inline __m128i tapBytes(const int8_t* base, int64_t sw, __m128i evens) {
  if (sw == 1) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(base));
  return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(base)), evens);
}

}  // namespace

void packConvColumnsAvx2(const int8_t* xpad, const ConvPackGeometry& g, int64_t p0, int64_t p1,
                         int8_t* packed) {
  // Outside the fast path's reach (wide strides or dilations): the scalar gather.
  if (g.sw > 2 || g.sw + g.dw > 5) {
    packConvColumnsScalar(xpad, g, p0, p1, packed);
    return;
  }
  const __m256i pattern = rowQuadPattern(g.sw, g.dw);
  const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
  const int64_t blocks = (p1 - p0 + kNR - 1) / kNR;
  for (int64_t nb = 0; nb < blocks; ++nb) {
    int8_t* blk = packed + nb * g.kGroups * kNR * 4;
    for (int h = 0; h < 2; ++h) {
      const int64_t p = p0 + nb * kNR + 8 * h;
      int8_t* dst = blk + 32 * h;
      const int64_t oh = p / g.ow, ow = p % g.ow;
      if (p + 8 > p1 || ow + 8 > g.ow) {
        // A half block that is partly past the end or crosses an output row: per column.
        for (int j = 0; j < 8; ++j) {
          const int64_t q = p + j;
          const bool live = q < p1;
          const int64_t origin = live ? (q / g.ow) * g.sh * g.wp + (q % g.ow) * g.sw : 0;
          for (int64_t k = 0; k < g.kGroups; ++k)
            for (int b = 0; b < 4; ++b) {
              const int32_t t = g.tapOffset[4 * k + b];
              dst[k * kNR * 4 + 4 * j + b] = live && t >= 0 ? xpad[origin + t] : 0;
            }
        }
        continue;
      }
      // 8 columns of one output row: window origins origin + u * sw, u = 0..7.
      const int8_t* origin = xpad + oh * g.sh * g.wp + ow * g.sw;
      for (int64_t k = 0; k < g.kGroups; ++k, dst += kNR * 4) {
        const int32_t* t = g.tapOffset + 4 * k;
        if (g.quadIsRow[k]) {
          // Taps o, o+dw, o+2dw, o+3dw: column u needs bytes o + u*sw + b*dw. Lane 0 covers
          // u = 0..3 from o, lane 1 covers u = 4..7 from o + 4*sw; one shuffle makes the quads.
          const int8_t* base = origin + t[0];
          const __m256i src = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(base + 4 * g.sw),
                                                  reinterpret_cast<const __m128i*>(base));
          _mm256_store_si256(reinterpret_cast<__m256i*>(dst), _mm256_shuffle_epi8(src, pattern));
          continue;
        }
        // Four unrelated taps (other channels or kernel rows): 8 bytes each, then interleave
        // bytes (taps 0,1 and 2,3) and words (the pairs) into four-byte quads per column.
        __m128i v[4];
        for (int b = 0; b < 4; ++b)
          v[b] = t[b] < 0 ? _mm_setzero_si128() : tapBytes(origin + t[b], g.sw, evens);
        const __m128i lo01 = _mm_unpacklo_epi8(v[0], v[1]);
        const __m128i lo23 = _mm_unpacklo_epi8(v[2], v[3]);
        _mm_store_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi16(lo01, lo23));
        _mm_store_si128(reinterpret_cast<__m128i*>(dst + 16), _mm_unpackhi_epi16(lo01, lo23));
      }
    }
  }
}

}  // namespace int8rt::cpu::i8

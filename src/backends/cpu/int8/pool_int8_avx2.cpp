// INT8 2-D max pooling: 2x2 stride 2 unpadded (LeNet, VGG) straight from two input rows, 8 outputs
// per 16-byte step; otherwise a vertical vpmaxsb into a -128-padded row, then a horizontal max.
#include <immintrin.h>

#include "backends/cpu/int8/int8_common.h"

namespace int8rt::cpu::i8 {

namespace {
// Row buffer: pw bytes of -128, the w columns, then -128 up to the last tap read + a vector.
inline int64_t rowLength(const Pool2dGeometry& g) {
  const int64_t lastTap = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const int64_t used = g.pw + g.w > lastTap ? g.pw + g.w : lastTap;
  return used + 64;
}
}  // namespace

int64_t maxPoolScratchBytes(const Pool2dGeometry& g) { return rowLength(g) + 64; }

namespace {

bool isPool2x2(const Pool2dGeometry& g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 &&
         g.dw == 1 && 2 * (g.oh - 1) < g.h && 2 * (g.ow - 1) < g.w;
}

// Max of bytes 2i and 2i+1 of v into byte i (i < 8): vertical max already done by the caller.
inline __m128i pairMax8(__m128i v) {
  const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
  return _mm_shuffle_epi8(_mm_max_epi8(v, _mm_srli_epi16(v, 8)), evens);
}

void maxPool2x2(const int8_t* x, int8_t* y, int64_t planes, const Pool2dGeometry& g) {
  // Windows wholly inside: fw per row. With ceil rounding and an odd width the last window
  // has one column (and with an odd height the last row window has one row).
  const int64_t fw = g.w / 2 < g.ow ? g.w / 2 : g.ow;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int8_t* xp = x + pl * g.h * g.w;
    int8_t* yp = y + pl * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int8_t* r0 = xp + 2 * oy * g.w;
      const int8_t* r1 = 2 * oy + 1 < g.h ? r0 + g.w : r0;
      int8_t* out = yp + oy * g.ow;
      if (fw >= 8) {
        for (int64_t ox = 0;; ox += 8) {
          if (ox + 8 > fw) ox = fw - 8;  // overlapping last step
          const __m128i v =
              _mm_max_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + 2 * ox)),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + 2 * ox)));
          _mm_storel_epi64(reinterpret_cast<__m128i*>(out + ox), pairMax8(v));
          if (ox + 8 >= fw) break;
        }
      } else if (fw >= 4) {
        for (int64_t ox = 0;; ox += 4) {
          if (ox + 4 > fw) ox = fw - 4;
          const __m128i v =
              _mm_max_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r0 + 2 * ox)),
                           _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r1 + 2 * ox)));
          const int32_t q = _mm_cvtsi128_si32(pairMax8(v));
          __builtin_memcpy(out + ox, &q, 4);
          if (ox + 4 >= fw) break;
        }
      } else {
        for (int64_t ox = 0; ox < fw; ++ox) {
          int8_t m = r0[2 * ox];
          m = r0[2 * ox + 1] > m ? r0[2 * ox + 1] : m;
          m = r1[2 * ox] > m ? r1[2 * ox] : m;
          m = r1[2 * ox + 1] > m ? r1[2 * ox + 1] : m;
          out[ox] = m;
        }
      }
      for (int64_t ox = fw; ox < g.ow; ++ox)  // the one-column window of an odd width
        out[ox] = r0[2 * ox] > r1[2 * ox] ? r0[2 * ox] : r1[2 * ox];
    }
  }
}

}  // namespace

void maxPool2dAvx2(const int8_t* x, int8_t* y, int64_t planes, const Pool2dGeometry& g,
                   int8_t* scratch) {
  if (isPool2x2(g)) {
    maxPool2x2(x, y, planes, g);
    return;
  }
  const int64_t len = rowLength(g);
  int8_t* row = scratch;
  __builtin_memset(row, -128, static_cast<size_t>(len));
  int8_t* mid = row + g.pw;  // mid[ix] = vertical max at input column ix
  const __m256i lowest = _mm256_set1_epi8(-128);
  // Even bytes of each 128-bit lane first: the stride-2 compaction.
  const __m256i evens = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
  const bool pairs = g.sw == 2 && g.kw == 2 && g.dw == 1;

  for (int64_t pl = 0; pl < planes; ++pl) {
    const int8_t* xp = x + pl * g.h * g.w;
    int8_t* yp = y + pl * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      // Vertical max over the window rows that exist (padding rows are ignored, as -128 would
      // be). The valid rows are found once per output row; the columns go 32, 16 or 8 at a
      // time, the last vector overlapping the previous one (max is idempotent).
      const int8_t* rows[64];
      int nr = 0;
      for (int64_t i = 0; i < g.kh && nr < 64; ++i) {
        const int64_t iy = oy * g.sh - g.ph + i * g.dh;
        if (iy >= 0 && iy < g.h) rows[nr++] = xp + iy * g.w;
      }
      if (g.w >= 32) {
        for (int64_t ix = 0;; ix += 32) {
          if (ix + 32 > g.w) ix = g.w - 32;
          __m256i m = lowest;
          for (int r = 0; r < nr; ++r)
            m = _mm256_max_epi8(m,
                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[r] + ix)));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(mid + ix), m);
          if (ix + 32 >= g.w) break;
        }
      } else if (g.w >= 16) {
        for (int64_t ix = 0;; ix += 16) {
          if (ix + 16 > g.w) ix = g.w - 16;
          __m128i m = _mm256_castsi256_si128(lowest);
          for (int r = 0; r < nr; ++r)
            m = _mm_max_epi8(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[r] + ix)));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(mid + ix), m);
          if (ix + 16 >= g.w) break;
        }
      } else if (g.w >= 8) {
        for (int64_t ix = 0;; ix += 8) {
          if (ix + 8 > g.w) ix = g.w - 8;
          __m128i m = _mm256_castsi256_si128(lowest);
          for (int r = 0; r < nr; ++r)
            m = _mm_max_epi8(m, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[r] + ix)));
          _mm_storel_epi64(reinterpret_cast<__m128i*>(mid + ix), m);
          if (ix + 8 >= g.w) break;
        }
      } else {
        for (int64_t ix = 0; ix < g.w; ++ix) {
          int8_t m = -128;
          for (int r = 0; r < nr; ++r) m = rows[r][ix] > m ? rows[r][ix] : m;
          mid[ix] = m;
        }
      }

      // Horizontal: out[ox] = max_j row[ox * sw + j * dw] (row includes the left padding).
      int8_t* out = yp + oy * g.ow;
      int64_t ox = 0;
      if (pairs) {
        // 16 outputs from 32 bytes: max with the byte to the right, keep the even bytes.
        for (; ox + 16 <= g.ow; ox += 16) {
          const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * ox));
          const __m256i m = _mm256_max_epi8(v, _mm256_srli_epi16(v, 8));
          const __m256i c = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(m, evens), 0x08);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out + ox), _mm256_castsi256_si128(c));
        }
        if (ox < g.ow) {
          const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * ox));
          const __m256i m = _mm256_max_epi8(v, _mm256_srli_epi16(v, 8));
          const __m256i c = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(m, evens), 0x08);
          alignas(16) int8_t t[32];  // 32: copyBytes' 16-byte branch is visible to the compiler
          _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm256_castsi256_si128(c));
          copyBytes(out + ox, t, g.ow - ox);
          ox = g.ow;
        }
      } else if (g.sw == 1) {
        for (; ox + 32 <= g.ow; ox += 32) {
          __m256i m = lowest;
          for (int64_t j = 0; j < g.kw; ++j)
            m = _mm256_max_epi8(
                m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + ox + j * g.dw)));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + ox), m);
        }
      }
      for (; ox < g.ow; ++ox) {
        int8_t m = -128;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int8_t v = row[ox * g.sw + j * g.dw];
          m = v > m ? v : m;
        }
        out[ox] = m;
      }
    }
  }
}

}  // namespace int8rt::cpu::i8

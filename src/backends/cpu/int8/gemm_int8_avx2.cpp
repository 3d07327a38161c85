// Exact int8 GEMM C[M][N] = A[M][R] * B[R][N] (int32 accumulators) with the fused float epilogue.
// Layout: A [M/4][R/4][4 rows][4], B [N/16][R/4][16 cols][4] (int8, or int16 for S16); 4x16 tile.
//
// Why these schemes. Without VNNI the int8 dot product is vpmaddubsw (u8 x s8, adjacent pairs
// summed with int16 *saturation*) then vpmaddwd with ones (pairs of int16 -> int32, exact). The
// result is exact iff no pair sum leaves [-32768, 32767]. Weights are always in [-127, 127]
// (quantizeWeightsPerChannel never produces -128; packA checks it). Per column block:
//  - U8, when every activation of the block is >= 0 (so in [0, 127]): vpmaddubsw(x as u8, w).
//    |x0 w0 + x1 w1| <= 2 * 127 * 127 = 32258 <= 32767: exact. 2 multiply uops per 32 MACs.
//  - S16, for any int8 activations: both operands sign-extended to int16 at packing time, then
//    vpmaddwd: |x0 w0 + x1 w1| <= 2 * 128 * 127 < 2^31, no saturation exists. Also 2 multiply
//    uops per 32 MACs, plus one more vpaddd; the operands are twice as large (L1 traffic).
//  - SIGN, for any int8 activations without widened operands: x * w = |x| * (sign(x) * w).
//    vpabsb gives |x| in [0, 128] (|-128| = 0x80 = 128 read as u8), vpsignb gives sign(x) * w in
//    [-127, 127] (w != -128, so the negation never wraps; x == 0 zeroes w, harmless since |x| is
//    0 too). |pair| <= 2 * 128 * 127 = 32512 <= 32767: exact. But vpsignb issues on the same two
//    ports as the multiplies on Zen, so it costs 3 port slots per 32 MACs: the slowest scheme.
// The choice is made at run time from the data (the packers report whether a block has a
// negative byte), so it is guaranteed, not assumed: a wrong guess could only cost speed.
// int32 accumulation is exact while R * 128 * 127 < 2^31 (accumulatorFits).
#include <immintrin.h>

#include "backends/cpu/int8/int8_common.h"

namespace int8rt::cpu::i8 {

namespace {

// acc[m][v]: row m, columns 8v..8v+7 of the tile. NV = 1 serves a block with <= 8 live columns.
// Written with named accumulators (no arrays) so that all of them stay in registers: 8 acc,
// 2 B, 2 |B|, the broadcast weights, a product and the ones vector = 15 of the 16 ymm.
template <bool kSign, int NV>
inline void tileDot(const int8_t* a, const int8_t* b, int64_t kGroups, __m256i (&acc)[kMR][2]) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00;
  for (int64_t g = 0; g < kGroups; ++g, a += kMR * 4, b += kNR * 4) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = NV > 1 ? _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32)) : b0;
    const __m256i u0 = kSign ? _mm256_abs_epi8(b0) : b0;
    const __m256i u1 = kSign ? _mm256_abs_epi8(b1) : b1;
    // One row: 4 weights (k-group g) broadcast to every lane, times 8 or 16 columns.
#define INT8RT_ROW(m, acc0, acc1)                                                            \
    {                                                                                        \
      int32_t w4;                                                                            \
      __builtin_memcpy(&w4, a + 4 * (m), 4);                                                 \
      const __m256i w = _mm256_set1_epi32(w4);                                               \
      const __m256i p0 = _mm256_maddubs_epi16(u0, kSign ? _mm256_sign_epi8(w, b0) : w);      \
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(p0, ones));                            \
      if (NV > 1) {                                                                          \
        const __m256i p1 = _mm256_maddubs_epi16(u1, kSign ? _mm256_sign_epi8(w, b1) : w);    \
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(p1, ones));                          \
      }                                                                                      \
    }
    INT8RT_ROW(0, c00, c01)
    INT8RT_ROW(1, c10, c11)
    INT8RT_ROW(2, c20, c21)
    INT8RT_ROW(3, c30, c31)
#undef INT8RT_ROW
  }
  static_assert(kMR == 4, "tileDot is written for 4 rows");
  acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
  acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
}

// The full 4 x 16 tiles, the hot loops, in inline assembly: GCC 12 keeps renaming the
// accumulators of the intrinsic loops through extra registers (a vmovdqa per accumulator per
// k-group, up to a third of the instructions). Same arithmetic as tileDot, operand order
// AT&T (last operand is the destination; vpmaddubsw's middle operand is the unsigned one).
#define INT8RT_U8_ROW(off, c0, c1)                          \
  "vpbroadcastd " off "(%[a]), %[w]\n\t"                    \
  "vpmaddubsw %[w], %[b0], %[t0]\n\t"                        \
  "vpmaddubsw %[w], %[b1], %[t1]\n\t"                        \
  "vpmaddwd %[ones], %[t0], %[t0]\n\t"                       \
  "vpmaddwd %[ones], %[t1], %[t1]\n\t"                       \
  "vpaddd %[t0], %[" c0 "], %[" c0 "]\n\t"                  \
  "vpaddd %[t1], %[" c1 "], %[" c1 "]\n\t"

#define INT8RT_SIGN_ROW(off, c0, c1)                        \
  "vpbroadcastd " off "(%[a]), %[w]\n\t"                    \
  "vpsignb %[b0], %[w], %[t0]\n\t"                           \
  "vpsignb %[b1], %[w], %[t1]\n\t"                           \
  "vpmaddubsw %[t0], %[u0], %[t0]\n\t"                       \
  "vpmaddubsw %[t1], %[u1], %[t1]\n\t"                       \
  "vpmaddwd %[ones], %[t0], %[t0]\n\t"                       \
  "vpmaddwd %[ones], %[t1], %[t1]\n\t"                       \
  "vpaddd %[t0], %[" c0 "], %[" c0 "]\n\t"                  \
  "vpaddd %[t1], %[" c1 "], %[" c1 "]\n\t"

template <bool kSign>
inline void tileDotFull(const int8_t* a, const int8_t* b, int64_t kGroups, __m256i (&acc)[kMR][2]) {
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i b0, b1, u0, u1, w, t0, t1;
  int64_t n = kGroups;  // >= 1
  if (kSign) {
    asm volatile(
        "1:\n\t"
        "vmovdqa (%[b]), %[b0]\n\t"
        "vmovdqa 32(%[b]), %[b1]\n\t"
        "vpabsb %[b0], %[u0]\n\t"
        "vpabsb %[b1], %[u1]\n\t"
        INT8RT_SIGN_ROW("0", "c00", "c01") INT8RT_SIGN_ROW("4", "c10", "c11")
        INT8RT_SIGN_ROW("8", "c20", "c21") INT8RT_SIGN_ROW("12", "c30", "c31")
        "add $16, %[a]\n\t"
        "add $64, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11), [c20] "+x"(c20),
          [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31), [a] "+r"(a), [b] "+r"(b),
          [n] "+r"(n), [b0] "=&x"(b0), [b1] "=&x"(b1), [u0] "=&x"(u0), [u1] "=&x"(u1),
          [w] "=&x"(w), [t0] "=&x"(t0), [t1] "=&x"(t1)
        : [ones] "x"(ones)
        : "cc", "memory");
  } else {
    asm volatile(
        "1:\n\t"
        "vmovdqa (%[b]), %[b0]\n\t"
        "vmovdqa 32(%[b]), %[b1]\n\t"
        INT8RT_U8_ROW("0", "c00", "c01") INT8RT_U8_ROW("4", "c10", "c11")
        INT8RT_U8_ROW("8", "c20", "c21") INT8RT_U8_ROW("12", "c30", "c31")
        "add $16, %[a]\n\t"
        "add $64, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11), [c20] "+x"(c20),
          [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31), [a] "+r"(a), [b] "+r"(b),
          [n] "+r"(n), [b0] "=&x"(b0), [b1] "=&x"(b1), [w] "=&x"(w), [t0] "=&x"(t0),
          [t1] "=&x"(t1)
        : [ones] "x"(ones)
        : "cc", "memory");
    (void)u0, (void)u1;
  }
  acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
  acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
}
#undef INT8RT_U8_ROW
#undef INT8RT_SIGN_ROW

// Same operation order as requantizeValue (quantize.h).
inline __m256i quantize8(__m256 y, __m256 invScale) {
  __m256 v = _mm256_mul_ps(y, invScale);
  v = _mm256_max_ps(v, _mm256_set1_ps(-128.f));
  v = _mm256_min_ps(v, _mm256_set1_ps(127.f));
  return _mm256_cvtps_epi32(v);
}

// Exactly activate() of activation_math.h for the four vectorized types, NaN included:
// relu x > 0 ? x : 0 == max_ps(x, 0); clip min(max(x, lo), hi) with std::max(x, lo) ==
// (lo > x ? lo : x) == max_ps(lo, x) and std::min(t, hi) == (hi < t ? hi : t) == min_ps(hi, t).
inline __m256 activate8(__m256 y, const Activation& act) {
  switch (act.type) {
    case ActivationType::kRELU: return _mm256_max_ps(y, _mm256_setzero_ps());
    case ActivationType::kCLIP:
      return _mm256_min_ps(_mm256_set1_ps(act.beta), _mm256_max_ps(_mm256_set1_ps(act.alpha), y));
    case ActivationType::kLEAKY_RELU: {
      const __m256 ge = _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GE_OQ);
      return _mm256_blendv_ps(_mm256_mul_ps(y, _mm256_set1_ps(act.alpha)), y, ge);
    }
    default: return y;
  }
}

template <int NV>
void storeTile(__m256i (&acc)[kMR][2], int64_t row0, int rows, int64_t col0, int cols,
               const Int8Epilogue& ep, bool vecAct) {
  const bool contiguous = ep.colStride == 1 && cols == 8 * NV;
  if (ep.accOut) {
    alignas(32) int32_t t[kMR][16] = {};
    for (int m = 0; m < rows; ++m) {
      int32_t* dst = ep.accOut + (row0 + m) * ep.rowStride + col0 * ep.colStride;
      if (contiguous) {
        for (int v = 0; v < NV; ++v)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8 * v), acc[m][v]);
        continue;
      }
      for (int v = 0; v < NV; ++v)
        _mm256_store_si256(reinterpret_cast<__m256i*>(t[m] + 8 * v), acc[m][v]);
      for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[m][n];
    }
    return;
  }

  // y = fma(float(acc), mult, bias), then the activation.
  __m256 y[kMR][2];
  for (int m = 0; m < rows; ++m) {
    const __m256 mult = _mm256_set1_ps(ep.mult[row0 + m]);
    const __m256 bias = _mm256_set1_ps(ep.bias ? ep.bias[row0 + m] : 0.f);
    for (int v = 0; v < NV; ++v) {
      y[m][v] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[m][v]), mult, bias);
      if (vecAct) y[m][v] = activate8(y[m][v], ep.act);
    }
    if (!vecAct) {
      alignas(32) float t[16];
      for (int v = 0; v < NV; ++v) _mm256_store_ps(t + 8 * v, y[m][v]);
      activateArray(t, 8 * NV, ep.act);  // the reference's scalar code, bit for bit
      for (int v = 0; v < NV; ++v) y[m][v] = _mm256_load_ps(t + 8 * v);
    }
  }

  if (!ep.outInt8) {
    float* out = static_cast<float*>(ep.out);
    for (int m = 0; m < rows; ++m) {
      float* dst = out + (row0 + m) * ep.rowStride + col0 * ep.colStride;
      if (contiguous) {
        for (int v = 0; v < NV; ++v) _mm256_storeu_ps(dst + 8 * v, y[m][v]);
        continue;
      }
      alignas(32) float t[16];
      _mm256_store_ps(t, y[m][0]);
      _mm256_store_ps(t + 8, NV > 1 ? y[m][1] : y[m][0]);  // all 16 written: no stale reads
      for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[n];
    }
    return;
  }

  int8_t* out = static_cast<int8_t*>(ep.out);
  const __m256 s = _mm256_set1_ps(ep.outInvScale);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int m = 0; m < rows; ++m) {
    int8_t* dst = out + (row0 + m) * ep.rowStride + col0 * ep.colStride;
    const __m256i q0 = quantize8(y[m][0], s);
    const __m256i q1 = NV > 1 ? quantize8(y[m][1], s) : q0;
    // packs works per 128-bit lane: q0[0..3] q1[0..3] | q0[4..7] q1[4..7] -> reorder dwords.
    const __m256i w16 = _mm256_packs_epi32(q0, q1);
    const __m256i b8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w16, w16), order);
    const __m128i bytes = _mm256_castsi256_si128(b8);  // q0[0..7] q1[0..7]
    if (contiguous) {
      if (NV > 1) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), bytes);
      else _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), bytes);
      continue;
    }
    alignas(16) int8_t t[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(t), bytes);
    for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[n];
  }
}

// S16: two rows (a points at row 0 or 2 of a 4-row block of the widened A) x 16 columns.
// A widened B k-group is 4 ymm of 4 columns x 4 int16; vpmaddwd with the row's 4 weights
// (broadcast as one qword) gives per column two pair sums in adjacent dwords, kept apart in
// the accumulators and added once at the end (hadd), not per step.
template <int NV4>
inline void tileDotS16(const int16_t* a, const int16_t* b, int64_t kGroups, __m256i (&out)[2][2]) {
  __m256i r00 = _mm256_setzero_si256(), r01 = r00, r02 = r00, r03 = r00;
  __m256i r10 = r00, r11 = r00, r12 = r00, r13 = r00;
  if (NV4 > 2) {
    // Full 16 columns, in assembly for the reason given at tileDotFull. Each B vector is
    // loaded once for both rows (memory operands would load it twice: a load port limit).
    __m256i w0, w1, t0, t1, bv;
    int64_t n = kGroups;  // >= 1
#define INT8RT_S16_COL(off, c0, c1)                          \
    "vmovdqa " off "(%[b]), %[bv]\n\t"                        \
    "vpmaddwd %[bv], %[w0], %[t0]\n\t"                        \
    "vpmaddwd %[bv], %[w1], %[t1]\n\t"                        \
    "vpaddd %[t0], %[" c0 "], %[" c0 "]\n\t"                 \
    "vpaddd %[t1], %[" c1 "], %[" c1 "]\n\t"
    asm volatile(
        "1:\n\t"
        "vpbroadcastq (%[a]), %[w0]\n\t"
        "vpbroadcastq 8(%[a]), %[w1]\n\t"
        INT8RT_S16_COL("0", "r00", "r10") INT8RT_S16_COL("32", "r01", "r11")
        INT8RT_S16_COL("64", "r02", "r12") INT8RT_S16_COL("96", "r03", "r13")
        "add $32, %[a]\n\t"
        "add $128, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : [r00] "+x"(r00), [r01] "+x"(r01), [r02] "+x"(r02), [r03] "+x"(r03), [r10] "+x"(r10),
          [r11] "+x"(r11), [r12] "+x"(r12), [r13] "+x"(r13), [a] "+r"(a), [b] "+r"(b),
          [n] "+r"(n), [w0] "=&x"(w0), [w1] "=&x"(w1), [t0] "=&x"(t0), [t1] "=&x"(t1),
          [bv] "=&x"(bv)
        :
        : "cc", "memory");
#undef INT8RT_S16_COL
  } else {
    for (int64_t g = 0; g < kGroups; ++g, a += kMR * 4, b += kNR * 4) {
      int64_t q0, q1;
      __builtin_memcpy(&q0, a, 8);
      __builtin_memcpy(&q1, a + 4, 8);
      const __m256i w0 = _mm256_set1_epi64x(q0), w1 = _mm256_set1_epi64x(q1);
      const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
      const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 16));
      r00 = _mm256_add_epi32(_mm256_madd_epi16(b0, w0), r00);
      r10 = _mm256_add_epi32(_mm256_madd_epi16(b0, w1), r10);
      r01 = _mm256_add_epi32(_mm256_madd_epi16(b1, w0), r01);
      r11 = _mm256_add_epi32(_mm256_madd_epi16(b1, w1), r11);
    }
  }
  // hadd(x, y) per 128-bit lane: (x0+x1, x2+x3, y0+y1, y2+y3) = columns (0, 1, 4, 5 | 2, 3, 6, 7)
  // for x = columns 0-3 and y = columns 4-7; permute4x64(0, 2, 1, 3) restores the order.
  out[0][0] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(r00, r01), 0xD8);
  out[1][0] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(r10, r11), 0xD8);
  out[0][1] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(r02, r03), 0xD8);
  out[1][1] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(r12, r13), 0xD8);
}

}  // namespace

void widenInt8Avx2(const int8_t* src, int16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(dst + i),
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < n; ++i) dst[i] = src[i];
}

void gemmInt8Avx2(const GemmOperands& op, const Int8Epilogue& ep, GemmScheme scheme) {
  const int64_t mBlocks = (op.rows + kMR - 1) / kMR, nBlocks = (op.cols + kNR - 1) / kNR;
  const int64_t aBlock = op.kGroups * kMR * 4, bBlock = op.kGroups * kNR * 4;
  const bool haveS16 = op.a16 != nullptr && op.b16 != nullptr;
  const bool vecAct = activationIsVectorized(ep.act);
  // Columns outer: one B block (16 columns x R, 64 bytes per k-group, 128 widened) stays in L1
  // while the A panels stream past it (16 bytes per k-group per 4 rows), so the larger operand
  // is read from L1 and only the smaller one from L2.
  for (int64_t nb = 0; nb < nBlocks; ++nb) {
    const int64_t col0 = nb * kNR;
    const int c = static_cast<int>(op.cols - col0 < kNR ? op.cols - col0 : kNR);
    for (int64_t mb = 0; mb < mBlocks; ++mb) {
      const int64_t row0 = mb * kMR;
      const int r = static_cast<int>(op.rows - row0 < kMR ? op.rows - row0 : kMR);
      GemmScheme s = scheme;
      if (s == GemmScheme::kAuto) {
        if (op.nonNegBlocks && op.nonNegBlocks[nb]) s = GemmScheme::kU8;
        else s = haveS16 ? GemmScheme::kS16 : GemmScheme::kSign;
      }
      __m256i acc[kMR][2];
      if (s == GemmScheme::kS16) {
        const int16_t* a = op.a16 + mb * aBlock;
        const int16_t* b = op.b16 + nb * bBlock;
        __m256i lo[2][2], hi[2][2];
        if (c > 8) {
          tileDotS16<4>(a, b, op.kGroups, lo);
          if (r > 2) tileDotS16<4>(a + 8, b, op.kGroups, hi);
        } else {
          tileDotS16<2>(a, b, op.kGroups, lo);
          if (r > 2) tileDotS16<2>(a + 8, b, op.kGroups, hi);
        }
        for (int v = 0; v < 2; ++v) {
          acc[0][v] = lo[0][v], acc[1][v] = lo[1][v];
          acc[2][v] = r > 2 ? hi[0][v] : lo[0][v];
          acc[3][v] = r > 2 ? hi[1][v] : lo[1][v];
        }
      } else {
        const int8_t* a = op.a8 + mb * aBlock;
        const int8_t* b = op.b8 + nb * bBlock;
        if (s == GemmScheme::kU8) {
          if (c > 8) tileDotFull<false>(a, b, op.kGroups, acc);
          else tileDot<false, 1>(a, b, op.kGroups, acc);
        } else {
          if (c > 8) tileDotFull<true>(a, b, op.kGroups, acc);
          else tileDot<true, 1>(a, b, op.kGroups, acc);
        }
      }
      if (c > 8) storeTile<2>(acc, row0, r, col0, c, ep, vecAct);
      else storeTile<1>(acc, row0, r, col0, c, ep, vecAct);
    }
  }
}

}  // namespace int8rt::cpu::i8

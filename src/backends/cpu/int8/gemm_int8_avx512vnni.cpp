// Exact int8 GEMM with AVX-512 VNNI (vpdpbusd) and the fused float epilogue of gemmInt8Avx2.
// Layouts: int8_vnni.h. Tile: up to 2 A blocks (8 rows) x 2 B blocks (32 columns) = 16 zmm
// accumulators; per k-group 2 zmm B loads, 8 dword broadcasts of weights, 16 vpdpbusd.
//
// Exactness. vpdpbusd computes, per int32 lane, acc + u0*w0 + u1*w1 + u2*w2 + u3*w3 with u in
// [0, 255] (unsigned bytes) and w in [-128, 127] (signed bytes): the four products and their
// sum are formed exactly (|sum| <= 4 * 255 * 128 < 2^18) and only the final add into the int32
// lane wraps modulo 2^32 (no saturation: that is vpdpbusds). Every step is therefore exact
// arithmetic modulo 2^32, and so is the correction below. Signed blocks: u = x + 128 (the byte
// xor 0x80), so the lane ends with S' = sum (x + 128) * w = S + 128 * W (mod 2^32), S = sum x*w,
// W = sum w; subtracting 128 * W (mod 2^32) leaves S mod 2^32. The kernels admit only reductions
// with accumulatorFits(R) (R <= 132,104 products, zero padding included), where
// |S| <= R * 128 * 127 < 2^31, so S mod 2^32 read as int32 is S itself: exact. (In fact no wrap
// happens at all while R <= 66,311: |S'| <= R * 255 * 127 < 2^31; |128 * W| <= 128 * 127 * R.)
// Padding: taps and columns past the data are zero bytes, 128 after the offset, but their
// weights are zero (packA pads A with zeros) and padded columns are never stored.
// Non-negative blocks (x in [0, 127]): u = x, S directly, no correction.
// Epilogue: the same float operations in the same order as storeTile of gemm_int8_avx2.cpp
// (cvt, one fma, the activation with max/min/blend semantics, mul/max/min/cvt round-to-even).
// GCC 12 reports its own AVX-512 intrinsics (undefined-vector idiom) as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "backends/cpu/int8/int8_vnni.h"

namespace int8rt::cpu::i8 {

namespace {

// acc[m][j]: row m of the tile (m < 4 * MA), column block j (16 columns).
template <int MA, int NB, bool kOff>
inline void tileDot(const int8_t* a, int64_t aBlock, const int8_t* b, int64_t bBlock,
                    int64_t kGroups, __m512i (&acc)[8][2]) {
  for (int m = 0; m < 4 * MA; ++m)
    for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_setzero_si512();
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int8_t* a1 = a + aBlock;
  const int8_t* b1 = b + bBlock;
  for (int64_t g = 0; g < kGroups; ++g) {
    __m512i bv[2];
    bv[0] = _mm512_loadu_si512(b + 64 * g);
    if (NB > 1) bv[1] = _mm512_loadu_si512(b1 + 64 * g);
    if (kOff) {
      bv[0] = _mm512_xor_si512(bv[0], flip);
      if (NB > 1) bv[1] = _mm512_xor_si512(bv[1], flip);
    }
#pragma GCC unroll 8
    for (int m = 0; m < 4 * MA; ++m) {
      const int8_t* ap = (m < 4 ? a : a1) + 16 * g + 4 * (m & 3);
      int32_t w4;
      __builtin_memcpy(&w4, ap, 4);
      const __m512i w = _mm512_set1_epi32(w4);
#pragma GCC unroll 2
      for (int j = 0; j < NB; ++j) acc[m][j] = _mm512_dpbusd_epi32(acc[m][j], bv[j], w);
    }
  }
}

// The full 8 x 32 tile, the hot loop, in inline assembly: GCC 12 copies every accumulator of
// the intrinsic loop through another register per k-group (vpdpbusd is destructive), doubling
// the instruction count. Same arithmetic as tileDot<2, 2, kOff>; AT&T order, so
// "vpdpbusd w, b, c" is c += dot(u8 b, s8 w).
#define INT8RT_VNNI_ROW(addr, c0, c1)              \
  "vpbroadcastd " addr ", %[w]\n\t"                \
  "vpdpbusd %[w], %[b0], %[" c0 "]\n\t"            \
  "vpdpbusd %[w], %[b1], %[" c1 "]\n\t"

template <bool kOff>
inline void tileDotFull(const int8_t* a, int64_t aBlock, const int8_t* b, int64_t bBlock,
                        int64_t kGroups, __m512i (&acc)[8][2]) {
  // Accumulators are zeroed inside the asm and declared output-only: 16 "+" operands would
  // count twice against GCC's limit of 30.
  __m512i c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i b0, b1, w;
  int64_t n = kGroups;  // >= 1
  asm volatile(
      "vpxord %[c00], %[c00], %[c00]\n\t"
      "vpxord %[c01], %[c01], %[c01]\n\t"
      "vpxord %[c10], %[c10], %[c10]\n\t"
      "vpxord %[c11], %[c11], %[c11]\n\t"
      "vpxord %[c20], %[c20], %[c20]\n\t"
      "vpxord %[c21], %[c21], %[c21]\n\t"
      "vpxord %[c30], %[c30], %[c30]\n\t"
      "vpxord %[c31], %[c31], %[c31]\n\t"
      "vpxord %[c40], %[c40], %[c40]\n\t"
      "vpxord %[c41], %[c41], %[c41]\n\t"
      "vpxord %[c50], %[c50], %[c50]\n\t"
      "vpxord %[c51], %[c51], %[c51]\n\t"
      "vpxord %[c60], %[c60], %[c60]\n\t"
      "vpxord %[c61], %[c61], %[c61]\n\t"
      "vpxord %[c70], %[c70], %[c70]\n\t"
      "vpxord %[c71], %[c71], %[c71]\n\t"
      "1:\n\t"
      "vmovdqu64 (%[b]), %[b0]\n\t"
      "vmovdqu64 (%[b],%[bs]), %[b1]\n\t"
      ".if %c[off]\n\t"
      "vpxord %[flip], %[b0], %[b0]\n\t"
      "vpxord %[flip], %[b1], %[b1]\n\t"
      ".endif\n\t"
      INT8RT_VNNI_ROW("0(%[a])", "c00", "c01") INT8RT_VNNI_ROW("4(%[a])", "c10", "c11")
      INT8RT_VNNI_ROW("8(%[a])", "c20", "c21") INT8RT_VNNI_ROW("12(%[a])", "c30", "c31")
      INT8RT_VNNI_ROW("0(%[a],%[as])", "c40", "c41") INT8RT_VNNI_ROW("4(%[a],%[as])", "c50", "c51")
      INT8RT_VNNI_ROW("8(%[a],%[as])", "c60", "c61") INT8RT_VNNI_ROW("12(%[a],%[as])", "c70", "c71")
      "add $16, %[a]\n\t"
      "add $64, %[b]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      : [c00] "=&v"(c00), [c01] "=&v"(c01), [c10] "=&v"(c10), [c11] "=&v"(c11), [c20] "=&v"(c20),
        [c21] "=&v"(c21), [c30] "=&v"(c30), [c31] "=&v"(c31), [c40] "=&v"(c40), [c41] "=&v"(c41),
        [c50] "=&v"(c50), [c51] "=&v"(c51), [c60] "=&v"(c60), [c61] "=&v"(c61), [c70] "=&v"(c70),
        [c71] "=&v"(c71), [a] "+r"(a), [b] "+r"(b), [n] "+r"(n), [b0] "=&v"(b0), [b1] "=&v"(b1),
        [w] "=&v"(w)
      : [as] "r"(aBlock), [bs] "r"(bBlock), [flip] "v"(flip), [off] "i"(kOff ? 1 : 0)
      : "cc", "memory");
  acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
  acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
  acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
  acc[6][0] = c60, acc[6][1] = c61, acc[7][0] = c70, acc[7][1] = c71;
}
#undef INT8RT_VNNI_ROW

// Exactly activate8 of gemm_int8_avx2.cpp (and so activate()), in 16 lanes.
inline __m512 activate16(__m512 y, const Activation& act) {
  switch (act.type) {
    case ActivationType::kRELU: return _mm512_max_ps(y, _mm512_setzero_ps());
    case ActivationType::kCLIP:
      return _mm512_min_ps(_mm512_set1_ps(act.beta), _mm512_max_ps(_mm512_set1_ps(act.alpha), y));
    case ActivationType::kLEAKY_RELU: {
      const __mmask16 ge = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GE_OQ);
      return _mm512_mask_blend_ps(ge, _mm512_mul_ps(y, _mm512_set1_ps(act.alpha)), y);
    }
    default: return y;
  }
}

// One row x 16 columns (cols valid) of corrected accumulators through the epilogue.
inline void storeRow(__m512i acc, int64_t row, int64_t col0, int cols, const Int8Epilogue& ep,
                     bool vecAct) {
  const __mmask16 live = static_cast<__mmask16>((1u << cols) - 1u);
  const bool contiguous = ep.colStride == 1;
  if (ep.accOut) {
    int32_t* dst = ep.accOut + row * ep.rowStride + col0 * ep.colStride;
    if (contiguous) {
      _mm512_mask_storeu_epi32(dst, live, acc);
    } else {
      alignas(64) int32_t t[16];
      _mm512_store_si512(t, acc);
      for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[n];
    }
    return;
  }
  const __m512 mult = _mm512_set1_ps(ep.mult[row]);
  const __m512 bias = _mm512_set1_ps(ep.bias ? ep.bias[row] : 0.f);
  __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), mult, bias);
  if (vecAct) {
    y = activate16(y, ep.act);
  } else {
    alignas(64) float t[16];
    _mm512_store_ps(t, y);
    activateArray(t, 16, ep.act);  // the reference's scalar code, bit for bit
    y = _mm512_load_ps(t);
  }
  if (!ep.outInt8) {
    float* dst = static_cast<float*>(ep.out) + row * ep.rowStride + col0 * ep.colStride;
    if (contiguous) {
      _mm512_mask_storeu_ps(dst, live, y);
    } else {
      alignas(64) float t[16];
      _mm512_store_ps(t, y);
      for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[n];
    }
    return;
  }
  // Same operation order as requantizeValue / quantize8: mul, max(-128), min(127), cvt (RNE).
  __m512 v = _mm512_mul_ps(y, _mm512_set1_ps(ep.outInvScale));
  v = _mm512_max_ps(v, _mm512_set1_ps(-128.f));
  v = _mm512_min_ps(v, _mm512_set1_ps(127.f));
  const __m512i q = _mm512_cvtps_epi32(v);  // in [-128, 127]: the truncation below is exact
  int8_t* dst = static_cast<int8_t*>(ep.out) + row * ep.rowStride + col0 * ep.colStride;
  if (contiguous) {
    _mm512_mask_cvtepi32_storeu_epi8(dst, live, q);
  } else {
    const __m128i bytes = _mm512_cvtepi32_epi8(q);
    alignas(16) int8_t t[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(t), bytes);
    for (int n = 0; n < cols; ++n) dst[n * ep.colStride] = t[n];
  }
}

template <int MA, int NB, bool kOff>
inline void tile(const VnniGemmOperands& op, const Int8Epilogue& ep, bool vecAct, int64_t mb,
                 int64_t nb) {
  const int64_t aBlock = op.kGroups * kMR * 4, bBlock = op.kGroups * kNR * 4;
  __m512i acc[8][2];
  if (MA == 2 && NB == 2 && op.kGroups > 0)
    tileDotFull<kOff>(op.a + mb * aBlock, aBlock, op.b + nb * bBlock, bBlock, op.kGroups, acc);
  else
    tileDot<MA, NB, kOff>(op.a + mb * aBlock, aBlock, op.b + nb * bBlock, bBlock, op.kGroups, acc);
  const int64_t row0 = mb * kMR;
  for (int m = 0; m < 4 * MA; ++m) {
    const int64_t row = row0 + m;
    if (row >= op.rows) break;
    __m512i fix = _mm512_setzero_si512();
    if (kOff) fix = _mm512_set1_epi32(static_cast<int32_t>(
                  static_cast<uint32_t>(op.rowSumW[row]) * 128u));  // 128 * W mod 2^32
    for (int j = 0; j < NB; ++j) {
      const int64_t col0 = (nb + j) * kNR;
      const int64_t left = op.cols - col0;
      const int cols = static_cast<int>(left < kNR ? left : kNR);
      storeRow(kOff ? _mm512_sub_epi32(acc[m][j], fix) : acc[m][j], row, col0, cols, ep, vecAct);
    }
  }
}

template <int MA, int NB>
inline void tileAny(const VnniGemmOperands& op, const Int8Epilogue& ep, bool vecAct, int64_t mb,
                    int64_t nb) {
  bool nonNeg = op.nonNegBlocks != nullptr && op.nonNegBlocks[nb] != 0;
  if (NB > 1) nonNeg = nonNeg && op.nonNegBlocks[nb + 1] != 0;
  if (nonNeg) tile<MA, NB, false>(op, ep, vecAct, mb, nb);
  else tile<MA, NB, true>(op, ep, vecAct, mb, nb);
}

}  // namespace

void gemmInt8Avx512Vnni(const VnniGemmOperands& op, const Int8Epilogue& ep) {
  const int64_t mBlocks = (op.rows + kMR - 1) / kMR, nBlocks = (op.cols + kNR - 1) / kNR;
  const bool vecAct = activationIsVectorized(ep.act);
  // Columns outer: two B blocks (128 bytes per k-group) stay in L1 while the A panels stream.
  for (int64_t nb = 0; nb < nBlocks; nb += 2) {
    const bool twoN = nb + 1 < nBlocks;
    for (int64_t mb = 0; mb < mBlocks; mb += 2) {
      const bool twoM = mb + 1 < mBlocks;
      if (twoM && twoN) tileAny<2, 2>(op, ep, vecAct, mb, nb);
      else if (twoM) tileAny<2, 1>(op, ep, vecAct, mb, nb);
      else if (twoN) tileAny<1, 2>(op, ep, vecAct, mb, nb);
      else tileAny<1, 1>(op, ep, vecAct, mb, nb);
    }
  }
}

}  // namespace int8rt::cpu::i8

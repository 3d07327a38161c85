// Fused activations on 8 floats at a time for the AVX2 kernels' epilogues. Types without a
// vector form here are applied with the scalar definition (activation_math.h) after the store.
// Include only from *_avx2.cpp files: it uses AVX2/FMA intrinsics.
#pragma once
#include <immintrin.h>

#include "backends/cpu/common/activation_math.h"

namespace int8rt::cpu::avx2 {

inline bool hasVectorForm(ActivationType t) {
  switch (t) {
    case ActivationType::kNONE:
    case ActivationType::kRELU:
    case ActivationType::kLEAKY_RELU:
    case ActivationType::kCLIP:
    case ActivationType::kHARD_SIGMOID:
    case ActivationType::kHARD_SWISH:
    case ActivationType::kABS:
    case ActivationType::kNEG:
    case ActivationType::kSOFTSIGN:
      return true;
    default:
      return false;
  }
}

// Only valid where hasVectorForm(a.type); the same formulas as activate() (results may differ in
// the last bit where the compiler contracts a multiply-add into an FMA).
inline __m256 activateVec(__m256 x, const Activation& a) {
  const __m256 zero = _mm256_setzero_ps();
  switch (a.type) {
    case ActivationType::kRELU:
      return _mm256_max_ps(x, zero);
    case ActivationType::kLEAKY_RELU: {
      __m256 neg = _mm256_mul_ps(x, _mm256_set1_ps(a.alpha));
      return _mm256_blendv_ps(x, neg, _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
    }
    case ActivationType::kCLIP:
      return _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(a.alpha)), _mm256_set1_ps(a.beta));
    case ActivationType::kHARD_SIGMOID: {
      __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(a.alpha), x), _mm256_set1_ps(a.beta));
      return _mm256_max_ps(zero, _mm256_min_ps(_mm256_set1_ps(1.f), v));
    }
    case ActivationType::kHARD_SWISH: {
      __m256 v = _mm256_add_ps(_mm256_div_ps(x, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
      return _mm256_mul_ps(x, _mm256_max_ps(zero, _mm256_min_ps(_mm256_set1_ps(1.f), v)));
    }
    case ActivationType::kABS:
      return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x);
    case ActivationType::kNEG:
      return _mm256_xor_ps(x, _mm256_set1_ps(-0.f));
    case ActivationType::kSOFTSIGN: {
      __m256 d = _mm256_add_ps(_mm256_set1_ps(1.f), _mm256_andnot_ps(_mm256_set1_ps(-0.f), x));
      return _mm256_div_ps(x, d);
    }
    default:
      return x;
  }
}

// Mask with the first n (0..8) lanes set, for partial loads and stores.
inline __m256i firstLanes(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

// How a kernel's epilogue applies its fused activation: resolved once at create(), so the hot
// epilogues of the common cases (none, ReLU) carry no switch.
enum class EpilogueKind : int { kNone = 0, kRelu = 1, kGeneric = 2 };

inline EpilogueKind epilogueKind(const Activation& a) {
  if (a.type == ActivationType::kNONE) return EpilogueKind::kNone;
  if (a.type == ActivationType::kRELU) return EpilogueKind::kRelu;
  return EpilogueKind::kGeneric;
}

// Stores the first n lanes (1..8) of v at p.
inline void storeLanes(float* p, __m256 v, int n) {
  if (n >= 8)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, firstLanes(n), v);
}

// Applies the activation to v and stores its first n lanes at p (n in 1..8).
inline void activateStore(float* p, __m256 v, int n, const Activation& a, bool vectorForm) {
  if (vectorForm) v = activateVec(v, a);
  storeLanes(p, v, n);
  if (!vectorForm)
    for (int i = 0; i < n; ++i) p[i] = activate(p[i], a);
}

// The epilogue store of kernels templated on EpilogueKind.
template <EpilogueKind kKind>
inline void epilogueStore(float* p, __m256 v, int n, const Activation& a, bool vectorForm) {
  if constexpr (kKind == EpilogueKind::kNone) {
    storeLanes(p, v, n);
  } else if constexpr (kKind == EpilogueKind::kRelu) {
    storeLanes(p, _mm256_max_ps(v, _mm256_setzero_ps()), n);
  } else {
    activateStore(p, v, n, a, vectorForm);
  }
}

}  // namespace int8rt::cpu::avx2

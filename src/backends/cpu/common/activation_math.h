// The scalar definition of every ActivationType (network.h), shared by the reference kernels and
// by the fast kernels' tails, so that a fused activation means exactly one thing everywhere.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "int8rt/network.h"

namespace int8rt::cpu {

inline float activate(float x, const Activation& a) {
  switch (a.type) {
    case ActivationType::kNONE:
      return x;
    case ActivationType::kRELU:
      return x > 0.f ? x : 0.f;
    case ActivationType::kLEAKY_RELU:
      return x >= 0.f ? x : a.alpha * x;
    case ActivationType::kSIGMOID:
      return 1.f / (1.f + std::exp(-x));
    case ActivationType::kTANH:
      return std::tanh(x);
    case ActivationType::kCLIP:
      return std::min(std::max(x, a.alpha), a.beta);
    case ActivationType::kHARD_SIGMOID:
      return std::max(0.f, std::min(1.f, a.alpha * x + a.beta));
    case ActivationType::kHARD_SWISH:
      return x * std::max(0.f, std::min(1.f, x / 6.f + 0.5f));
    case ActivationType::kELU:
      return x >= 0.f ? x : a.alpha * (std::exp(x) - 1.f);
    case ActivationType::kSELU:
      return a.beta * (x >= 0.f ? x : a.alpha * (std::exp(x) - 1.f));
    // log(1 + e^x) without overflow for large x and without losing small results for very
    // negative x.
    case ActivationType::kSOFTPLUS:
      return x > 0.f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    case ActivationType::kSOFTSIGN:
      return x / (1.f + std::fabs(x));
    case ActivationType::kABS:
      return std::fabs(x);
    case ActivationType::kEXP:
      return std::exp(x);
    case ActivationType::kSQRT:
      return std::sqrt(x);
    case ActivationType::kNEG:
      return -x;
    case ActivationType::kCOUNT:
      break;
  }
  return x;
}

inline bool isIdentity(const Activation& a) { return a.type == ActivationType::kNONE; }

inline bool isValidActivation(const Activation& a) {
  return static_cast<int>(a.type) < static_cast<int>(ActivationType::kCOUNT);
}

// In place over a contiguous range.
inline void activateRange(float* data, int64_t n, const Activation& a) {
  if (isIdentity(a)) return;
  for (int64_t i = 0; i < n; ++i) data[i] = activate(data[i], a);
}

}  // namespace int8rt::cpu

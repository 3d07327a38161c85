// Random, never-zero test data with a fixed seed per call site.
#pragma once
#include <random>
#include <vector>

namespace int8rt::testing_util {

inline std::vector<float> randomFloats(size_t n, unsigned seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) {
    do x = d(rng); while (x == 0.f);
  }
  return v;
}

}  // namespace int8rt::testing_util

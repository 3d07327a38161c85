// How far a tensor of a reduced-precision run is from the same tensor of the FP32 run, summed
// over as many batches as are added: what `int8rt compare` shows per layer.
#pragma once
#include <cstddef>
#include <cstdint>

namespace int8rt {

class TensorDiff {
 public:
  // ref: the FP32 values, test: the other run's (dequantized) values, n of each. amax: the
  // tensor's INT8 range, for the clipped count (<= 0: the tensor has none).
  void add(const float* ref, const float* test, size_t n, float amax);

  int64_t count() const { return count_; }
  // 10·log10(Σref² / Σ(ref − test)²); +inf when the runs agree exactly, -inf when the reference
  // is all zeros but the test is not.
  double sqnrDb() const;
  // Σ ref·test / sqrt(Σref² · Σtest²); 1 when both are all zeros, 0 when only one is.
  double cosine() const;
  double maxAbsError() const { return maxAbs_; }
  // Fraction of reference values with |x| > amax; -1 when no amax was given.
  double clippedFraction() const;

 private:
  int64_t count_ = 0, clipped_ = 0;
  bool hasRange_ = false;
  double refSq_ = 0, testSq_ = 0, dot_ = 0, errSq_ = 0, maxAbs_ = 0;
};

}  // namespace int8rt

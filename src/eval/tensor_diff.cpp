#include "eval/tensor_diff.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace int8rt {

void TensorDiff::add(const float* ref, const float* test, size_t n, float amax) {
  // Double sums: a tensor of millions of values over many batches would lose the error's small
  // contributions in float.
  double refSq = 0, testSq = 0, dot = 0, errSq = 0, maxAbs = maxAbs_;
  int64_t clipped = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = ref[i], y = test[i], e = x - y;
    refSq += x * x;
    testSq += y * y;
    dot += x * y;
    errSq += e * e;
    maxAbs = std::max(maxAbs, std::fabs(e));
    clipped += amax > 0 && std::fabs(ref[i]) > amax;
  }
  refSq_ += refSq;
  testSq_ += testSq;
  dot_ += dot;
  errSq_ += errSq;
  maxAbs_ = maxAbs;
  count_ += static_cast<int64_t>(n);
  clipped_ += clipped;
  hasRange_ |= amax > 0;
}

double TensorDiff::sqnrDb() const {
  if (errSq_ == 0) return std::numeric_limits<double>::infinity();
  if (refSq_ == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(refSq_ / errSq_);
}

double TensorDiff::cosine() const {
  if (refSq_ == 0 && testSq_ == 0) return 1.0;
  if (refSq_ == 0 || testSq_ == 0) return 0.0;
  return dot_ / std::sqrt(refSq_ * testSq_);
}

double TensorDiff::clippedFraction() const {
  if (!hasRange_) return -1.0;
  return count_ ? static_cast<double>(clipped_) / static_cast<double>(count_) : 0.0;
}

}  // namespace int8rt

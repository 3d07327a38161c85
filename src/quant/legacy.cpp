// TensorRT's legacy calibration: amax from a quantile of |x| over all calibration data.
//
// cutoff = 1 (CONTRACTS §3): amax = the exact q-quantile of every |x| seen.
//
// cutoff < 1: TensorRT never documented its regression, so this is int8rt's own method (not
// TensorRT-compatible). Taking "the fraction of the maximum that defines the regression region"
// literally: on [cutoff * max, max) we sample the empirical survival S(t) = P(|x| > t) at 64
// evenly spaced t, fit ln S(t) = a + b t by least squares (an exponential tail, which is what
// activations after ReLU/conv look like), and solve a + b t = ln(1 - q) for the threshold the
// fitted tail predicts for the quantile. The result is clamped to [cutoff * max, max]: the region
// defines where the maximum may lie. A degenerate fit (b >= 0, non-finite) falls back to the
// plain quantile. So cutoff trades the noisy extreme order statistics for a smoothed estimate.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "quant/algorithms.h"

namespace int8rt {
namespace {

// LSD radix sort of non-negative floats through their bit patterns (their order is integer
// order): 4 passes of 8 bits, skipping a pass when every key has the same digit there (values of
// one tensor often share their top exponent bits). Several times faster than std::sort on
// millions of activations.
void radixSortNonNegative(std::vector<float>& v) {
  const size_t n = v.size();
  if (n < 2) return;
  std::vector<uint32_t> a(n), b(n);
  std::memcpy(a.data(), v.data(), n * sizeof(float));
  constexpr int kDigitBits = 8;
  constexpr uint32_t kRadix = 1u << kDigitBits;
  // All four digit histograms in one read of the data.
  std::vector<size_t> count(4 * kRadix, 0);
  for (uint32_t x : a)
    for (int d = 0; d < 4; ++d) ++count[d * kRadix + ((x >> (d * kDigitBits)) & (kRadix - 1))];
  for (int d = 0; d < 4; ++d) {
    size_t* c = count.data() + d * kRadix;
    bool trivial = false;
    for (uint32_t k = 0; k < kRadix; ++k) trivial = trivial || c[k] == n;
    if (trivial) continue;
    size_t sum = 0;
    for (uint32_t k = 0; k < kRadix; ++k) {
      const size_t t = c[k];
      c[k] = sum;
      sum += t;
    }
    const int shift = d * kDigitBits;
    for (uint32_t x : a) b[c[(x >> shift) & (kRadix - 1)]++] = x;
    a.swap(b);
  }
  std::memcpy(v.data(), a.data(), n * sizeof(float));
}

}  // namespace

void AbsValueSet::add(const float* data, size_t n) {
  const AbsScan scan = scanAbs(data, n);
  check(scan.finite, "calibration data contains NaN or Inf");
  zeros_ += scan.zeros;
  const size_t old = values_.size();
  const size_t keep = n - scan.zeros;
  if (values_.capacity() < old + keep) values_.reserve(std::max(old + keep, 2 * values_.capacity()));
  values_.resize(old + keep);
  float* out = values_.data() + old;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(data[i]);
    if (a != 0.f) out[k++] = a;
  }
  if (n != scan.zeros) sorted_ = false;
}

void AbsValueSet::finalize() {
  if (!sorted_) radixSortNonNegative(values_);
  sorted_ = true;
}

float AbsValueSet::max() const {
  if (values_.empty()) return 0.f;
  if (sorted_) return values_.back();
  return *std::max_element(values_.begin(), values_.end());
}

float AbsValueSet::quantile(double q) const {
  check(sorted_, "AbsValueSet::quantile before finalize()");
  check(q > 0.0 && q <= 1.0, "quantile must be in (0, 1], got ", q);
  const uint64_t n = size();
  if (n == 0) return 0.f;
  // rank = ceil(q * n), computed exactly: fma gives the rounding error of the product, so an
  // integral exact product is not pushed up by one (n < 2^53 is exact as a double).
  const double nd = static_cast<double>(n);
  const double p = q * nd;
  const double err = std::fma(q, nd, -p);
  double rank = std::ceil(p);
  if (rank == p && err > 0.0) rank += 1.0;
  rank = std::clamp(rank, 1.0, nd);
  const uint64_t index = static_cast<uint64_t>(rank) - 1;  // 0-based, ascending
  if (index < zeros_) return 0.f;
  return values_[index - zeros_];
}

double AbsValueSet::survival(float t) const {
  check(sorted_, "AbsValueSet::survival before finalize()");
  const uint64_t n = size();
  if (n == 0) return 0.0;
  if (t < 0.f) return 1.0;
  const auto above = values_.end() - std::upper_bound(values_.begin(), values_.end(), t);
  return static_cast<double>(above) / static_cast<double>(n);
}

float legacyAmax(const AbsValueSet& values, double quantile, double cutoff) {
  check(quantile > 0.0 && quantile <= 1.0, "legacy quantile must be in (0, 1], got ", quantile);
  check(cutoff >= 0.0 && cutoff <= 1.0, "legacy regression cutoff must be in [0, 1], got ", cutoff);
  if (values.size() == 0) return 0.f;
  const float vq = values.quantile(quantile);
  const double m = values.max();
  if (cutoff >= 1.0 || quantile >= 1.0) return vq;
  const double lo = cutoff * m;
  if (!(m > lo)) return vq;

  constexpr int kPoints = 64;
  double st = 0, sy = 0, stt = 0, sty = 0;
  for (int k = 0; k < kPoints; ++k) {
    const double t = lo + (m - lo) * k / kPoints;  // t < max, so S(t) >= 1/N > 0
    const double y = std::log(values.survival(static_cast<float>(t)));
    st += t;
    sy += y;
    stt += t * t;
    sty += t * y;
  }
  const double denom = kPoints * stt - st * st;
  const double b = (kPoints * sty - st * sy) / denom;
  const double a = (sy - b * st) / kPoints;
  const double t = (std::log1p(-quantile) - a) / b;
  if (!(b < 0.0) || !std::isfinite(t)) return vq;
  return static_cast<float>(std::clamp(t, lo, m));
}

}  // namespace int8rt

// 2048-bin histogram of |x| with TensorRT's range doubling (CONTRACTS.md §3 step 1).
#include "quant/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"

namespace int8rt {
namespace {

// Elements binned before the per-thread 32-bit sub-histograms are flushed into the 64-bit
// counts: keeps every 32-bit counter far from overflow whatever the batch size.
constexpr size_t kFlushEvery = size_t(1) << 30;
constexpr size_t kChunk = 2048;  // indices computed per vectorised step
constexpr int kLanes = 4;        // independent sub-histograms: breaks the store-to-load chain
                                 // when many values hit one bin (ReLU zeros all go to bin 0)

}  // namespace

AbsScan scanAbs(const float* data, size_t n) {
  // Works on bit patterns: with the sign cleared, IEEE order of non-negative floats is integer
  // order and NaN/Inf are the largest patterns, so one integer max finds both the max and any
  // non-finite value; the loop vectorises without fast-math.
  uint32_t maxBits = 0;
  uint64_t zeros = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, data + i, sizeof u);
    u &= 0x7fffffffu;
    maxBits = u > maxBits ? u : maxBits;
    zeros += (u == 0);
  }
  AbsScan s;
  s.zeros = zeros;
  s.finite = maxBits < 0x7f800000u;
  std::memcpy(&s.maxAbs, &maxBits, sizeof maxBits);
  return s;
}

AbsHistogram AbsHistogram::withRange(float range) {
  check(std::isfinite(range) && range >= 0.f, "histogram range must be finite and >= 0, got ",
        range);
  AbsHistogram h;
  h.range_ = range;
  h.started_ = true;
  h.fixed_ = true;
  return h;
}

void AbsHistogram::doubleRange() {
  for (int j = 0; j < kBins / 2; ++j) counts_[j] = counts_[2 * j] + counts_[2 * j + 1];
  std::fill(counts_.begin() + kBins / 2, counts_.end(), 0);
  float doubled = range_ * 2.f;
  check(std::isfinite(doubled), "activation range overflows float32 while doubling ", range_);
  range_ = doubled;
  ++doublings_;
}

void AbsHistogram::add(const float* data, size_t n) { add(data, n, scanAbs(data, n)); }

float AbsHistogram::beginBatch(size_t n, const AbsScan& scan) {
  check(scan.finite, "calibration data contains NaN or Inf");
  if (!fixed_) {
    // absHistogramRangeFor() is this rule too (the GPU bins with it); doubleRange() merges the
    // bins on the way and reports an overflowing range.
    if (!started_ || range_ == 0.f) range_ = scan.maxAbs;  // see the header on R == 0
    started_ = true;
    while (scan.maxAbs > range_) doubleRange();
  }
  max_ = std::max(max_, scan.maxAbs);
  zeros_ += scan.zeros;
  total_ += n;
  return absHistogramBinWidth(range_);
}

void AbsHistogram::addBinned(const uint64_t* counts, size_t n, const AbsScan& scan,
                             float binnedRange) {
  if (n == 0) return;
  check(scan.finite, "calibration data contains NaN or Inf");
  const float expected = rangeForBatch(scan.maxAbs);
  check(binnedRange == expected, "pre-binned histogram counts were binned at range ",
        binnedRange, ", the histogram bins this batch at ", expected);
  uint64_t sum = 0;
  for (int j = 0; j < kBins; ++j) sum += counts[j];
  check(sum == n, "pre-binned histogram counts sum to ", sum, ", the batch has ", n, " values");
  beginBatch(n, scan);
  for (int j = 0; j < kBins; ++j) counts_[j] += counts[j];
}

void AbsHistogram::add(const float* data, size_t n, const AbsScan& scan) {
  if (n == 0) return;
  const float w = beginBatch(n, scan);
  if (!(w > 0.f)) {
    // R == 0 (only zeros so far), or R so small that R/2048 underflows to 0: the division is
    // meaningless, so zeros go to bin 0 and anything else to the last bin.
    counts_[0] += scan.zeros;
    counts_[kBins - 1] += n - scan.zeros;
    return;
  }

  std::vector<uint32_t> lanes(size_t(kLanes) * kBins, 0);
  int32_t idx[kChunk];
  size_t sinceFlush = 0;
  auto flush = [&] {
    for (int l = 0; l < kLanes; ++l)
      for (int j = 0; j < kBins; ++j) counts_[j] += lanes[size_t(l) * kBins + j];
    std::fill(lanes.begin(), lanes.end(), 0);
    sinceFlush = 0;
  };
  for (size_t begin = 0; begin < n; begin += kChunk) {
    const size_t m = std::min(kChunk, n - begin);
    const float* x = data + begin;
    // Float division then clamp, as CONTRACTS §3 writes it (histogram_rules.h: the GPU uses
    // the same function, so its bins are these).
    for (size_t i = 0; i < m; ++i) idx[i] = absHistogramBin(std::fabs(x[i]), w);
    size_t i = 0;
    for (; i + kLanes <= m; i += kLanes)
      for (int l = 0; l < kLanes; ++l) ++lanes[size_t(l) * kBins + idx[i + l]];
    for (; i < m; ++i) ++lanes[idx[i]];
    sinceFlush += m;
    if (sinceFlush >= kFlushEvery) flush();
  }
  flush();
}

}  // namespace int8rt

// AbsHistogram::addBinned, the host half of GPU calibration: counts binned elsewhere with the
// shared rules (quant/histogram_rules.h) must leave the histogram exactly as add() on the raw
// data does, through first batches, range doubling, zeros-only batches and fixed ranges. The
// binning here is a host transcription of what the device kernels do
// (backends/cuda/calib/abs_stats_kernels.cu); tests/cuda/cuda_calib_test.cpp runs the real ones.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "quant/histogram.h"

namespace int8rt {
namespace {

// What the device returns for one batch: the scan, the range absHistogramRangeFor() picks for
// the histogram's state, and the counts (exact zeros in bin 0, the rest by absHistogramBin, or
// all in the last bin when the width is 0).
struct Binned {
  AbsScan scan;
  float range = 0.f;
  std::vector<uint64_t> counts = std::vector<uint64_t>(AbsHistogram::kBins, 0);
};

Binned binLikeTheDevice(const AbsHistogram& h, const std::vector<float>& v) {
  Binned b;
  b.scan = scanAbs(v.data(), v.size());
  b.range = absHistogramRangeFor(h.range(), h.rangeStarted(), h.rangeFixed(), b.scan.maxAbs);
  const float w = absHistogramBinWidth(b.range);
  for (float x : v) {
    if (x == 0.f) continue;
    ++b.counts[w > 0.f ? absHistogramBin(std::fabs(x), w) : AbsHistogram::kBins - 1];
  }
  b.counts[0] += b.scan.zeros;
  return b;
}

void addBoth(AbsHistogram& raw, AbsHistogram& binned, const std::vector<float>& v) {
  raw.add(v.data(), v.size());
  const Binned b = binLikeTheDevice(binned, v);
  EXPECT_EQ(b.range, binned.rangeForBatch(b.scan.maxAbs));
  binned.addBinned(b.counts.data(), v.size(), b.scan, b.range);
}

void expectSame(const AbsHistogram& a, const AbsHistogram& b) {
  EXPECT_EQ(a.range(), b.range());
  EXPECT_EQ(a.doublings(), b.doublings());
  EXPECT_EQ(a.total(), b.total());
  EXPECT_EQ(a.zeros(), b.zeros());
  EXPECT_EQ(a.maxAbs(), b.maxAbs());
  for (int j = 0; j < AbsHistogram::kBins; ++j) ASSERT_EQ(a.counts()[j], b.counts()[j]) << "bin " << j;
}

std::vector<float> randomBatch(std::mt19937& rng, size_t n, float scale, double zeroFraction) {
  std::normal_distribution<float> normal(0.f, scale);
  std::bernoulli_distribution zero(zeroFraction);
  std::vector<float> v(n);
  for (float& x : v) x = zero(rng) ? (rng() % 2 ? 0.f : -0.f) : normal(rng);
  return v;
}

TEST(QuantHistogramBinned, GrowingBatchesMatchAddBinForBin) {
  std::mt19937 rng(7);
  AbsHistogram raw, binned;
  // Growing scales force doublings (several at once on the jump to 40), then smaller batches.
  for (float scale : {0.5f, 0.7f, 1.5f, 40.f, 3.f, 41.f, 0.01f}) {
    addBoth(raw, binned, randomBatch(rng, 5000, scale, 0.3));
    expectSame(raw, binned);
  }
  EXPECT_GT(binned.doublings(), 3);
}

TEST(QuantHistogramBinned, BinEdgesAndTheMaxLandWhereAddPutsThem) {
  // R = 2048 * 2^-4: every k * w is exactly representable, values on and a hair off the edges.
  const float w = 0.0625f;
  std::vector<float> v;
  for (int k = 0; k <= 2048; k += 7) {
    v.push_back(k * w);
    v.push_back(-std::nextafter(k * w, 0.f));
    v.push_back(std::nextafter(k * w, 1e9f));
  }
  v.push_back(2048 * w);
  AbsHistogram raw, binned;
  addBoth(raw, binned, v);
  expectSame(raw, binned);
  EXPECT_EQ(binned.counts()[2047] > 0, true);  // the max itself clamps to the last bin
}

TEST(QuantHistogramBinned, ZerosOnlyBatchesThenData) {
  AbsHistogram raw, binned;
  addBoth(raw, binned, std::vector<float>(100, 0.f));  // R stays 0: everything in bin 0
  EXPECT_EQ(binned.range(), 0.f);
  std::mt19937 rng(3);
  addBoth(raw, binned, randomBatch(rng, 1000, 2.f, 0.5));  // this batch sets R
  addBoth(raw, binned, randomBatch(rng, 1000, 9.f, 0.5));
  expectSame(raw, binned);
}

TEST(QuantHistogramBinned, TinyRangeWhoseWidthUnderflows) {
  // R = smallest subnormal: R / 2048 is 0, so add() sends non-zeros to the last bin.
  const float tiny = std::numeric_limits<float>::denorm_min();
  AbsHistogram raw, binned;
  addBoth(raw, binned, {tiny, -tiny, 0.f});
  expectSame(raw, binned);
  EXPECT_EQ(binned.counts()[AbsHistogram::kBins - 1], 2u);
}

TEST(QuantHistogramBinned, FixedRangeClampsLargeValues) {
  AbsHistogram raw = AbsHistogram::withRange(1.f), binned = AbsHistogram::withRange(1.f);
  std::mt19937 rng(11);
  addBoth(raw, binned, randomBatch(rng, 3000, 3.f, 0.1));
  expectSame(raw, binned);
  EXPECT_EQ(binned.range(), 1.f);
}

TEST(QuantHistogramBinned, RefusesAWrongRangeOrCount) {
  std::vector<float> v{0.5f, 1.f, 0.f};
  AbsHistogram h;
  Binned b = binLikeTheDevice(h, v);
  EXPECT_THROW(h.addBinned(b.counts.data(), v.size(), b.scan, 2.f), Error);
  EXPECT_THROW(h.addBinned(b.counts.data(), v.size() + 1, b.scan, b.range), Error);
  AbsScan bad = b.scan;
  bad.finite = false;
  EXPECT_THROW(h.addBinned(b.counts.data(), v.size(), bad, b.range), Error);
  EXPECT_EQ(h.total(), 0u);  // nothing was added by the refused calls
  h.addBinned(b.counts.data(), v.size(), b.scan, b.range);
  EXPECT_EQ(h.total(), 3u);
}

}  // namespace
}  // namespace int8rt

// The |x| histogram of CONTRACTS.md §3 step 1: binning in float32, range doubling with pairwise
// merges, and its speed on LeNet-sized tensors.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "quant/histogram.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

using quanttest::floatOf;

TEST(QuantHistogram, ScanFindsMaxZerosAndNonFinite) {
  std::vector<float> v{0.f, -0.f, -3.5f, 2.f, 0.25f};
  AbsScan s = scanAbs(v.data(), v.size());
  EXPECT_EQ(s.maxAbs, 3.5f);
  EXPECT_EQ(s.zeros, 2u);
  EXPECT_TRUE(s.finite);
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  EXPECT_FALSE(scanAbs(v.data(), v.size()).finite);
  v.back() = -std::numeric_limits<float>::infinity();
  EXPECT_FALSE(scanAbs(v.data(), v.size()).finite);
}

TEST(QuantHistogram, FirstBatchSetsRangeAndBins) {
  // R = 1, w = 1/2048: 0.25 -> 512, 0.5 -> 1024, 1.0 -> 2048 clamped to 2047, -0.75 -> 1536.
  AbsHistogram h;
  std::vector<float> v{0.f, 0.25f, 0.5f, 1.0f, -0.75f};
  h.add(v.data(), v.size());
  EXPECT_EQ(h.range(), 1.0f);
  EXPECT_EQ(h.counts()[0], 1u);
  EXPECT_EQ(h.counts()[512], 1u);
  EXPECT_EQ(h.counts()[1024], 1u);
  EXPECT_EQ(h.counts()[1536], 1u);
  EXPECT_EQ(h.counts()[2047], 1u);
  EXPECT_EQ(h.total(), 5u);
  EXPECT_EQ(h.zeros(), 1u);
}

TEST(QuantHistogram, DoublingMergesPairwiseUntilTheMaxFits) {
  // First batch max 1 -> R = 1. Second batch max 3 -> R 2, then 4: two doublings, and every old
  // bin j ends in j / 4.
  AbsHistogram h;
  std::vector<float> first{0.f, 0.25f, 0.5f, 1.0f, 0.0009765625f /* bin 2 */,
                           0.00146484375f /* bin 3 */};
  h.add(first.data(), first.size());
  std::vector<float> second{3.0f, 2.0f, 0.001f};
  h.add(second.data(), second.size());
  EXPECT_EQ(h.range(), 4.0f);
  EXPECT_EQ(h.doublings(), 2);
  // Old bins 0, 2, 3 merge into 0; 512 -> 128; 1024 -> 256; 2047 -> 511. New batch, w = 1/512:
  // 3.0 -> 1536, 2.0 -> 1024, 0.001 -> floor(0.512) = 0.
  EXPECT_EQ(h.counts()[0], 4u);
  EXPECT_EQ(h.counts()[128], 1u);
  EXPECT_EQ(h.counts()[256], 1u);
  EXPECT_EQ(h.counts()[511], 1u);
  EXPECT_EQ(h.counts()[1024], 1u);
  EXPECT_EQ(h.counts()[1536], 1u);
  uint64_t sum = 0;
  for (uint64_t c : h.counts()) sum += c;
  EXPECT_EQ(sum, 9u);
  EXPECT_EQ(h.maxAbs(), 3.0f);
}

TEST(QuantHistogram, ExactDoubleFitsWithoutAnotherDoubling) {
  // max == 2R after one doubling is "fits" (max <= R): it lands in the clamped last bin.
  AbsHistogram h;
  float a = 1.0f, b = 2.0f;
  h.add(&a, 1);
  h.add(&b, 1);
  EXPECT_EQ(h.range(), 2.0f);
  EXPECT_EQ(h.doublings(), 1);
  EXPECT_EQ(h.counts()[1023], 1u);  // old 2047 -> 1023
  EXPECT_EQ(h.counts()[2047], 1u);
}

TEST(QuantHistogram, BinIndexIsFloat32DivisionNotExactArithmetic) {
  // R = 0.7f: x = 0x1.a99998p-8 is below 19 * w in exact arithmetic (bin 18), but x / w in
  // float32 rounds to exactly 19.0, so TensorRT's float arithmetic puts it in bin 19.
  const float r = 0.7f;
  const float x = floatOf(0x3bd4cccc);  // 0x1.a99998p-8
  ASSERT_EQ(x, std::ldexp(0x1.a99998p0f, -8));
  const float w = r / 2048.0f;
  ASSERT_LT(static_cast<long double>(x) / w, 19.0L);
  ASSERT_EQ(x / w, 19.0f);
  AbsHistogram h;
  std::vector<float> v{r, x};
  h.add(v.data(), v.size());
  EXPECT_EQ(h.counts()[19], 1u);
  EXPECT_EQ(h.counts()[18], 0u);
}

TEST(QuantHistogram, ZerosFirstThenDataSetsTheRange) {
  // int8rt's choice (the contract has R = 0 otherwise): the first non-zero batch sets R.
  AbsHistogram h;
  std::vector<float> zeros(10, 0.f);
  h.add(zeros.data(), zeros.size());
  EXPECT_EQ(h.range(), 0.f);
  EXPECT_EQ(h.counts()[0], 10u);
  std::vector<float> v{0.5f, 0.25f};
  h.add(v.data(), v.size());
  EXPECT_EQ(h.range(), 0.5f);
  EXPECT_EQ(h.doublings(), 0);
  EXPECT_EQ(h.counts()[0], 10u);
  EXPECT_EQ(h.counts()[2047], 1u);
  EXPECT_EQ(h.counts()[1024], 1u);
}

TEST(QuantHistogram, FixedRangeClampsAndNonFiniteThrows) {
  AbsHistogram h = AbsHistogram::withRange(1.0f);
  std::vector<float> v{0.5f, 5.0f, 1e30f};
  h.add(v.data(), v.size());
  EXPECT_EQ(h.range(), 1.0f);
  EXPECT_EQ(h.counts()[1024], 1u);
  EXPECT_EQ(h.counts()[2047], 2u);
  std::vector<float> bad{1.f, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_THROW(h.add(bad.data(), bad.size()), Error);
}

TEST(QuantHistogram, MatchesAScalarReferenceOnRandomBatches) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.f, 1.f);
  AbsHistogram h;
  std::vector<uint64_t> ref(2048, 0);
  float range = 0.f;
  for (int batch = 0; batch < 6; ++batch) {
    const float spread = 1.0f + batch;  // later batches grow: exercises doubling
    std::vector<float> v(10007);
    for (float& x : v) x = dist(rng) * spread;
    float m = 0.f;
    for (float x : v) m = std::max(m, std::fabs(x));
    if (batch == 0) range = m;
    while (m > range) {
      for (int j = 0; j < 1024; ++j) ref[j] = ref[2 * j] + ref[2 * j + 1];
      for (int j = 1024; j < 2048; ++j) ref[j] = 0;
      range *= 2.f;
    }
    const float w = range / 2048.0f;
    for (float x : v) ++ref[static_cast<size_t>(std::min(std::floor(std::fabs(x) / w), 2047.0f))];
    h.add(v.data(), v.size());
  }
  EXPECT_EQ(h.range(), range);
  for (int j = 0; j < 2048; ++j) ASSERT_EQ(h.counts()[j], ref[j]) << "bin " << j;
}

TEST(QuantHistogram, LeNetSizedBatchTakesFewMilliseconds) {
  // conv1 of LeNet at batch 100: 100 x 20 x 24 x 24 floats, half of them ReLU zeros.
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(100 * 20 * 24 * 24);
  for (float& x : v) x = std::max(0.f, dist(rng));
  AbsHistogram h;
  h.add(v.data(), v.size());  // warm-up
  const int reps = 5;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) h.add(v.data(), v.size());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      reps;
  RecordProperty("ms_per_batch", std::to_string(ms));
  std::printf("[ histogram ] %zu floats per batch: %.2f ms\n", v.size(), ms);
  EXPECT_LT(ms, 25.0);  // generous for sanitizer/debug builds; Release is a few ms
  EXPECT_EQ(h.total(), v.size() * (reps + 1));
}

}  // namespace
}  // namespace int8rt

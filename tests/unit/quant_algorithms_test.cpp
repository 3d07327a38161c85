// MinMax, legacy quantile/regression, percentile, MSE and the collector that feeds them,
// including entropy-global's two passes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "quant/algorithms.h"
#include "quant/calibration_cache.h"
#include "quant/calibration_collector.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

using quanttest::bitsOf;

// Feeds batches (each a vector) of one tensor "t" through a collector and returns its amax.
float collect(const CollectorOptions& o, const std::vector<std::vector<float>>& batches) {
  CalibrationCollector c(o, {"t"});
  for (int p = 0; p < c.passes(); ++p) {
    c.beginPass(p);
    for (const auto& b : batches) c.observe("t", {static_cast<int64_t>(b.size())}, b.data());
    c.endPass();
  }
  return c.amaxes()[0];
}

TEST(QuantMinMax, ExactMaxOverAllBatches) {
  CollectorOptions o;
  o.algo = CalibrationAlgo::kMINMAX_CALIBRATION;
  EXPECT_EQ(collect(o, {{0.5f, -0.25f}, {-3.0000002f, 1.f}, {2.f}}), 3.0000002f);
}

TEST(QuantLegacy, QuantileOfMnistPixelsIsTheExactMax) {
  // 392000 pixels (500 images of 784) scaled by 1/256, max 255/256: quantile 0.999999 leaves
  // 0.392 values above it, so it is the max, and the cache line is `data: 3c008102`.
  AbsValueSet values;
  std::mt19937 rng(1);
  std::vector<float> img(784);
  for (int n = 0; n < 500; ++n) {
    for (int i = 0; i < 784; ++i) {
      const int r = static_cast<int>(rng() % 10);
      img[i] = (r < 8 ? 0 : r == 8 ? static_cast<int>(rng() % 255) : 255) / 256.0f;
    }
    values.add(img.data(), img.size());
  }
  values.finalize();
  ASSERT_EQ(values.size(), 392000u);
  const float amax = legacyAmax(values, 1.0 - std::pow(10.0, -6.0), 1.0);
  EXPECT_EQ(amax, 255.0f / 256.0f);
  EXPECT_EQ(scaleToHex(scaleFromAmax(amax)), "3c008102");
}

TEST(QuantLegacy, QuantileRanksAreExact) {
  // |x| = 1..100 plus 100 zeros: N = 200. The q-quantile is the value of rank ceil(q * N).
  AbsValueSet values;
  std::vector<float> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i % 2 ? -float(i) : float(i));
  for (int i = 0; i < 100; ++i) v.push_back(0.f);
  values.add(v.data(), v.size());
  values.finalize();
  EXPECT_EQ(values.quantile(0.5), 0.f);     // rank 100: the last zero
  EXPECT_EQ(values.quantile(0.5025), 1.f);  // rank ceil(100.5) = 101
  EXPECT_EQ(values.quantile(0.75), 50.f);   // rank 150, exactly: not pushed to 151
  EXPECT_EQ(values.quantile(0.99), 98.f);   // rank 198
  EXPECT_EQ(values.quantile(1.0), 100.f);
  EXPECT_EQ(values.max(), 100.f);
  EXPECT_DOUBLE_EQ(values.survival(90.f), 0.05);
  EXPECT_THROW(values.quantile(0.0), Error);
  EXPECT_THROW(legacyAmax(values, 0.9, 1.5), Error);
}

TEST(QuantLegacy, RegressionFitsAnExponentialTail) {
  // |x| with an exact exponential tail S(t) = exp(-t): the fit over [cutoff * max, max) recovers
  // it, so the amax for quantile q is close to -ln(1 - q), smoother than the raw order statistic,
  // and it stays inside [cutoff * max, max]. cutoff 1 is the plain quantile.
  AbsValueSet values;
  std::vector<float> v;
  const int n = 200000;
  for (int i = 0; i < n; ++i) v.push_back(-std::log((i + 0.5f) / n));  // quantiles of Exp(1)
  values.add(v.data(), v.size());
  values.finalize();
  const double q = 0.999;
  const float plain = legacyAmax(values, q, 1.0);
  EXPECT_NEAR(plain, -std::log(1 - q), 0.01);
  const float fitted = legacyAmax(values, q, 0.5);
  EXPECT_NEAR(fitted, -std::log(1 - q), 0.1);
  EXPECT_GE(fitted, 0.5f * values.max());
  EXPECT_LE(fitted, values.max());
  // A quantile past the data's resolution extrapolates to the top, clamped at the max.
  EXPECT_EQ(legacyAmax(values, 1.0 - 1e-12, 0.5), values.max());
}

TEST(QuantPercentile, UpperEdgeOfTheBinReachingThePercentile) {
  // 0..9999 / 10000 uniformly, then max 1: bins of w = 1/2048 hold ~4.9 values each.
  AbsHistogram h;
  std::vector<float> v;
  for (int i = 0; i < 10000; ++i) v.push_back(i / 10000.0f);
  v.push_back(1.0f);
  h.add(v.data(), v.size());
  const float p50 = percentileAmax(h, 50.0);
  EXPECT_NEAR(p50, 0.5f, 1.0f / 2048);
  EXPECT_GE(p50, 0.5f - 1e-6f);
  EXPECT_EQ(percentileAmax(h, 100.0), 1.0f);
  // 99.9% of 10001 values is 9991: bins 0..2045 hold ceil(2046 / 0.2048) = 9991 of them.
  EXPECT_EQ(percentileAmax(h, 99.9), 2046.0f / 2048);
  EXPECT_THROW(percentileAmax(h, 0.0), Error);
}

TEST(QuantMse, HandDerivedOptimaForUniformDataAndAnOutlier) {
  // Uniform density over [0, 2048) bins: rounding costs k^3 / (12 * 127^2) (127 cells of
  // s^3/12, s = k/127) and clipping (2048 - k)^3 / 3; the derivative vanishes at
  // k = 2048 * 254/255 = 2039.97, and f(2040) < f(2039), f(2041): amax = 2040 * w.
  AbsHistogram uniform;
  std::vector<float> v;
  for (int i = 1; i <= 20480; ++i) v.push_back(i / 20480.0f);
  uniform.add(v.data(), v.size());
  EXPECT_EQ(mseAmax(uniform), 2040.0f / 2048);

  // One outlier at 1.0 over N = 100000 values of |N(0, 0.05)|: the bulk's rounding noise is
  // N (t/127)^2 / 12, the outlier's clipping error (1 - t)^2; their sum is smallest at
  // t = 2 / (N / (6 * 127^2) + 2) = 0.659. MSE keeps a good part of the outlier: one value's
  // squared error outweighs a finer step for the bulk.
  AbsHistogram outlier;
  std::vector<float> u;
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.f, 0.05f);
  u.push_back(1.0f);
  for (int i = 0; i < 100000; ++i) u.push_back(dist(rng));
  outlier.add(u.data(), u.size());
  const float amax = mseAmax(outlier);
  EXPECT_NEAR(amax, 0.659f, 0.02f);
  // The chosen threshold is the minimum of the documented error model.
  const int k = static_cast<int>(std::lround(amax / outlier.binWidth()));
  for (int other : {k - 1, k + 1, k / 2, 2048})
    EXPECT_LE(mseOfThreshold(outlier, k), mseOfThreshold(outlier, other)) << other;
}

TEST(QuantCollector, EntropyGlobalIsBatchOrderIndependent) {
  // Entropy2's histogram depends on which batch comes first (range doubling merges bins);
  // entropy-global's two passes do not.
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<std::vector<float>> batches(4, std::vector<float>(5000));
  for (size_t b = 0; b < batches.size(); ++b)
    for (float& x : batches[b]) x = dist(rng) * (0.3f + b);
  std::vector<std::vector<float>> reversed(batches.rbegin(), batches.rend());
  CollectorOptions global;
  global.algo = CalibrationAlgo::kENTROPY_GLOBAL;
  EXPECT_EQ(collect(global, batches), collect(global, reversed));
  CollectorOptions entropy2;
  EXPECT_NE(collect(entropy2, batches), collect(entropy2, reversed));
}

TEST(QuantCollector, ReportsTensorsNotSeenAndRejectsBadData) {
  CollectorOptions o;
  CalibrationCollector c(o, {"a", "b"});
  c.beginPass(0);
  std::vector<float> v{1.f, 2.f};
  c.observe("a", {2}, v.data());
  c.observe("other", {2}, v.data());  // not calibrated: ignored
  std::vector<float> bad{1.f, std::numeric_limits<float>::infinity()};
  try {
    c.observe("b", {2}, bad.data());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos) << e.what();
  }
  c.endPass();
  const auto amax = c.amaxes();
  EXPECT_GT(amax[0], 0.f);
  EXPECT_LT(amax[1], 0.f);  // never observed: no scale
  EXPECT_THROW(CalibrationCollector(o, {"x", "x"}), Error);
}

}  // namespace
}  // namespace int8rt

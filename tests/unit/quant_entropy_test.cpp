// EntropyCalibration2's KL search (CONTRACTS.md §3) on hand-derived histograms, the published
// scale bit patterns, and the fast search against a literal transcription of the contract.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "quant/algorithms.h"
#include "quant/calibration_cache.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

using quanttest::bitsOf;

std::vector<uint64_t> zeros() { return std::vector<uint64_t>(2048, 0); }

TEST(QuantEntropy, PublishedScaleBitPatterns) {
  // Softmax output with max exactly 1.0 and m = 2048: (2048.5 / 2048) / 127 in float32.
  EXPECT_EQ(bitsOf(scaleFromAmax(entropyAmax(2048, 1.0f))), 0x3c010a14u);
  // MNIST / 256: R = 255/256, m = 2040 -> data: 3c000889 (amax 0.99245).
  const float r256 = 255.0f / 256.0f;
  EXPECT_EQ(bitsOf(scaleFromAmax(entropyAmax(2040, r256))), 0x3c000889u);
  EXPECT_NEAR(entropyAmax(2040, r256), 0.99245f, 1e-5f);
  // MNIST / 255: R = 1.0, m = 2040 -> 3c008912.
  EXPECT_EQ(bitsOf(scaleFromAmax(entropyAmax(2040, 1.0f))), 0x3c008912u);
}

TEST(QuantEntropy, UniformHistogramKeepsAllBins) {
  // Every candidate below 2048 folds a tail into P[i-1] while Q[i-1] stays a plain group
  // average, so only i = 2048 (P = Q: KL exactly 0) is optimal.
  std::vector<uint64_t> h(2048, 1000);
  double kl = -1;
  EXPECT_EQ(entropyBestBins(h.data(), &kl), 2048);
  EXPECT_EQ(kl, 0.0);
  EXPECT_EQ(quanttest::naiveBestBins(h), 2048);
}

TEST(QuantEntropy, EmptyHistogramIsATieAtTheLargestCandidate) {
  auto h = zeros();
  h[0] = 500;  // exact zeros only: B[0] = B[1] = 0 empties it
  EXPECT_EQ(entropyBestBins(h.data()), 2048);
}

TEST(QuantEntropy, ExactTiesGoToTheLargestCandidate) {
  // Mass only in bins 2 (1) and 3 (3); B[0] = B[1] = 0. No candidate has a tail. KL is 0 when
  // bins 2 and 3 fall in different groups (floor(256/i) != floor(384/i)): i in 128..192 and
  // 257..384; positive when they share one. The largest zero is i = 384, not 2048.
  auto h = zeros();
  h[2] = 1;
  h[3] = 3;
  double kl = -1;
  EXPECT_EQ(entropyBestBins(h.data(), &kl), 384);
  EXPECT_EQ(kl, 0.0);
  EXPECT_EQ(quanttest::naiveBestBins(h), 384);
}

TEST(QuantEntropy, SmallOutlierIsClippedLargeSpikeIsKept) {
  // B[j] alternates 1, 3 over bins 0..127 (B[0] = B[1] = 3 after the zero-spike rule), plus
  // a spike of S values in bin 2047. Only i = 128 (B[127] > 0 takes the tail) and i = 2048 are
  // finite. i = 2048 averages pairs of unequal bins (KL ~ 0.13); i = 128 has Q = B and pays
  // only for the folded spike: cheaper when S is small, dearer when it is large.
  auto h = zeros();
  for (int j = 0; j < 128; ++j) h[j] = (j % 2) ? 3 : 1;
  h[2047] = 1;
  EXPECT_EQ(entropyBestBins(h.data()), 128);
  EXPECT_EQ(quanttest::naiveBestBins(h), 128);
  h[2047] = 1000;
  EXPECT_EQ(entropyBestBins(h.data()), 2048);
  EXPECT_EQ(quanttest::naiveBestBins(h), 2048);
}

TEST(QuantEntropy, SaturatedPixelsGiveTheMnistCacheLines) {
  // Pixels p / 256 for p in {0, 254, 255} with count(254) != count(255): bins 0, 2039, 2047.
  // B[0] = B[1] = 0 drops the zeros. Candidates below 2040 fold 254 and 255 onto an empty bin
  // (infinite KL); i = 2040 folds 255 into 254's bin: P = Q, KL 0; i = 2041..2047 fold onto an
  // empty bin; i = 2048 puts 2039 and 2047 in one group and averages them: KL > 0. So m = 2040,
  // the published `data: 3c000889`. The same pixels / 255 give `3c008912`.
  for (float divisor : {256.0f, 255.0f}) {
    AbsHistogram h;
    std::vector<float> v;
    for (int i = 0; i < 700; ++i) v.push_back(0.f / divisor);
    for (int i = 0; i < 60; ++i) v.push_back(254.f / divisor);
    for (int i = 0; i < 40; ++i) v.push_back(255.f / divisor);
    h.add(v.data(), v.size());
    ASSERT_EQ(h.counts()[2039], 60u);
    ASSERT_EQ(h.counts()[2047], 40u);
    const EntropyResult r = entropyCalibrate(h);
    EXPECT_EQ(r.bins, 2040);
    EXPECT_EQ(scaleToHex(scaleFromAmax(r.amax)), divisor == 256.0f ? "3c000889" : "3c008912");
  }
}

TEST(QuantEntropy, SoftmaxWithMaxOneGivesProb3c010a14) {
  // Confident softmax rows: one class near 1 (exactly 1.0f in some rows), the rest tiny. The
  // near-1 mass sits in bins 2040..2047, far from the near-0 mass, so every candidate below
  // 2040 folds it onto an empty bin, and keeping all bins wins: m = 2048.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> logit(-2.f, 2.f);
  std::vector<float> prob;
  for (int row = 0; row < 500; ++row) {
    float z[10];
    for (float& x : z) x = logit(rng);
    z[row % 10] += (row % 7 == 0) ? 200.f : 9.f;  // some rows saturate to exactly 1.0f
    float m = z[0];
    for (float x : z) m = std::max(m, x);
    float sum = 0;
    float e[10];
    for (int k = 0; k < 10; ++k) sum += (e[k] = std::exp(z[k] - m));
    for (int k = 0; k < 10; ++k) prob.push_back(e[k] / sum);
  }
  AbsHistogram h;
  h.add(prob.data(), prob.size());
  ASSERT_EQ(h.range(), 1.0f);
  const EntropyResult r = entropyCalibrate(h);
  EXPECT_EQ(r.bins, 2048);
  EXPECT_EQ(scaleToHex(scaleFromAmax(r.amax)), "3c010a14");
}

TEST(QuantEntropy, FastSearchAgreesWithTheLiteralContractOnRandomHistograms) {
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 6; ++trial) {
    auto h = zeros();
    // Shapes seen in practice: a decaying bulk, sparse tails, empty stretches, zero spikes.
    std::exponential_distribution<double> decay(trial % 2 ? 3.0 : 8.0);
    for (int k = 0; k < 200000; ++k)
      ++h[std::min<size_t>(2047, static_cast<size_t>(decay(rng) * 2048 / 4))];
    if (trial >= 2)
      for (int j = 700; j < 1300; ++j) h[j] = 0;  // a gap
    if (trial >= 4) h[0] += 1000000;             // ReLU zeros
    h[2047] += 1;                                // the first batch's max
    EXPECT_EQ(entropyBestBins(h.data()), quanttest::naiveBestBins(h)) << "trial " << trial;
  }
}

TEST(QuantEntropy, SearchIsFastEnoughForWholeNetworks) {
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> decay(5.0);
  auto h = zeros();
  for (int k = 0; k < 500000; ++k)
    ++h[std::min<size_t>(2047, static_cast<size_t>(decay(rng) * 512))];
  const int reps = 10;
  const auto t0 = std::chrono::steady_clock::now();
  int m = 0;
  for (int r = 0; r < reps; ++r) m += entropyBestBins(h.data());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      reps;
  std::printf("[ entropy ] 1921 candidates x 2048 bins: %.2f ms per tensor (m = %d)\n", ms,
              m / reps);
  EXPECT_LT(ms, 40.0);
}

}  // namespace
}  // namespace int8rt

// INT8 quantization primitives: activation quantize / dequantize (rounding ties, saturation,
// NaN, AVX2 == scalar, round trip) and per-channel weight quantization (zero channel, ties).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "backends/cpu/int8/quantize.h"
#include "backends/cpu/int8/weight_quant.h"
#include "core/error.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using int8test::haveAvx2;
using int8test::randomFloats;

TEST(Int8Quantize, RoundsHalfToEvenAndSaturates) {
  struct Case {
    float x;
    int q;
  };
  const float inf = std::numeric_limits<float>::infinity();
  const Case cases[] = {
      {0.5f, 0},     {1.5f, 2},     {2.5f, 2},     {-0.5f, 0},       {-1.5f, -2},     {-2.5f, -2},
      {126.5f, 126}, {125.5f, 126}, {127.5f, 127}, {-127.5f, -128},  {-128.5f, -128}, {1e9f, 127},
      {-1e9f, -128}, {inf, 127},    {-inf, -128},  {0.49999997f, 0}, {0.f, 0}};
  for (const Case& c : cases) EXPECT_EQ(quantizeValue(c.x, 1.f), c.q) << "x = " << c.x;
  EXPECT_EQ(quantizeValue(std::nanf(""), 1.f), -128);  // both paths agree on NaN
  // The definition is x / scale (a float division), as CONTRACTS §2 writes it.
  for (float x : {0.25f, 0.35f, -0.45f, 1.05f})
    EXPECT_EQ(quantizeValue(x, 0.1f), static_cast<int>(std::nearbyint(x / 0.1f)));
}

TEST(Int8Quantize, Avx2MatchesScalarBitForBit) {
  if (!haveAvx2()) GTEST_SKIP() << "no AVX2";
  const float scale = 0.0123f;
  std::vector<float> x = randomFloats(4099, 11, -2.f, 2.f);
  // Exact ties k + 0.5 (in units of the scale: pick scale 0.5 multiples below), out of range,
  // signed zeros and non-finite values.
  for (int k = -140; k <= 140; ++k) x.push_back((k + 0.5f) * scale);
  x.insert(x.end(), {0.f, -0.f, 1e30f, -1e30f, std::nanf(""), INFINITY, -INFINITY});
  std::vector<int8_t> a(x.size()), b(x.size());
  quantizeScalar(x.data(), a.data(), static_cast<int64_t>(x.size()), scale);
  quantizeAvx2(x.data(), b.data(), static_cast<int64_t>(x.size()), scale);
  EXPECT_EQ(a, b);
  // Ties with an exactly representable quotient: scale 1, x = k + 0.5.
  std::vector<float> ties;
  for (int k = -130; k <= 130; ++k) ties.push_back(k + 0.5f);
  std::vector<int8_t> ta(ties.size()), tb(ties.size());
  quantizeScalar(ties.data(), ta.data(), static_cast<int64_t>(ties.size()), 1.f);
  quantizeAvx2(ties.data(), tb.data(), static_cast<int64_t>(ties.size()), 1.f);
  EXPECT_EQ(ta, tb);
  for (size_t i = 0; i < ties.size(); ++i) {
    int expect = static_cast<int>(std::nearbyint(ties[i]));
    expect = expect < -128 ? -128 : expect > 127 ? 127 : expect;
    EXPECT_EQ(ta[i], expect) << ties[i];
    if (std::fabs(ties[i]) < 127) {
      EXPECT_EQ(ta[i] % 2, 0) << "tie " << ties[i] << " not to even";
    }
  }
}

TEST(Int8Quantize, DequantizeRoundTripsEveryCode) {
  for (float scale : {0.0078125f, 0.013f, 3.7f, 1e-6f}) {
    std::vector<int8_t> q(256);
    for (int i = 0; i < 256; ++i) q[i] = static_cast<int8_t>(i - 128);
    std::vector<float> x(256), xa(256);
    std::vector<int8_t> back(256);
    dequantizeScalar(q.data(), x.data(), 256, scale);
    quantizeScalar(x.data(), back.data(), 256, scale);
    EXPECT_EQ(back, q) << "scale " << scale;
    for (int i = 0; i < 256; ++i) EXPECT_EQ(x[i], static_cast<float>(q[i]) * scale);
    if (haveAvx2()) {
      dequantizeAvx2(q.data(), xa.data(), 256, scale);
      EXPECT_EQ(std::memcmp(x.data(), xa.data(), 256 * sizeof(float)), 0);
    }
  }
}

TEST(Int8Quantize, TensorFunctionsSplitOverThreadsIdentically) {
  ThreadPool pool(2);
  const int64_t n = 100003;
  std::vector<float> x = randomFloats(n, 5, -3.f, 3.f), back(n), back1(n);
  std::vector<int8_t> q1(n), q2(n), r(n);
  quantizeTensor(x.data(), q1.data(), n, 0.02f, &pool);
  quantizeScalar(x.data(), q2.data(), n, 0.02f);
  EXPECT_EQ(q1, q2);
  dequantizeTensor(q1.data(), back.data(), n, 0.02f, &pool);
  dequantizeScalar(q1.data(), back1.data(), n, 0.02f);
  EXPECT_EQ(back, back1);
  // Error of the round trip: at most half a step inside the range.
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(x[i]) < 127 * 0.02f) {
      ASSERT_LE(std::fabs(back[i] - x[i]), 0.01f + 1e-6f);
    }
  requantizeTensor(q1.data(), r.data(), n, 0.02f, 0.04f, &pool);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(r[i], quantizeValue(q1[i] * 0.02f, 0.04f));
  EXPECT_THROW(quantizeTensor(x.data(), q1.data(), n, 0.f, &pool), Error);
}

TEST(Int8WeightQuant, ZeroChannelGetsScaleZeroAndZeroWeights) {
  std::vector<float> w = {0.f, 0.f, 0.f, 0.f, 0.5f, -1.f, 0.25f, 0.f, -0.f, 0.f, 0.f, 0.f};
  QuantizedWeights q = quantizeWeightsPerChannel(w.data(), 3, 4);
  ASSERT_EQ(q.scales.size(), 3u);
  EXPECT_EQ(q.scales[0], 0.f);
  EXPECT_EQ(q.scales[2], 0.f);
  EXPECT_EQ(q.scales[1], 1.f / 127.f);
  const float s = 1.f / 127.f;
  const int8_t a = static_cast<int8_t>(std::nearbyint(0.5f / s));
  const int8_t b = static_cast<int8_t>(std::nearbyint(0.25f / s));
  EXPECT_EQ(q.values, (std::vector<int8_t>{0, 0, 0, 0, a, -127, b, 0, 0, 0, 0, 0}));
}

TEST(Int8WeightQuant, TiesRoundHalfToEven) {
  // max |W| = 127 -> scale exactly 1, so W / scale = W and every .5 is an exact tie.
  std::vector<float> w = {127.f, 0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 126.5f, -3.5f, 4.5f, -127.f};
  QuantizedWeights q = quantizeWeightsPerChannel(w.data(), 1, static_cast<int64_t>(w.size()));
  EXPECT_EQ(q.scales[0], 1.f);
  EXPECT_EQ(q.values, (std::vector<int8_t>{127, 0, 2, 2, -2, 0, 126, -4, 4, -127}));
}

TEST(Int8WeightQuant, PerChannelScaleRangeAndError) {
  const int64_t k = 9, per = 37;
  std::vector<float> w = randomFloats(k * per, 21, -0.3f, 0.3f);
  for (int64_t i = 0; i < per; ++i) w[2 * per + i] *= 100.f;  // channels with very different ranges
  w[5 * per + 3] = -2.f;  // negative extreme -> -127, never -128
  Weights ww;
  ww.values = w;
  QuantizedWeights q = quantizeWeightsPerChannel(ww, k);
  for (int64_t c = 0; c < k; ++c) {
    float amax = 0.f;
    for (int64_t i = 0; i < per; ++i) amax = std::max(amax, std::fabs(w[c * per + i]));
    EXPECT_EQ(q.scales[c], amax / 127.f);
    bool hit = false;
    for (int64_t i = 0; i < per; ++i) {
      const int v = q.values[c * per + i];
      ASSERT_GE(v, -127);
      ASSERT_LE(v, 127);
      hit |= std::abs(v) == 127;
      EXPECT_LE(std::fabs(v * q.scales[c] - w[c * per + i]), q.scales[c] * 0.5f * 1.0001f);
    }
    EXPECT_TRUE(hit) << "channel " << c << " does not reach +-127";
  }
  EXPECT_EQ(q.values[5 * per + 3], -127);
  EXPECT_THROW(quantizeWeightsPerChannel(ww, 7), Error);  // 333 values do not split into 7
  w[4] = std::nanf("");
  EXPECT_THROW(quantizeWeightsPerChannel(w.data(), k, per), Error);
}

}  // namespace
}  // namespace int8rt::cpu

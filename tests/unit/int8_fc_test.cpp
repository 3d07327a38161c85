// INT8 fully connected: the AVX2 GEMM kernel against the scalar reference (bit-exact) at odd
// sizes, both thread splits, 4-D inputs, batch below setup; accumulators exact via scale 1.
#include <gtest/gtest.h>

#include <vector>

#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using namespace int8test;

constexpr const char* kFast = "fully_connected_int8_gemm_4x16_avx2";
constexpr const char* kRef = "fully_connected_int8_ref";

Layer fcLayer(int64_t c, int64_t k, Activation act, uint32_t seed, bool bias = true) {
  FullyConnectedParams p;
  p.nbOutputs = k;
  p.weights.values = randomFloats(c * k, seed, -0.2f, 0.2f);
  if (bias) p.bias.values = randomFloats(k, seed + 1, -1.f, 1.f);
  p.activation = act;
  return makeLayer(p, 1, "fc");
}

void expectMatch(const Shape& setupShape, int64_t runBatch, int64_t k, Activation act,
                 float outScale, ThreadPool* pool, uint32_t seed, int lo = -128) {
  int64_t c = 1;
  for (size_t i = 1; i < setupShape.size(); ++i) c *= setupShape[i];
  Layer layer = fcLayer(c, k, act, seed);
  KernelSetup setup = makeSetup(layer, {setupShape}, {0.03f}, outScale);
  const Shape xs = withBatch(setupShape, runBatch);
  Tensor8 x = int8Tensor(xs, randomInt8(count(xs), seed + 7, lo, 127));
  EXPECT_TRUE(sameBytes(runInt8Kernel(kFast, setup, {x}, pool), runInt8Kernel(kRef, setup, {x})));
}

TEST(Int8FullyConnected, OddSizesMatchReference) {
  INT8_REQUIRE_AVX2();
  ThreadPool pool(2);
  const Activation relu{ActivationType::kRELU, 0.f, 0.f}, none{};
  expectMatch({40, 45}, 37, 13, relu, 0.05f, &pool, 1);      // C % 4 == 1, N and K tails
  expectMatch({40, 45}, 37, 13, none, 0.f, nullptr, 2);      // FP32 output
  expectMatch({3, 5, 3, 3}, 2, 30, relu, 0.02f, &pool, 3);   // 4-D input flattened
  expectMatch({1, 800}, 1, 500, relu, 0.05f, &pool, 4);      // batch 1: features split
  expectMatch({100, 500}, 100, 10, none, 0.f, &pool, 5);     // LeNet fc2: samples split
  expectMatch({100, 800}, 100, 500, relu, 0.05f, &pool, 6);  // LeNet fc1
  expectMatch({64, 33}, 50, 9, relu, 0.05f, &pool, 7, 0);    // non-negative input (U8)
}

TEST(Int8FullyConnected, AccumulatorsAreBitExactThroughScaleOne) {
  INT8_REQUIRE_AVX2();
  const int64_t n = 21, c = 131, k = 11;
  FullyConnectedParams p;
  p.nbOutputs = k;
  auto q = randomInt8(c * k, 5, -127, 127);
  p.weights.values.assign(q.begin(), q.end());
  for (int64_t o = 0; o < k; ++o) p.weights.values[o * c + o] = o % 2 ? -127.f : 127.f;
  // Adversarial rows: all -128 (SIGN worst case) and all 127, besides random ones.
  std::vector<int8_t> xv = randomInt8(n * c, 6);
  for (int64_t i = 0; i < c; ++i) xv[i] = -128, xv[c + i] = 127, xv[2 * c + i] = i % 2 ? -128 : 127;
  Layer layer = makeLayer(p, 1, "fc");
  KernelSetup setup = makeSetup(layer, {{n, c}}, {1.f}, 0.f);
  Tensor8 x = int8Tensor({n, c}, xv);
  std::vector<float> expect(static_cast<size_t>(n * k));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k; ++o) {
      int64_t acc = 0;
      for (int64_t i = 0; i < c; ++i)
        acc += int64_t{xv[b * c + i]} * static_cast<int64_t>(p.weights.values[o * c + i]);
      expect[b * k + o] = static_cast<float>(acc);
    }
  ThreadPool pool(2);
  EXPECT_EQ(runInt8Kernel(kRef, setup, {x}).asFloat(), expect);
  EXPECT_EQ(runInt8Kernel(kFast, setup, {x}, &pool).asFloat(), expect);
}

TEST(Int8FullyConnected, ZeroWeightChannelOutputsItsBias) {
  INT8_REQUIRE_AVX2();
  Layer layer = fcLayer(10, 4, {}, 9);
  auto& p = layer.as<FullyConnectedParams>();
  for (int i = 0; i < 10; ++i) p.weights.values[2 * 10 + i] = 0.f;
  KernelSetup setup = makeSetup(layer, {{3, 10}}, {0.1f}, 0.f);
  Tensor8 x = int8Tensor({3, 10}, randomInt8(30, 10));
  for (const char* name : {kRef, kFast}) {
    Tensor8 y = runInt8Kernel(name, setup, {x});
    for (int b = 0; b < 3; ++b) EXPECT_EQ(y.f32()[b * 4 + 2], p.bias.values[2]) << name;
  }
}

}  // namespace
}  // namespace int8rt::cpu

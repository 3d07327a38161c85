// INT8 pooling (AVX2 max against the reference; average rounding ties and padding counts),
// shuffle / concatenation / identity, and the candidate list's order and names.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "backends/cpu/int8/quantize.h"
#include "core/error.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using namespace int8test;

Layer poolLayer(PoolingType type, Shape window, Shape stride, Shape padB, Shape padE,
                PoolRounding rounding = PoolRounding::kFLOOR, bool excludePad = true) {
  PoolingParams p;
  p.type = type;
  p.window = window;
  p.stride = stride;
  p.padBegin = padB;
  p.padEnd = padE;
  p.rounding = rounding;
  p.averageExcludesPadding = excludePad;
  return makeLayer(p, 1, "pool");
}

TEST(Int8Pooling, MaxAvx2MatchesReference) {
  INT8_REQUIRE_AVX2();
  ThreadPool pool(2);
  struct Case {
    Shape x, window, stride, padB, padE;
    PoolRounding r;
  };
  const Case cases[] = {
      {{5, 20, 24, 24}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL},  // LeNet pool1
      {{5, 50, 8, 8}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL},    // LeNet pool2
      {{3, 3, 13, 11}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL},   // ragged last window
      {{2, 4, 9, 70}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, PoolRounding::kFLOOR},   // stride 1, padded
      {{2, 3, 17, 15}, {3, 3}, {2, 2}, {1, 0}, {1, 2}, PoolRounding::kFLOOR},  // generic path
      {{2, 2, 40, 45}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, PoolRounding::kFLOOR},  // pairs, padded
      {{3, 5, 7, 7}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL},    // 2x2, 4 per row, odd
      {{2, 3, 5, 13}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL},   // 2x2, 7 per row
      {{2, 3, 6, 5}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kFLOOR},   // 2x2, 2 per row
      {{2, 2, 9, 37}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, PoolRounding::kCEIL}};  // 2x2, 19 per row
  for (const Case& c : cases) {
    Layer layer = poolLayer(PoolingType::kMAX, c.window, c.stride, c.padB, c.padE, c.r);
    KernelSetup setup = makeSetup(layer, {c.x}, {0.1f}, 0.1f);
    const Shape xs = withBatch(c.x, c.x[0] - 1);
    Tensor8 x = int8Tensor(xs, randomInt8(count(xs), 3));
    Tensor8 ref = runInt8Kernel("pooling_int8_ref", setup, {x});
    EXPECT_TRUE(sameBytes(runInt8Kernel("pooling_max_int8_2d_avx2", setup, {x}, &pool), ref))
        << shapeToString(c.x);
  }
}

TEST(Int8Pooling, AverageRoundsHalfToEvenAndCountsPadding) {
  // One plane [1, 1, 2, 4]; window 1x2 stride 1x2: means (a+b)/2.
  Layer layer = poolLayer(PoolingType::kAVERAGE, {1, 2}, {1, 2}, {0, 0}, {0, 0});
  KernelSetup setup = makeSetup(layer, {{1, 1, 2, 4}}, {0.5f}, 0.5f);
  Tensor8 x = int8Tensor({1, 1, 2, 4}, {1, 2, 2, 3, -1, -2, -2, -3});
  EXPECT_EQ(runInt8Kernel("pooling_int8_ref", setup, {x}).asInt8(),
            (std::vector<int8_t>{2, 2, -2, -2}));  // 1.5->2, 2.5->2, -1.5->-2, -2.5->-2
  // Padding: a 2x2 window at the corner covers one real value with pad 1.
  Layer excl = poolLayer(PoolingType::kAVERAGE, {2, 2}, {2, 2}, {1, 1}, {1, 1});
  Layer incl =
      poolLayer(PoolingType::kAVERAGE, {2, 2}, {2, 2}, {1, 1}, {1, 1}, PoolRounding::kFLOOR, false);
  Tensor8 y = int8Tensor({1, 1, 2, 2}, {9, 8, 7, 6});
  EXPECT_EQ(
      runInt8Kernel("pooling_int8_ref", makeSetup(excl, {{1, 1, 2, 2}}, {1.f}, 1.f), {y}).asInt8(),
      (std::vector<int8_t>{9, 8, 7, 6}));
  EXPECT_EQ(
      runInt8Kernel("pooling_int8_ref", makeSetup(incl, {{1, 1, 2, 2}}, {1.f}, 1.f), {y}).asInt8(),
      (std::vector<int8_t>{2, 2, 2, 2}));  // 9/4=2.25, 8/4=2, 7/4=1.75, 6/4=1.5 -> 2
  // Another output scale requantizes; FP32 output dequantizes the mean.
  EXPECT_EQ(runInt8Kernel("pooling_int8_ref", setup, {x}).asInt8().size(), 4u);
  KernelSetup f = makeSetup(layer, {{1, 1, 2, 4}}, {0.5f}, 0.f);
  EXPECT_EQ(runInt8Kernel("pooling_int8_ref", f, {x}).asFloat(),
            (std::vector<float>{0.75f, 1.25f, -0.75f, -1.25f}));
}

TEST(Int8DataMovement, ShuffleFlattenAndTranspose) {
  ShuffleParams flat;
  flat.doReshape = true;
  flat.reshapeDims = {0, -1};
  Layer l1 = makeLayer(flat, 1, "flatten");
  auto v = randomInt8(2 * 3 * 4 * 5, 1);
  Tensor8 x = int8Tensor({2, 3, 4, 5}, v);
  Tensor8 y = runInt8Kernel("shuffle_int8_ref", makeSetup(l1, {{2, 3, 4, 5}}, {0.2f}, 0.2f), {x});
  EXPECT_EQ(y.shape, (Shape{2, 60}));
  EXPECT_EQ(y.asInt8(), v);

  ShuffleParams tp;  // NCHW -> NHWC, then flatten
  tp.firstTranspose = {0, 2, 3, 1};
  tp.doReshape = true;
  tp.reshapeDims = {0, -1};
  tp.secondTranspose = {1, 0};  // and [N, HWC] -> [HWC, N]
  Layer l2 = makeLayer(tp, 1, "transpose");
  Tensor8 z = runInt8Kernel("shuffle_int8_ref", makeSetup(l2, {{2, 3, 4, 5}}, {0.2f}, 0.2f), {x});
  ASSERT_EQ(z.shape, (Shape{60, 2}));
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 5; ++w)
          ASSERT_EQ(z.i8()[((h * 5 + w) * 3 + c) * 2 + n], v[((n * 3 + c) * 4 + h) * 5 + w]);
  // Different scales are not this kernel's job.
  EXPECT_FALSE(findInt8Kernel("shuffle_int8_ref")
                   ->supports(makeSetup(l1, {{2, 3, 4, 5}}, {0.2f}, 0.3f), cpuFeatures()));
}

TEST(Int8DataMovement, ConcatenationSharesOneScale) {
  Layer l = makeLayer(ConcatenationParams{1}, 2, "concat");
  auto a = randomInt8(2 * 3 * 4, 1), b = randomInt8(2 * 1 * 4, 2);
  KernelSetup s = makeSetup(l, {{2, 3, 4}, {2, 1, 4}}, {0.1f, 0.1f}, 0.1f);
  Tensor8 y = runInt8Kernel("concatenation_int8_ref", s,
                            {int8Tensor({2, 3, 4}, a), int8Tensor({2, 1, 4}, b)});
  ASSERT_EQ(y.shape, (Shape{2, 4, 4}));
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(y.i8()[n * 16 + i], i < 12 ? a[n * 12 + i] : b[n * 4 + i - 12]);
  KernelSetup bad = makeSetup(l, {{2, 3, 4}, {2, 1, 4}}, {0.1f, 0.2f}, 0.1f);
  const KernelCandidate* k = findInt8Kernel("concatenation_int8_ref");
  EXPECT_FALSE(k->supports(bad, cpuFeatures()));
  EXPECT_THROW(k->create(bad), Error);  // the builder's scale sharing is broken: say so
}

TEST(Int8DataMovement, IdentityQuantizesDequantizesAndRequantizes) {
  Layer l = makeLayer(IdentityParams{}, 1, "id");
  auto f = randomFloats(37, 3, -2.f, 2.f);
  KernelSetup q = makeSetup(l, {{37}}, {0.f}, 0.02f);
  q.inputTypes = {DataType::kFLOAT};
  Tensor8 qy = runInt8Kernel("identity_int8_ref", q, {floatTensor({37}, f)});
  for (int i = 0; i < 37; ++i) EXPECT_EQ(qy.i8()[i], quantizeValue(f[i], 0.02f));
  KernelSetup d = makeSetup(l, {{37}}, {0.02f}, 0.f);
  Tensor8 dy = runInt8Kernel("identity_int8_ref", d, {qy});
  for (int i = 0; i < 37; ++i) EXPECT_EQ(dy.f32()[i], qy.i8()[i] * 0.02f);
  KernelSetup r = makeSetup(l, {{37}}, {0.02f}, 0.05f);
  Tensor8 ry = runInt8Kernel("identity_int8_ref", r, {qy});
  for (int i = 0; i < 37; ++i) EXPECT_EQ(ry.i8()[i], quantizeValue(qy.i8()[i] * 0.02f, 0.05f));
  KernelSetup c = makeSetup(l, {{37}}, {0.02f}, 0.02f);
  EXPECT_EQ(runInt8Kernel("identity_int8_ref", c, {qy}).asInt8(), qy.asInt8());
}

TEST(Int8Kernels, CandidateListIsOrderedFastFirstAndNamed) {
  std::vector<KernelCandidate> all;
  appendInt8Kernels(all);
  std::set<std::string> names;
  std::set<int> sawRef;
  for (const auto& k : all) {
    EXPECT_EQ(k.precision, DataType::kINT8) << k.name;
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate " << k.name;
    const std::string n = k.name;
    const bool isRef = n.size() > 4 && n.compare(n.size() - 4, 4, "_ref") == 0;
    const int kind = static_cast<int>(k.kind);
    if (isRef)
      sawRef.insert(kind);
    else
      EXPECT_EQ(sawRef.count(kind), 0u) << n << " comes after its kind's reference";
  }
  for (LayerKind kind : {LayerKind::kCONVOLUTION, LayerKind::kFULLY_CONNECTED, LayerKind::kPOOLING,
                         LayerKind::kSHUFFLE, LayerKind::kCONCATENATION, LayerKind::kIDENTITY})
    EXPECT_EQ(sawRef.count(static_cast<int>(kind)), 1u) << layerKindName(kind);
}

}  // namespace
}  // namespace int8rt::cpu

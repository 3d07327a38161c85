// The scalar reference kernels against hand-computed results (the oracle's own oracle).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "core/error.h"
#include "cpu_kernel_test_util.h"

namespace int8rt::cpu::test {
namespace {

std::vector<float> iota(int64_t n, float start = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Runs a reference kernel at one set of shapes.
std::vector<float> runRef(const std::string& name, const Layer& l, const std::vector<Shape>& shapes,
                          const std::vector<std::vector<float>>& inputs, Shape* out = nullptr) {
  return runKernel(name, l, shapes, shapes, inputs, nullptr, out);
}

ConvolutionParams conv(int64_t k, Shape kernel, std::vector<float> w, std::vector<float> b = {}) {
  ConvolutionParams p;
  p.nbOutputMaps = k;
  p.kernel = std::move(kernel);
  p.weights.values = std::move(w);
  p.bias.values = std::move(b);
  return p;
}

TEST(CpuReference, Conv3x3PaddedStride2ByHand) {
  auto p = conv(1, {3, 3}, iota(9));
  p.stride = {2, 2};
  p.padBegin = {1, 1};
  p.padEnd = {1, 1};
  Shape out;
  auto y = runRef("convolution_ref", makeLayer(p, 1), {{1, 1, 4, 4}}, {iota(16)}, &out);
  EXPECT_EQ(out, (Shape{1, 1, 2, 2}));
  // e.g. y(0,0) = 5*1 + 6*2 + 8*5 + 9*6: only the kernel's lower-right 2x2 meets the image.
  EXPECT_TRUE(allNear(y, {111, 217, 363, 573}, 0));
}

TEST(CpuReference, Conv2x2BiasAndFusedActivation) {
  auto p = conv(2, {2, 2}, {1, 2, 3, 4, -1, -2, -3, -4}, {0.5f, 0.5f});
  p.activation.type = ActivationType::kRELU;
  auto y = runRef("convolution_ref", makeLayer(p, 1), {{1, 1, 3, 3}}, {iota(9)});
  // Channel 0: 1*1 + 2*2 + 3*4 + 4*5 = 37 ...; channel 1 is the negation, clamped by ReLU.
  EXPECT_TRUE(allNear(y, {37.5f, 47.5f, 67.5f, 77.5f, 0, 0, 0, 0}, 0));
}

TEST(CpuReference, ConvGroupsAreIndependent) {
  auto p = conv(2, {1, 1}, {2, 3});
  p.groups = 2;
  auto y = runRef("convolution_ref", makeLayer(p, 1), {{1, 2, 1, 2}}, {{1, 2, 10, 20}});
  EXPECT_TRUE(allNear(y, {2, 4, 30, 60}, 0));
}

TEST(CpuReference, Conv1dDilatedAsymmetricPadAnd3d) {
  auto p1 = conv(1, {2}, {1, 2});
  p1.dilation = {2};
  p1.padBegin = {1};
  p1.padEnd = {0};
  Shape out;
  auto y1 = runRef("convolution_ref", makeLayer(p1, 1), {{1, 1, 5}}, {iota(5)}, &out);
  EXPECT_EQ(out, (Shape{1, 1, 4}));
  EXPECT_TRUE(allNear(y1, {4, 7, 10, 13}, 0));  // y[i] = x[i-1] + 2 x[i+1], x[-1] = 0

  auto p3 = conv(2, {2, 2, 2}, std::vector<float>(8, 1.f), {-6.f, 0.f});
  p3.weights.values.resize(16, -1.f);
  p3.activation.type = ActivationType::kRELU;
  auto y3 = runRef("convolution_ref", makeLayer(p3, 1), {{1, 1, 2, 2, 2}}, {iota(8)});
  EXPECT_TRUE(allNear(y3, {30, 0}, 0));  // 1+..+8 - 6, and relu(-36)
}

PoolingParams pool(PoolingType t, Shape window, Shape stride) {
  PoolingParams p;
  p.type = t;
  p.window = std::move(window);
  p.stride = std::move(stride);
  return p;
}

TEST(CpuReference, PoolingCaffeCeilKeepsClippedEdgeWindows) {
  auto p = pool(PoolingType::kMAX, {2, 2}, {2, 2});
  p.rounding = PoolRounding::kCEIL;
  Shape out;
  auto y = runRef("pooling_ref", makeLayer(p, 1), {{1, 1, 5, 5}}, {iota(25)}, &out);
  EXPECT_EQ(out, (Shape{1, 1, 3, 3}));  // floor would give 2x2
  EXPECT_TRUE(allNear(y, {7, 9, 10, 17, 19, 20, 22, 24, 25}, 0));
  p.type = PoolingType::kAVERAGE;
  auto a = runRef("pooling_ref", makeLayer(p, 1), {{1, 1, 5, 5}}, {iota(25)});
  EXPECT_FLOAT_EQ(a[0], 4.f);   // (1 + 2 + 6 + 7) / 4
  EXPECT_FLOAT_EQ(a[2], 7.5f);  // (5 + 10) / 2: the clipped window's own size
  EXPECT_FLOAT_EQ(a[8], 25.f);
}

TEST(CpuReference, AveragePoolingPaddingModes) {
  // 1-d: x = 1 2 3 4, window 3, stride 2, pad 1, ceil: windows [-1,1], [1,3], [3,5].
  auto p = pool(PoolingType::kAVERAGE, {3}, {2});
  p.padBegin = {1};
  p.padEnd = {1};
  p.rounding = PoolRounding::kCEIL;
  p.averageExcludesPadding = true;
  auto ex = runRef("pooling_ref", makeLayer(p, 1), {{1, 1, 4}}, {iota(4)});
  EXPECT_TRUE(allNear(ex, {1.5f, 3.f, 4.f}, 1e-6f));
  p.averageExcludesPadding = false;  // divide by the window clipped to the padded input
  auto in = runRef("pooling_ref", makeLayer(p, 1), {{1, 1, 4}}, {iota(4)});
  EXPECT_TRUE(allNear(in, {1.f, 3.f, 2.f}, 1e-6f));
}

TEST(CpuReference, PoolingDilatedMaxAndGlobal) {
  auto p = pool(PoolingType::kMAX, {2}, {1});
  p.dilation = {2};
  auto y = runRef("pooling_ref", makeLayer(p, 1), {{1, 1, 5}}, {{5, 1, 2, 9, 0.5f}});
  EXPECT_TRUE(allNear(y, {5, 9, 2}, 0));  // max(x[i], x[i+2])
  PoolingParams g;
  g.type = PoolingType::kAVERAGE;
  g.global = true;
  Shape out;
  auto a = runRef("pooling_ref", makeLayer(g, 1), {{1, 2, 2, 3}}, {iota(12)}, &out);
  EXPECT_EQ(out, (Shape{1, 2, 1, 1}));
  EXPECT_TRUE(allNear(a, {3.5f, 9.5f}, 1e-6f));
}

TEST(CpuReference, SoftmaxSumsToOneAndIsStable) {
  SoftMaxParams p;
  p.axis = 1;
  auto y = runRef("softmax_ref", makeLayer(p, 1), {{2, 3}}, {{1, 2, 3, 1000, 1001, 1002}});
  const std::vector<float> row = {0.09003057f, 0.24472847f, 0.66524096f};
  EXPECT_TRUE(allNear(y, {row[0], row[1], row[2], row[0], row[1], row[2]}, 1e-6f));
  EXPECT_NEAR(y[0] + y[1] + y[2], 1.f, 1e-6f);
  p.log = true;
  auto l = runRef("softmax_ref", makeLayer(p, 1), {{2, 3}}, {{1, 2, 3, 1000, 1001, 1002}});
  EXPECT_TRUE(allNear(
      l, {-2.4076059f, -1.4076059f, -0.4076059f, -2.4076059f, -1.4076059f, -0.4076059f}, 1e-5f));
}

TEST(CpuReference, SoftmaxAxisAndCoerce2D) {
  SoftMaxParams p;
  p.axis = 0;  // normalise columns
  auto c = runRef("softmax_ref", makeLayer(p, 1), {{2, 2}}, {{0, 5, 0, 5}});
  EXPECT_TRUE(allNear(c, {0.5f, 0.5f, 0.5f, 0.5f}, 1e-6f));
  p.axis = -2;  // the same axis, counted from the end
  EXPECT_TRUE(allNear(runRef("softmax_ref", makeLayer(p, 1), {{2, 2}}, {{0, 5, 0, 5}}), c, 0));
  // [1, 2, 2]: axis 1 normalises pairs; coerce2D normalises all four values of the sample.
  p.axis = 1;
  auto perAxis = runRef("softmax_ref", makeLayer(p, 1), {{1, 2, 2}}, {{0, 0, 0, 0}});
  EXPECT_TRUE(allNear(perAxis, {0.5f, 0.5f, 0.5f, 0.5f}, 1e-6f));
  p.coerce2D = true;
  auto flat = runRef("softmax_ref", makeLayer(p, 1), {{1, 2, 2}}, {{0, 0, 0, 0}});
  EXPECT_TRUE(allNear(flat, {0.25f, 0.25f, 0.25f, 0.25f}, 1e-6f));
}

TEST(CpuReference, ElementWiseNumpyBroadcast) {
  ElementWiseParams p;
  p.op = ElementWiseOp::kSUB;
  auto a = randomValues(15, 1), b = randomValues(4, 2);
  Shape out;
  auto y = runRef("elementwise_ref", makeLayer(p, 2), {{3, 1, 5}, {4, 1}}, {a, b}, &out);
  ASSERT_EQ(out, (Shape{3, 4, 5}));
  std::vector<float> want;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k) want.push_back(a[i * 5 + k] - b[j]);
  EXPECT_TRUE(allNear(y, want, 0));
}

TEST(CpuReference, ElementWiseCoefficientsOpsAndActivation) {
  ElementWiseParams p;
  p.coeffs = {2.f, -1.f};  // Caffe Eltwise SUM with coeff: 2a - b
  auto y = runRef("elementwise_ref", makeLayer(p, 2), {{4}, {4}}, {{1, 2, 3, 4}, {4, 3, 2, 1}});
  EXPECT_TRUE(allNear(y, {-2, 1, 4, 7}, 0));
  p.coeffs.clear();
  p.activation.type = ActivationType::kRELU;
  const std::pair<ElementWiseOp, std::vector<float>> cases[] = {
      {ElementWiseOp::kPROD, {4, 6, 6, 4}},
      {ElementWiseOp::kMAX, {4, 3, 3, 4}},
      {ElementWiseOp::kMIN, {1, 2, 2, 1}},
      {ElementWiseOp::kSUB, {0, 0, 1, 3}},
      {ElementWiseOp::kDIV, {0.25f, 2.f / 3, 1.5f, 4}},
      {ElementWiseOp::kPOW, {1, 8, 9, 4}}};
  for (const auto& [op, want] : cases) {
    p.op = op;
    auto r = runRef("elementwise_ref", makeLayer(p, 2), {{4}, {4}}, {{1, 2, 3, 4}, {4, 3, 2, 1}});
    EXPECT_TRUE(allNear(r, want, 1e-6f)) << "op " << int(op);
  }
}

TEST(CpuReference, MatMulVectorsTransposesAndBatchBroadcast) {
  MatMulParams p;
  auto mv = runRef("matmul_ref", makeLayer(p, 2), {{2, 3}, {3}}, {iota(6), {1, 0, -1}});
  EXPECT_TRUE(allNear(mv, {-2, -2}, 0));
  auto vm = runRef("matmul_ref", makeLayer(p, 2), {{2}, {2, 2}}, {{1, 2}, {1, 2, 3, 4}});
  EXPECT_TRUE(allNear(vm, {7, 10}, 0));
  // a [1, 2, 3] (batch broadcast) x b [2, 4, 3] transposed -> [2, 2, 4].
  p.transposeB = true;
  auto a = randomValues(6, 3), b = randomValues(24, 4);
  Shape out;
  auto y = runRef("matmul_ref", makeLayer(p, 2), {{1, 2, 3}, {2, 4, 3}}, {a, b}, &out);
  ASSERT_EQ(out, (Shape{2, 2, 4}));
  std::vector<float> want;
  for (int bt = 0; bt < 2; ++bt)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j) {
        float s = 0;
        for (int k = 0; k < 3; ++k) s += a[i * 3 + k] * b[bt * 12 + j * 3 + k];
        want.push_back(s);
      }
  EXPECT_TRUE(allNear(y, want, 1e-6f));
  p.transposeB = false;
  p.transposeA = true;  // [3, 2]^T x [3, 1]
  auto t = runRef("matmul_ref", makeLayer(p, 2), {{3, 2}, {3, 1}}, {iota(6), {1, 1, 1}});
  EXPECT_TRUE(allNear(t, {9, 12}, 0));
}

TEST(CpuReference, FullyConnectedFlattensAndFusesActivation) {
  FullyConnectedParams p;
  p.nbOutputs = 2;
  p.weights.values = {1, 0, -1, 0.5f, 0.5f, 0.5f};
  p.bias.values = {1, -10};
  p.activation = {ActivationType::kLEAKY_RELU, 0.1f, 0.f};
  Shape out;
  auto y = runRef("fully_connected_ref", makeLayer(p, 1), {{2, 3, 1, 1}}, {iota(6)}, &out);
  EXPECT_EQ(out, (Shape{2, 2}));
  EXPECT_TRUE(allNear(y, {-0.1f, -0.7f, -0.1f, -0.25f}, 1e-6f));
}

TEST(CpuReference, EveryActivationTypeByValue) {
  struct Case {
    ActivationType t;
    float alpha, beta, atMinus2, atHalf;
  };
  const Case cases[] = {
      {ActivationType::kNONE, 0, 0, -2, 0.5f},
      {ActivationType::kRELU, 0, 0, 0, 0.5f},
      {ActivationType::kLEAKY_RELU, 0.1f, 0, -0.2f, 0.5f},
      {ActivationType::kSIGMOID, 0, 0, 0.11920292f, 0.62245933f},
      {ActivationType::kTANH, 0, 0, -0.96402758f, 0.46211716f},
      {ActivationType::kCLIP, -1, 0.25f, -1, 0.25f},
      {ActivationType::kHARD_SIGMOID, 0.2f, 0.5f, 0.1f, 0.6f},
      {ActivationType::kHARD_SWISH, 0, 0, -1.f / 3, 0.29166667f},
      {ActivationType::kELU, 1, 0, -0.86466472f, 0.5f},
      {ActivationType::kSELU, 1.6732632f, 1.0507010f, -1.5201665f, 0.5253505f},
      {ActivationType::kSOFTPLUS, 0, 0, 0.12692801f, 0.97407698f},
      {ActivationType::kSOFTSIGN, 0, 0, -2.f / 3, 1.f / 3},
      {ActivationType::kABS, 0, 0, 2, 0.5f},
      {ActivationType::kEXP, 0, 0, 0.13533528f, 1.6487213f},
      {ActivationType::kNEG, 0, 0, 2, -0.5f},
  };
  for (const Case& c : cases) {
    ActivationParams p;
    p.activation = {c.t, c.alpha, c.beta};
    auto y = runRef("activation_ref", makeLayer(p, 1), {{2}}, {{-2.f, 0.5f}});
    EXPECT_TRUE(allNear(y, {c.atMinus2, c.atHalf}, 1e-6f, 1e-6f)) << activationName(c.t);
  }
  ActivationParams s;
  s.activation.type = ActivationType::kSQRT;
  auto r = runRef("activation_ref", makeLayer(s, 1), {{2}}, {{-2.f, 0.25f}});
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_FLOAT_EQ(r[1], 0.5f);
  s.activation.type = ActivationType::kSOFTPLUS;  // no overflow at the extremes
  auto sp = runRef("activation_ref", makeLayer(s, 1), {{2}}, {{100.f, -100.f}});
  EXPECT_FLOAT_EQ(sp[0], 100.f);
  EXPECT_GT(sp[1], 0.f);
  EXPECT_LT(sp[1], 1e-40f);
}

TEST(CpuReference, ConcatenationAnyAxis) {
  ConcatenationParams p;
  p.axis = 1;
  auto y =
      runRef("concatenation_ref", makeLayer(p, 2), {{1, 2, 2}, {1, 1, 2}}, {{1, 2, 3, 4}, {5, 6}});
  EXPECT_TRUE(allNear(y, {1, 2, 3, 4, 5, 6}, 0));
  p.axis = -1;
  Shape out;
  auto z = runRef("concatenation_ref", makeLayer(p, 3), {{2, 1}, {2, 2}, {2, 1}},
                  {{1, 2}, {3, 4, 5, 6}, {7, 8}}, &out);
  EXPECT_EQ(out, (Shape{2, 4}));
  EXPECT_TRUE(allNear(z, {1, 3, 4, 7, 2, 5, 6, 8}, 0));
}

TEST(CpuReference, ScaleModesWithPower) {
  ScaleParams p;
  p.mode = ScaleMode::kCHANNEL;
  p.scale.values = {2, 3};
  p.shift.values = {1, -1};
  p.power.values = {2, 1};
  auto y = runRef("scale_ref", makeLayer(p, 1), {{1, 2, 1, 2}}, {iota(4)});
  EXPECT_TRUE(allNear(y, {9, 25, 8, 11}, 0));  // (2x + 1)^2 | 3x - 1
  ScaleParams u;
  u.mode = ScaleMode::kUNIFORM;
  u.scale.values = {0.5f};
  u.activation.type = ActivationType::kNEG;
  EXPECT_TRUE(allNear(runRef("scale_ref", makeLayer(u, 1), {{2, 2}}, {iota(4)}),
                      {-0.5f, -1, -1.5f, -2}, 0));
  ScaleParams e;
  e.mode = ScaleMode::kELEMENTWISE;  // per element of one sample, repeated over the batch
  e.shift.values = {10, 20};
  EXPECT_TRUE(
      allNear(runRef("scale_ref", makeLayer(e, 1), {{2, 2}}, {iota(4)}), {11, 22, 13, 24}, 0));
}

TEST(CpuReference, PReLUBroadcastSlope) {
  PReLUParams p;
  p.slopeShape = {2, 1};
  p.slope.values = {0.1f, 0.5f};
  auto y = runRef("prelu_ref", makeLayer(p, 1), {{1, 2, 2}}, {{-1, 2, -3, 4}});
  EXPECT_TRUE(allNear(y, {-0.1f, 2, -1.5f, 4}, 1e-7f));
}

TEST(CpuReference, LRNAcrossChannelsByHand) {
  LRNParams p;
  p.size = 3;
  p.alpha = 3.f;  // alpha / size = 1
  p.beta = 1.f;
  p.k = 1.f;
  auto y = runRef("lrn_ref", makeLayer(p, 1), {{1, 3, 1, 1}}, {{1, 2, 3}});
  EXPECT_TRUE(allNear(y, {1.f / 6, 2.f / 15, 3.f / 14}, 1e-7f));  // 1/(1+1+4), 2/(1+14), 3/(1+13)
}

TEST(CpuReference, ShuffleTransposeReshapeTranspose) {
  ShuffleParams p;
  p.firstTranspose = {0, 2, 1};
  Shape out;
  auto t = runRef("shuffle_ref", makeLayer(p, 1), {{1, 2, 3}}, {iota(6, 0)}, &out);
  EXPECT_EQ(out, (Shape{1, 3, 2}));
  EXPECT_TRUE(allNear(t, {0, 3, 1, 4, 2, 5}, 0));
  p.doReshape = true;
  p.reshapeDims = {3, 2};
  p.secondTranspose = {1, 0};
  auto y = runRef("shuffle_ref", makeLayer(p, 1), {{1, 2, 3}}, {iota(6, 0)}, &out);
  EXPECT_EQ(out, (Shape{2, 3}));
  EXPECT_TRUE(allNear(y, {0, 1, 2, 3, 4, 5}, 0));
  ShuffleParams r;  // reshape only: a copy
  r.doReshape = true;
  r.reshapeDims = {0, -1};
  auto z = runRef("shuffle_ref", makeLayer(r, 1), {{2, 2, 2}}, {iota(8)}, &out);
  EXPECT_EQ(out, (Shape{2, 4}));
  EXPECT_TRUE(allNear(z, iota(8), 0));
}

TEST(CpuReference, PaddingModesAndCropping) {
  PaddingParams p;
  p.padBegin = {0, 2};
  p.padEnd = {0, 3};
  p.value = 9;
  const std::pair<PaddingMode, std::vector<float>> cases[] = {
      {PaddingMode::kCONSTANT, {9, 9, 1, 2, 3, 9, 9, 9}},
      {PaddingMode::kREFLECT, {3, 2, 1, 2, 3, 2, 1, 2}},
      {PaddingMode::kEDGE, {1, 1, 1, 2, 3, 3, 3, 3}},
      {PaddingMode::kWRAP, {2, 3, 1, 2, 3, 1, 2, 3}}};
  for (const auto& [mode, want] : cases) {
    p.mode = mode;
    EXPECT_TRUE(allNear(runRef("padding_ref", makeLayer(p, 1), {{1, 3}}, {{1, 2, 3}}), want, 0))
        << "mode " << int(mode);
  }
  p.mode = PaddingMode::kCONSTANT;
  p.value = 0;
  p.padBegin = {0, -1};
  p.padEnd = {0, 1};
  EXPECT_TRUE(allNear(runRef("padding_ref", makeLayer(p, 1), {{1, 3}}, {{1, 2, 3}}), {2, 3, 0}, 0));
}

TEST(CpuReference, ConstantAndIdentityCopy) {
  ConstantParams c;
  c.shape = {2, 2};
  c.values.values = {1, -2, 3, -4};
  EXPECT_TRUE(allNear(runRef("constant_ref", makeLayer(c, 0), {}, {}), {1, -2, 3, -4}, 0));
  auto x = randomValues(7, 5);
  EXPECT_TRUE(allNear(runRef("identity_ref", makeLayer(IdentityParams{}, 1), {{7}}, {x}), x, 0));
}

TEST(CpuReference, BadWeightsFailNamingTheLayer) {
  auto p = conv(2, {3, 3}, std::vector<float>(17, 1.f));
  Layer l = makeLayer(p, 1, "conv_bad");
  KernelSetup s =
      makeSetup(makeLayer(conv(2, {3, 3}, std::vector<float>(18, 1.f)), 1), {{1, 1, 5, 5}});
  s.layer = &l;
  try {
    findCpuKernel("convolution_ref")->create(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv_bad"), std::string::npos) << e.what();
  }
}

TEST(CpuRegistry, EveryKindHasItsReferenceLastAndNamesAreUnique) {
  const auto& reg = cpuKernelRegistry();
  std::set<std::string> names;
  for (const auto& k : reg) EXPECT_TRUE(names.insert(k.name).second) << k.name;
  const char* refs[] = {
      "convolution_ref", "pooling_ref",     "fully_connected_ref", "matmul_ref",   "activation_ref",
      "softmax_ref",     "elementwise_ref", "concatenation_ref",   "scale_ref",    "prelu_ref",
      "lrn_ref",         "shuffle_ref",     "padding_ref",         "constant_ref", "identity_ref"};
  for (int kind = 0; kind < static_cast<int>(LayerKind::kCOUNT); ++kind) {
    const KernelCandidate* lastFp32 = nullptr;
    const KernelCandidate* firstFp32 = nullptr;
    for (const auto& k : reg)
      if (static_cast<int>(k.kind) == kind && k.precision == DataType::kFLOAT) {
        lastFp32 = &k;
        if (!firstFp32) firstFp32 = &k;
      }
    ASSERT_NE(lastFp32, nullptr) << layerKindName(static_cast<LayerKind>(kind));
    EXPECT_STREQ(lastFp32->name, refs[kind]);
    EXPECT_EQ(findCpuKernel(refs[kind]), lastFp32);
  }
  EXPECT_EQ(findCpuKernel("no_such_kernel"), nullptr);
  EXPECT_EQ(std::string(findCpuKernel("conv2d_fp32_igemm_6x16_avx2") ? "found" : ""), "found");
}

}  // namespace
}  // namespace int8rt::cpu::test

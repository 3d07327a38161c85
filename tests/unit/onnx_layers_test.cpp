// ONNX importer: operators become the right layers with the right parameters and shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "onnx_test_util.h"
#include "parsers/onnx/onnx_error.h"

namespace int8rt {
namespace {

using testing_util::layersOfKind;
using testing_util::OnnxModel;
using testing_util::producer;

TEST(OnnxLayers, ConvGroupsStridesDilationsPadsAndBias) {
  OnnxModel m(11);
  m.input("x", {1, 4, 9, 8});
  auto w = m.initRandom("W", {6, 2, 3, 3}, 1);
  auto b = m.initRandom("B", {6}, 2);
  auto& n = m.node("Conv", {"x", "W", "B"}, {"y"}, "conv1");
  OnnxModel::attr(n, "group", 2);
  OnnxModel::attrInts(n, "strides", {2, 1});
  OnnxModel::attrInts(n, "dilations", {1, 2});
  OnnxModel::attrInts(n, "pads", {1, 0, 2, 1});
  m.output("y");
  auto net = m.import();
  const Layer* conv = producer(*net, "y");
  ASSERT_NE(conv, nullptr);
  ASSERT_EQ(conv->kind(), LayerKind::kCONVOLUTION);
  EXPECT_EQ(conv->name, "conv1");
  const auto& p = conv->as<ConvolutionParams>();
  EXPECT_EQ(p.nbOutputMaps, 6);
  EXPECT_EQ(p.groups, 2);
  EXPECT_EQ(p.kernel, (Shape{3, 3}));
  EXPECT_EQ(p.stride, (Shape{2, 1}));
  EXPECT_EQ(p.dilation, (Shape{1, 2}));
  EXPECT_EQ(p.padBegin, (Shape{1, 0}));
  EXPECT_EQ(p.padEnd, (Shape{2, 1}));
  EXPECT_EQ(p.weights.values, w);
  EXPECT_EQ(p.bias.values, b);
  // H: (9 + 3 - 3) / 2 + 1 = 5; W: (8 + 1 - 5) / 1 + 1 = 5
  EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{1, 6, 5, 5}));
  EXPECT_TRUE(net->validate().isOk());
}

TEST(OnnxLayers, ConvAutoPadSameUpperAndLowerUseTheInputShape) {
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    OnnxModel m(11);
    m.input("x", {-1, 1, 5, 6});
    m.initRandom("W", {2, 1, 4, 3}, 3);
    auto& n = m.node("Conv", {"x", "W"}, {"y"});
    OnnxModel::attrS(n, "auto_pad", mode);
    OnnxModel::attrInts(n, "strides", {2, 2});
    m.output("y");
    auto net = m.import();
    const auto& p = producer(*net, "y")->as<ConvolutionParams>();
    std::string s = mode;
    if (s == "VALID") {
      EXPECT_EQ(p.padBegin, (Shape{0, 0}));
      EXPECT_EQ(p.padEnd, (Shape{0, 0}));
      continue;
    }
    // H: out 3, total pad (3-1)*2 + 4 - 5 = 3; W: out 3, total (3-1)*2 + 3 - 6 = 1.
    if (s == "SAME_UPPER") {
      EXPECT_EQ(p.padBegin, (Shape{1, 0}));
      EXPECT_EQ(p.padEnd, (Shape{2, 1}));
    } else {
      EXPECT_EQ(p.padBegin, (Shape{2, 1}));
      EXPECT_EQ(p.padEnd, (Shape{1, 0}));
    }
    EXPECT_EQ(net->inferShapesForBatch(4)[net->findTensor("y")], (Shape{4, 2, 3, 3})) << mode;
  }
}

TEST(OnnxLayers, PoolingAttributesAndGlobalPools) {
  OnnxModel m(19);
  m.input("x", {1, 3, 10, 10, 10});
  auto& mp = m.node("MaxPool", {"x"}, {"a"}, "mp");
  OnnxModel::attrInts(mp, "kernel_shape", {3, 3, 2});
  OnnxModel::attrInts(mp, "strides", {2, 2, 2});
  OnnxModel::attrInts(mp, "dilations", {2, 1, 1});
  OnnxModel::attr(mp, "ceil_mode", 1);
  auto& ap = m.node("AveragePool", {"x"}, {"b"}, "ap");
  OnnxModel::attrInts(ap, "kernel_shape", {2, 2, 2});
  OnnxModel::attrInts(ap, "pads", {1, 1, 1, 0, 0, 0});
  OnnxModel::attr(ap, "count_include_pad", 1);
  m.node("GlobalAveragePool", {"x"}, {"c"}, "gap");
  m.node("GlobalMaxPool", {"x"}, {"d"}, "gmp");
  for (const char* o : {"a", "b", "c", "d"}) m.output(o);
  auto net = m.import();
  const auto& a = producer(*net, "a")->as<PoolingParams>();
  EXPECT_EQ(a.type, PoolingType::kMAX);
  EXPECT_EQ(a.window, (Shape{3, 3, 2}));
  EXPECT_EQ(a.dilation, (Shape{2, 1, 1}));
  EXPECT_EQ(a.rounding, PoolRounding::kCEIL);
  const auto& b = producer(*net, "b")->as<PoolingParams>();
  EXPECT_EQ(b.type, PoolingType::kAVERAGE);
  EXPECT_FALSE(b.averageExcludesPadding);
  EXPECT_EQ(b.padBegin, (Shape{1, 1, 1}));
  EXPECT_EQ(b.stride, (Shape{1, 1, 1}));
  EXPECT_TRUE(producer(*net, "c")->as<PoolingParams>().global);
  EXPECT_EQ(producer(*net, "d")->as<PoolingParams>().type, PoolingType::kMAX);
  auto s = net->inferShapesForBatch(1);
  EXPECT_EQ(s[net->findTensor("a")], (Shape{1, 3, 4, 5, 5}));
  EXPECT_EQ(s[net->findTensor("c")], (Shape{1, 3, 1, 1, 1}));
}

TEST(OnnxLayers, GemmWithConstantBBecomesFullyConnectedWithAlphaBetaFolded) {
  OnnxModel m(13);
  m.input("a", {-1, 3});
  auto b = m.initRandom("B", {4, 3}, 5);  // transB: [N=4, K=3]
  auto c = m.initRandom("C", {4}, 6);
  auto& n = m.node("Gemm", {"a", "B", "C"}, {"y"}, "fc");
  OnnxModel::attrF(n, "alpha", 0.5f);
  OnnxModel::attrF(n, "beta", 2.f);
  OnnxModel::attr(n, "transB", 1);
  m.output("y");
  auto net = m.import();
  ASSERT_EQ(net->layers().size(), 1u);
  const auto& p = producer(*net, "y")->as<FullyConnectedParams>();
  EXPECT_EQ(p.nbOutputs, 4);
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(p.weights.values[i], 0.5f * b[i]);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(p.bias.values[i], 2.f * c[i]);
  EXPECT_EQ(net->inferShapesForBatch(7)[net->findTensor("y")], (Shape{7, 4}));
}

TEST(OnnxLayers, GemmWithoutTransposeTransposesWeightsForFullyConnected) {
  OnnxModel m(13);
  m.input("a", {2, 3});
  auto b = m.initRandom("B", {3, 4}, 7);  // [K=3, N=4]
  m.node("Gemm", {"a", "B"}, {"y"});
  m.output("y");
  auto net = m.import();
  const auto& p = producer(*net, "y")->as<FullyConnectedParams>();
  // W[n][k] = B[k][n]
  for (int k = 0; k < 3; ++k)
    for (int n = 0; n < 4; ++n) EXPECT_EQ(p.weights.values[n * 3 + k], b[k * 4 + n]);
  EXPECT_TRUE(p.bias.empty());
}

TEST(OnnxLayers, GemmWithRuntimeOperandsUsesMatMulScaleAndSum) {
  OnnxModel m(13);
  m.input("a", {3, 2});
  m.input("b", {3, 4});
  m.input("c", {1, 4});
  auto& n = m.node("Gemm", {"a", "b", "c"}, {"y"}, "g");
  OnnxModel::attr(n, "transA", 1);
  OnnxModel::attrF(n, "alpha", 0.25f);
  OnnxModel::attrF(n, "beta", 0.5f);
  m.output("y");
  auto net = m.import();
  auto mm = layersOfKind(*net, LayerKind::kMATMUL);
  ASSERT_EQ(mm.size(), 1u);
  EXPECT_TRUE(mm[0]->as<MatMulParams>().transposeA);
  EXPECT_FALSE(mm[0]->as<MatMulParams>().transposeB);
  auto scales = layersOfKind(*net, LayerKind::kSCALE);
  ASSERT_EQ(scales.size(), 2u);  // alpha on the product, beta on C
  EXPECT_EQ(producer(*net, "y")->kind(), LayerKind::kELEMENTWISE);
  EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{2, 4}));
}

TEST(OnnxLayers, BatchNormalizationFoldsIntoPerChannelScale) {
  OnnxModel m(15);
  m.input("x", {2, 3, 4});
  std::vector<float> s{1.f, 2.f, -1.f}, b{0.5f, -0.5f, 1.f}, mean{0.1f, 0.2f, 0.3f}, var{1.f, 4.f, 0.25f};
  m.init("s", {3}, s);
  m.init("b", {3}, b);
  m.init("m", {3}, mean);
  m.init("v", {3}, var);
  auto& n = m.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
  OnnxModel::attrF(n, "epsilon", 0.01f);
  m.output("y");
  auto net = m.import();
  const auto& p = producer(*net, "y")->as<ScaleParams>();
  EXPECT_EQ(p.mode, ScaleMode::kCHANNEL);
  for (int i = 0; i < 3; ++i) {
    float k = s[i] / std::sqrt(var[i] + 0.01f);
    EXPECT_NEAR(p.scale.values[i], k, 1e-6);
    EXPECT_NEAR(p.shift.values[i], b[i] - mean[i] * k, 1e-6);
  }
  EXPECT_TRUE(p.power.empty());
}

TEST(OnnxLayers, BatchNormalizationTrainingModeIsUnsupported) {
  OnnxModel m(15);
  m.input("x", {2, 3, 4});
  for (const char* p : {"s", "b", "m", "v"}) m.initRandom(p, {3}, 9);
  auto& n = m.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"}, "bn");
  OnnxModel::attr(n, "training_mode", 1);
  m.output("y");
  EXPECT_THROW(m.import(), onnx_import::UnsupportedError);
  EXPECT_NE(m.importError().find("node 'bn' (BatchNormalization)"), std::string::npos) << m.importError();
  EXPECT_NE(m.importError().find("training_mode"), std::string::npos);
}

TEST(OnnxLayers, SoftmaxAxisAndSemanticsDependOnOpset) {
  for (int64_t opset : {11, 13}) {
    OnnxModel m(opset);
    m.input("x", {2, 3, 4});
    m.node("Softmax", {"x"}, {"y"});
    m.node("LogSoftmax", {"x"}, {"z"});
    m.output("y");
    m.output("z");
    auto net = m.import();
    const auto& sm = producer(*net, "y")->as<SoftMaxParams>();
    const auto& lsm = producer(*net, "z")->as<SoftMaxParams>();
    if (opset == 11) {  // default axis 1, flattened to 2-D
      EXPECT_EQ(sm.axis, 1);
      EXPECT_TRUE(sm.coerce2D);
    } else {  // default axis -1: the last one
      EXPECT_EQ(sm.axis, 2);
      EXPECT_FALSE(sm.coerce2D);
    }
    EXPECT_FALSE(sm.log);
    EXPECT_TRUE(lsm.log);
    EXPECT_EQ(lsm.axis, sm.axis);
  }
}

TEST(OnnxLayers, ClipBoundsAreAttributesBeforeOpset11AndInputsAfter) {
  {
    OnnxModel m(6, 3);
    m.input("x", {4});
    auto& n = m.node("Clip", {"x"}, {"y"});
    OnnxModel::attrF(n, "min", -0.5f);
    OnnxModel::attrF(n, "max", 2.f);
    m.output("y");
    auto net = m.import();
    const auto& a = producer(*net, "y")->as<ActivationParams>().activation;
    EXPECT_EQ(a.type, ActivationType::kCLIP);
    EXPECT_EQ(a.alpha, -0.5f);
    EXPECT_EQ(a.beta, 2.f);
  }
  {
    OnnxModel m(12);
    m.input("x", {4});
    m.init("hi", {}, {3.f});
    m.node("Clip", {"x", "", "hi"}, {"y"});  // min omitted
    m.output("y");
    auto net = m.import();
    const auto& a = producer(*net, "y")->as<ActivationParams>().activation;
    EXPECT_TRUE(std::isinf(a.alpha) && a.alpha < 0);
    EXPECT_EQ(a.beta, 3.f);
  }
  {
    OnnxModel m(13);
    m.input("x", {4});
    m.init("lo", {}, {2.f});
    m.init("hi", {}, {1.f});
    m.node("Clip", {"x", "lo", "hi"}, {"y"});
    m.output("y");
    auto net = m.import();
    const auto& a = producer(*net, "y")->as<ActivationParams>().activation;
    EXPECT_EQ(a.alpha, 1.f);  // min > max: every value becomes max
    EXPECT_EQ(a.beta, 1.f);
  }
}

TEST(OnnxLayers, ActivationsCarryTheirSpecDefaults) {
  OnnxModel m(13);
  m.input("x", {2, 3});
  m.node("LeakyRelu", {"x"}, {"a"});
  m.node("HardSigmoid", {"x"}, {"b"});
  m.node("Selu", {"x"}, {"c"});
  m.node("Elu", {"x"}, {"d"});
  m.node("Softsign", {"x"}, {"e"});
  for (const char* o : {"a", "b", "c", "d", "e"}) m.output(o);
  auto net = m.import();
  auto act = [&](const char* t) { return producer(*net, t)->as<ActivationParams>().activation; };
  EXPECT_EQ(act("a").type, ActivationType::kLEAKY_RELU);
  EXPECT_FLOAT_EQ(act("a").alpha, 0.01f);
  EXPECT_FLOAT_EQ(act("b").alpha, 0.2f);
  EXPECT_FLOAT_EQ(act("b").beta, 0.5f);
  EXPECT_NEAR(act("c").alpha, 1.6732632f, 1e-6);
  EXPECT_NEAR(act("c").beta, 1.0507010f, 1e-6);
  EXPECT_FLOAT_EQ(act("d").alpha, 1.f);
  EXPECT_EQ(act("e").type, ActivationType::kSOFTSIGN);
}

TEST(OnnxLayers, ElementwiseBroadcastWithConstantsAndVariadicSum) {
  OnnxModel m(13);
  m.input("x", {3, 4, 5});
  m.input("y", {3, 4, 5});
  m.input("z", {5});
  m.initRandom("k", {5}, 11);
  m.node("Mul", {"x", "k"}, {"a"}, "mul");
  m.node("Sum", {"a", "y", "z"}, {"s"}, "sum");
  m.output("s");
  auto net = m.import();
  auto consts = layersOfKind(*net, LayerKind::kCONSTANT);
  ASSERT_EQ(consts.size(), 1u);
  EXPECT_EQ(consts[0]->as<ConstantParams>().shape, (Shape{5}));
  auto ew = layersOfKind(*net, LayerKind::kELEMENTWISE);
  ASSERT_EQ(ew.size(), 3u);  // one Mul, two for the three-input Sum
  EXPECT_EQ(ew[0]->as<ElementWiseParams>().op, ElementWiseOp::kPROD);
  EXPECT_EQ(ew[2]->as<ElementWiseParams>().op, ElementWiseOp::kSUM);
  EXPECT_EQ(ew[2]->name, "sum");
  EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("s")], (Shape{3, 4, 5}));
}

TEST(OnnxLayers, PRelu_Opset6SlopeIsPerChannel) {
  OnnxModel m(6, 3);
  m.input("x", {2, 3, 4});
  m.initRandom("slope", {3}, 12);
  m.node("PRelu", {"x", "slope"}, {"y"});
  m.output("y");
  auto net = m.import();
  EXPECT_EQ(producer(*net, "y")->as<PReLUParams>().slopeShape, (Shape{3, 1}));
}

TEST(OnnxLayers, PadModesAttributesAndAxesInput) {
  {
    OnnxModel m(6, 3);
    m.input("x", {1, 2, 3, 3});
    auto& n = m.node("Pad", {"x"}, {"y"});
    OnnxModel::attrS(n, "mode", "reflect");
    OnnxModel::attrInts(n, "pads", {0, 0, 1, 2, 0, 0, 2, 1});
    m.output("y");
    auto net = m.import();
    const auto& p = producer(*net, "y")->as<PaddingParams>();
    EXPECT_EQ(p.mode, PaddingMode::kREFLECT);
    EXPECT_EQ(p.padBegin, (Shape{0, 0, 1, 2}));
    EXPECT_EQ(p.padEnd, (Shape{0, 0, 2, 1}));
  }
  {
    OnnxModel m(19);
    m.input("x", {1, 2, 3, 3});
    m.initInt64("pads", {4}, {1, 2, 3, 0});
    m.init("v", {}, {1.5f});
    m.initInt64("axes", {2}, {-1, 1});
    auto& n = m.node("Pad", {"x", "pads", "v", "axes"}, {"y"});
    OnnxModel::attrS(n, "mode", "wrap");
    m.output("y");
    auto net = m.import();
    const auto& p = producer(*net, "y")->as<PaddingParams>();
    EXPECT_EQ(p.mode, PaddingMode::kWRAP);
    EXPECT_EQ(p.padBegin, (Shape{0, 2, 0, 1}));
    EXPECT_EQ(p.padEnd, (Shape{0, 0, 0, 3}));
    EXPECT_EQ(p.value, 1.5f);
  }
}

TEST(OnnxLayers, SqueezeAndUnsqueezeAxesByOpset) {
  for (int64_t opset : {11, 13}) {
    OnnxModel m(opset);
    m.input("x", {3, 1, 4});
    if (opset < 13) {
      OnnxModel::attrInts(m.node("Squeeze", {"x"}, {"a"}), "axes", {1});
      OnnxModel::attrInts(m.node("Unsqueeze", {"a"}, {"b"}), "axes", {0, -1});
    } else {
      m.initInt64("sq", {1}, {-2});
      m.initInt64("un", {2}, {0, -1});
      m.node("Squeeze", {"x", "sq"}, {"a"});
      m.node("Unsqueeze", {"a", "un"}, {"b"});
    }
    m.output("b");
    auto net = m.import();
    auto s = net->inferShapesForBatch(1);
    EXPECT_EQ(s[net->findTensor("a")], (Shape{3, 4})) << opset;
    EXPECT_EQ(s[net->findTensor("b")], (Shape{1, 3, 4, 1})) << opset;
  }
}

TEST(OnnxLayers, ReshapeZeroCopiesAndMinusOneInfers) {
  OnnxModel m(13);
  m.input("x", {2, 3, 4});
  m.initInt64("shape", {3}, {0, -1, 2});
  m.node("Reshape", {"x", "shape"}, {"y"});
  auto& f = m.node("Flatten", {"y"}, {"z"});
  OnnxModel::attr(f, "axis", -1);
  m.node("Transpose", {"z"}, {"t"});
  m.output("t");
  auto net = m.import();
  auto s = net->inferShapesForBatch(1);
  EXPECT_EQ(s[net->findTensor("y")], (Shape{2, 6, 2}));
  EXPECT_EQ(s[net->findTensor("z")], (Shape{12, 2}));
  EXPECT_EQ(s[net->findTensor("t")], (Shape{2, 12}));
  EXPECT_EQ(producer(*net, "t")->as<ShuffleParams>().firstTranspose, (std::vector<int>{1, 0}));
}

TEST(OnnxLayers, DropoutIsAnIdentityAndItsMaskIsUnsupported) {
  {
    OnnxModel m(13);
    m.input("x", {2, 3});
    m.node("Dropout", {"x"}, {"d", "unused_mask"});
    m.node("Relu", {"d"}, {"y"});
    m.output("y");
    auto net = m.import();
    ASSERT_EQ(net->layers().size(), 1u);  // the Relu reads x directly
    EXPECT_EQ(net->layers()[0].inputs[0], net->findTensor("x"));
  }
  {
    OnnxModel m(13);
    m.input("x", {2, 3});
    m.node("Dropout", {"x"}, {"y", "mask"}, "drop");
    m.output("y");
    m.output("mask", 9);
    EXPECT_THROW(m.import(), onnx_import::UnsupportedError);
  }
}

TEST(OnnxLayers, LrnAndConcatParameters) {
  OnnxModel m(13);
  m.input("x", {1, 4, 2, 2});
  auto& n = m.node("LRN", {"x"}, {"l"});
  OnnxModel::attr(n, "size", 3);
  OnnxModel::attrF(n, "alpha", 2e-4f);
  OnnxModel::attrF(n, "bias", 2.f);
  OnnxModel::attr(m.node("Concat", {"x", "l"}, {"c"}), "axis", -3);
  m.output("c");
  auto net = m.import();
  const auto& p = producer(*net, "l")->as<LRNParams>();
  EXPECT_EQ(p.size, 3);
  EXPECT_FLOAT_EQ(p.alpha, 2e-4f);
  EXPECT_FLOAT_EQ(p.beta, 0.75f);
  EXPECT_FLOAT_EQ(p.k, 2.f);
  EXPECT_EQ(producer(*net, "c")->as<ConcatenationParams>().axis, 1);
  EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("c")], (Shape{1, 8, 2, 2}));
}

// Forms of old opsets: Reshape's shape attribute (< 5), Concat's default axis (< 4), Pad's
// "paddings" (< 2), Cast's string type (< 6), and "broadcast=1, axis" alignment (< 7).
TEST(OnnxLayers, LegacyOpsetForms) {
  {
    OnnxModel m(3, 3);
    m.input("x", {2, 3, 4});
    OnnxModel::attrInts(m.node("Reshape", {"x"}, {"r"}), "shape", {0, -1});
    m.node("Concat", {"r", "r"}, {"c"});
    m.output("c");
    auto net = m.import();
    EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("c")], (Shape{2, 24}));
  }
  {
    OnnxModel m(1, 3);
    m.input("x", {1, 2});
    OnnxModel::attrInts(m.node("Pad", {"x"}, {"y"}), "paddings", {0, 1, 0, 2});
    m.output("y");
    auto net = m.import();
    EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{1, 5}));
  }
  {
    OnnxModel m(5, 3);
    m.input("x", {2, 6});
    m.initInt64("dims", {2}, {3, 4});
    OnnxModel::attrS(m.node("Cast", {"dims"}, {"d"}), "to", "INT64");
    m.node("Reshape", {"x", "d"}, {"y"});
    m.output("y");
    auto net = m.import();
    EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{3, 4}));
  }
  {
    OnnxModel m(6, 3);
    m.input("x", {2, 3, 4, 5});
    m.initRandom("b", {3}, 61);
    auto& n = m.node("Add", {"x", "b"}, {"y"});
    OnnxModel::attr(n, "broadcast", 1);
    OnnxModel::attr(n, "axis", 1);
    m.output("y");
    auto net = m.import();
    auto consts = layersOfKind(*net, LayerKind::kCONSTANT);
    ASSERT_EQ(consts.size(), 1u);
    EXPECT_EQ(consts[0]->as<ConstantParams>().shape, (Shape{1, 3, 1, 1}));
    EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{2, 3, 4, 5}));
  }
}

TEST(OnnxLayers, MeanIsSumThenScale) {
  OnnxModel m(13);
  m.input("a", {2, 3});
  m.input("b", {2, 3});
  m.input("c", {3});
  m.node("Mean", {"a", "b", "c"}, {"y"});
  m.output("y");
  auto net = m.import();
  const auto& p = producer(*net, "y")->as<ScaleParams>();
  EXPECT_EQ(p.mode, ScaleMode::kUNIFORM);
  EXPECT_FLOAT_EQ(p.scale.values.at(0), 1.f / 3.f);
  EXPECT_EQ(layersOfKind(*net, LayerKind::kELEMENTWISE).size(), 2u);
}

}  // namespace
}  // namespace int8rt

// Per-layer conversions of the Caffe importer: parameters, weights and output shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "caffe_test_util.h"

namespace int8rt {
namespace {

using namespace caffe_testing;

// A prototxt with one 4-d input "data" of the given dims, followed by `layers`.
std::string withInput(const std::string& dims, const std::string& layers) {
  return "input: \"data\" input_shape { " + dims + " }\n" + layers;
}

TEST(CaffeLayers, ConvolutionParameters) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 4 dim: 11 dim: 13", R"(
    layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
            convolution_param { num_output: 6 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 1
                                pad_h: 1 pad_w: 2 group: 2 dilation: 2 bias_term: false } })");
  caffe::NetParameter model = makeModel({{"conv", {{6, 2, 3, 5}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& p = findLayer(**r, "conv")->as<ConvolutionParams>();
  EXPECT_EQ(p.kernel, (Shape{3, 5}));
  EXPECT_EQ(p.stride, (Shape{2, 1}));
  EXPECT_EQ(p.padBegin, (Shape{1, 2}));
  EXPECT_EQ(p.padEnd, (Shape{1, 2}));
  EXPECT_EQ(p.dilation, (Shape{2, 2}));
  EXPECT_EQ(p.groups, 2);
  EXPECT_TRUE(p.bias.empty());
  // H: (11 + 2 - 5) / 2 + 1 = 5; W: (13 + 4 - 9) / 1 + 1 = 9.
  EXPECT_EQ((*r)->inferShapesForBatch(2)[(*r)->findTensor("conv")], (Shape{2, 6, 5, 9}));
}

TEST(CaffeLayers, PoolingRoundsUpAndAveragesOverThePaddedWindow) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 2 dim: 6 dim: 6", R"(
    layer { name: "max" type: "Pooling" bottom: "data" top: "max"
            pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
    layer { name: "ave" type: "Pooling" bottom: "data" top: "ave"
            pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
    layer { name: "floor" type: "Pooling" bottom: "data" top: "floor"
            pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const auto& mx = findLayer(net, "max")->as<PoolingParams>();
  EXPECT_EQ(mx.rounding, PoolRounding::kCEIL);
  EXPECT_EQ(mx.window, (Shape{3, 3}));
  EXPECT_EQ(mx.stride, (Shape{2, 2}));
  const auto& ave = findLayer(net, "ave")->as<PoolingParams>();
  EXPECT_EQ(ave.type, PoolingType::kAVERAGE);
  EXPECT_FALSE(ave.averageExcludesPadding);
  EXPECT_EQ(ave.padBegin, (Shape{1, 1}));
  auto shapes = net.inferShapesForBatch(1);
  EXPECT_EQ(shapes[net.findTensor("max")], (Shape{1, 2, 3, 3}));    // ceil((6-3)/2)+1 = 3
  EXPECT_EQ(shapes[net.findTensor("ave")], (Shape{1, 2, 4, 4}));    // ceil((8-3)/2)+1 = 4
  EXPECT_EQ(shapes[net.findTensor("floor")], (Shape{1, 2, 2, 2}));  // floor: 2
  EXPECT_EQ(net.outputs().size(), 3u);
}

TEST(CaffeLayers, GlobalPooling) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 8 dim: 7 dim: 5", R"(
    layer { name: "gap" type: "Pooling" bottom: "data" top: "gap"
            pooling_param { pool: AVE global_pooling: true } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& p = findLayer(**r, "gap")->as<PoolingParams>();
  EXPECT_TRUE(p.global);
  EXPECT_EQ(p.window, (Shape{7, 5}));
  EXPECT_EQ((*r)->inferShapesForBatch(3)[(*r)->findTensor("gap")], (Shape{3, 8, 1, 1}));
}

TEST(CaffeLayers, InnerProductTransposeAndLaterAxis) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3 dim: 4", R"(
    layer { name: "t" type: "InnerProduct" bottom: "data" top: "t"
            inner_product_param { num_output: 2 transpose: true bias_term: false } }
    layer { name: "a2" type: "InnerProduct" bottom: "data" top: "a2"
            inner_product_param { num_output: 5 axis: 2 } })");
  caffe::NetParameter model = makeModel({{"t", {{12, 2}}}, {"a2", {{5, 4}, {5}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  // Stored [C=12, K=2]; the network holds [K, C].
  std::vector<float> stored = blobData(model, "t", 0);
  const auto& t = findLayer(net, "t")->as<FullyConnectedParams>();
  ASSERT_EQ(t.weights.count(), 24);
  for (int k = 0; k < 2; ++k)
    for (int c = 0; c < 12; ++c) EXPECT_EQ(t.weights.values[k * 12 + c], stored[c * 2 + k]);
  // axis 2 keeps [N, 3] and maps the last dim: [N, 3, 4] -> [N, 3, 5].
  EXPECT_EQ(net.inferShapesForBatch(2)[net.findTensor("a2")], (Shape{2, 3, 5}));
  EXPECT_EQ(findLayer(net, "a2")->kind(), LayerKind::kELEMENTWISE);  // the bias add
  EXPECT_TRUE(net.validate().isOk()) << net.validate().message();
}

TEST(CaffeLayers, ActivationsAndSoftmaxAxis) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3 dim: 2 dim: 2", R"(
    layer { name: "leaky" type: "ReLU" bottom: "data" top: "leaky" relu_param { negative_slope: 0.125 } }
    layer { name: "sig" type: "Sigmoid" bottom: "leaky" top: "sig" }
    layer { name: "tanh" type: "TanH" bottom: "sig" top: "tanh" }
    layer { name: "sm" type: "Softmax" bottom: "tanh" top: "sm" softmax_param { axis: -1 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const auto& leaky = findLayer(net, "leaky")->as<ActivationParams>().activation;
  EXPECT_EQ(leaky.type, ActivationType::kLEAKY_RELU);
  EXPECT_FLOAT_EQ(leaky.alpha, 0.125f);
  EXPECT_EQ(findLayer(net, "sig")->as<ActivationParams>().activation.type, ActivationType::kSIGMOID);
  EXPECT_EQ(findLayer(net, "tanh")->as<ActivationParams>().activation.type, ActivationType::kTANH);
  EXPECT_EQ(findLayer(net, "sm")->as<SoftMaxParams>().axis, 3);
}

TEST(CaffeLayers, MoreActivationsAndExp) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3", R"(
    layer { name: "abs" type: "AbsVal" bottom: "data" top: "abs" }
    layer { name: "elu" type: "ELU" bottom: "abs" top: "elu" elu_param { alpha: 0.5 } }
    layer { name: "bnll" type: "BNLL" bottom: "elu" top: "bnll" }
    layer { name: "clip" type: "Clip" bottom: "bnll" top: "clip" clip_param { min: -1 max: 2 } }
    layer { name: "exp" type: "Exp" bottom: "clip" top: "exp"
            exp_param { base: 2 scale: 3 shift: 1 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  auto act = [&](const char* name) { return findLayer(net, name)->as<ActivationParams>().activation; };
  EXPECT_EQ(act("abs").type, ActivationType::kABS);
  EXPECT_EQ(act("elu").type, ActivationType::kELU);
  EXPECT_FLOAT_EQ(act("elu").alpha, 0.5f);
  EXPECT_EQ(act("bnll").type, ActivationType::kSOFTPLUS);
  EXPECT_EQ(act("clip").type, ActivationType::kCLIP);
  EXPECT_FLOAT_EQ(act("clip").beta, 2.f);
  // 2^(1 + 3x) = exp(ln2 + 3 ln2 x)
  const auto& affine = findLayer(net, "exp/affine")->as<ScaleParams>();
  EXPECT_FLOAT_EQ(affine.scale.values.at(0), 3.f * std::log(2.f));
  EXPECT_FLOAT_EQ(affine.shift.values.at(0), std::log(2.f));
  EXPECT_EQ(act("exp").type, ActivationType::kEXP);
}

TEST(CaffeLayers, BlobShapesDifferingOnlyInUnitDimsAreAccepted) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3 dim: 2 dim: 2", R"(
    layer { name: "sc" type: "Scale" bottom: "data" top: "sc" }
    layer { name: "fc" type: "InnerProduct" bottom: "sc" top: "fc"
            inner_product_param { num_output: 2 bias_term: false } })");
  caffe::NetParameter model = makeModel({{"sc", {{1, 3, 1, 1}}}, {"fc", {{2, 12, 1, 1}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(findLayer(**r, "sc")->as<ScaleParams>().scale.values, blobData(model, "sc", 0));
}

TEST(CaffeLayers, PReLUSlopesBroadcastPerChannel) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3 dim: 2 dim: 2", R"(
    layer { name: "p" type: "PReLU" bottom: "data" top: "p" }
    layer { name: "q" type: "PReLU" bottom: "p" top: "q" prelu_param { channel_shared: true } })");
  caffe::NetParameter model = makeModel({{"p", {{3}}}, {"q", {{1}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& p = findLayer(**r, "p")->as<PReLUParams>();
  EXPECT_EQ(p.slopeShape, (Shape{3, 1, 1}));
  EXPECT_EQ(p.slope.values, blobData(model, "p", 0));
  EXPECT_EQ(findLayer(**r, "q")->as<PReLUParams>().slopeShape, (Shape{1}));
  EXPECT_TRUE((*r)->validate().isOk()) << (*r)->validate().message();
}

TEST(CaffeLayers, BatchNormAndScaleFoldToPerChannelFactors) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 3 dim: 2 dim: 2", R"(
    layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn"
            batch_norm_param { use_global_stats: true eps: 0.001 } }
    layer { name: "sc" type: "Scale" bottom: "bn" top: "sc" scale_param { bias_term: true } })");
  caffe::NetParameter model;
  auto* bn = model.add_layer();
  bn->set_name("bn");
  std::vector<std::vector<float>> bnBlobs = {{2.f, -4.f, 0.5f}, {8.f, 2.f, 0.25f}, {2.f}};
  for (const auto& v : bnBlobs) {
    auto* b = bn->add_blobs();
    b->mutable_shape()->add_dim(static_cast<int64_t>(v.size()));
    for (float x : v) b->add_data(x);
  }
  *model.add_layer() = makeModel({{"sc", {{3}, {3}}}}).layer(0);
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const auto& b = findLayer(net, "bn")->as<ScaleParams>();
  EXPECT_EQ(b.mode, ScaleMode::kCHANNEL);
  ASSERT_EQ(b.scale.count(), 3);
  ASSERT_EQ(b.shift.count(), 3);
  for (int c = 0; c < 3; ++c) {
    // The stored statistics are sums weighted by the factor blob (2): mean = m/2, var = v/2.
    double mean = bnBlobs[0][c] / 2.0, var = bnBlobs[1][c] / 2.0;
    double s = 1.0 / std::sqrt(var + 0.001);
    EXPECT_NEAR(b.scale.values[c], s, 1e-6 * s);
    EXPECT_NEAR(b.shift.values[c], -mean * s, 1e-5);
  }
  const auto& sc = findLayer(net, "sc")->as<ScaleParams>();
  EXPECT_EQ(sc.mode, ScaleMode::kCHANNEL);
  EXPECT_EQ(sc.scale.values, blobData(model, "sc", 0));
  EXPECT_EQ(sc.shift.values, blobData(model, "sc", 1));
  EXPECT_TRUE(sc.power.empty());
}

TEST(CaffeLayers, ScaleOverSpatialDimsExpandsToElementwise) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 2 dim: 3", R"(
    layer { name: "s" type: "Scale" bottom: "data" top: "s" scale_param { axis: 2 num_axes: 1 } })");
  caffe::NetParameter model = makeModel({{"s", {{3}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& s = findLayer(**r, "s")->as<ScaleParams>();
  EXPECT_EQ(s.mode, ScaleMode::kELEMENTWISE);
  std::vector<float> v = blobData(model, "s", 0);
  EXPECT_EQ(s.scale.values, (std::vector<float>{v[0], v[1], v[2], v[0], v[1], v[2]}));
}

TEST(CaffeLayers, PowerBecomesUniformScale) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 2", R"(
    layer { name: "pw" type: "Power" bottom: "data" top: "pw"
            power_param { power: 2 scale: 0.5 shift: -1 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& p = findLayer(**r, "pw")->as<ScaleParams>();
  EXPECT_EQ(p.mode, ScaleMode::kUNIFORM);
  EXPECT_EQ(p.power.values, std::vector<float>{2.f});
  EXPECT_EQ(p.scale.values, std::vector<float>{0.5f});
  EXPECT_EQ(p.shift.values, std::vector<float>{-1.f});
}

TEST(CaffeLayers, LRNAcrossChannels) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 8 dim: 4 dim: 4", R"(
    layer { name: "norm" type: "LRN" bottom: "data" top: "norm"
            lrn_param { local_size: 3 alpha: 0.0002 beta: 0.5 k: 2 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& p = findLayer(**r, "norm")->as<LRNParams>();
  EXPECT_EQ(p.size, 3);
  EXPECT_FLOAT_EQ(p.alpha, 0.0002f);
  EXPECT_FLOAT_EQ(p.beta, 0.5f);
  EXPECT_FLOAT_EQ(p.k, 2.f);
}

TEST(CaffeLayers, EltwiseWithThreeBottomsChainsAndWeighsEachOnce) {
  Fixture fx;
  const char* text = R"(
    input: "a" input_shape { dim: 1 dim: 4 }
    input: "b" input_shape { dim: 1 dim: 4 }
    input: "c" input_shape { dim: 1 dim: 4 }
    layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "sum"
            eltwise_param { operation: SUM coeff: 1 coeff: -1 coeff: 2 } }
    layer { name: "mx" type: "Eltwise" bottom: "a" bottom: "b" top: "mx"
            eltwise_param { operation: MAX } })";
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const Layer* part = findLayer(net, "sum/part1");
  const Layer* sum = findLayer(net, "sum");
  ASSERT_TRUE(part && sum);
  EXPECT_EQ(part->as<ElementWiseParams>().coeffs, (std::vector<float>{1.f, -1.f}));
  EXPECT_EQ(sum->as<ElementWiseParams>().coeffs, (std::vector<float>{1.f, 2.f}));
  EXPECT_EQ(sum->inputs, (std::vector<TensorId>{part->output(), net.findTensor("c")}));
  EXPECT_EQ(findLayer(net, "mx")->as<ElementWiseParams>().op, ElementWiseOp::kMAX);
}

TEST(CaffeLayers, ConcatAxisAndLegacyConcatDim) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 2 dim: 3 dim: 3", R"(
    layer { name: "c1" type: "Concat" bottom: "data" bottom: "data" top: "c1" }
    layer { name: "c2" type: "Concat" bottom: "data" bottom: "data" top: "c2"
            concat_param { concat_dim: 2 } }
    layer { name: "c3" type: "Concat" bottom: "data" bottom: "data" top: "c3"
            concat_param { axis: -1 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  auto shapes = net.inferShapesForBatch(2);
  EXPECT_EQ(shapes[net.findTensor("c1")], (Shape{2, 4, 3, 3}));
  EXPECT_EQ(shapes[net.findTensor("c2")], (Shape{2, 2, 6, 3}));
  EXPECT_EQ(shapes[net.findTensor("c3")], (Shape{2, 2, 3, 6}));
}

TEST(CaffeLayers, FlattenAndReshapeKeepTheBatchDynamic) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 2 dim: 3 dim: 4", R"(
    layer { name: "flat" type: "Flatten" bottom: "data" top: "flat" }
    layer { name: "mid" type: "Flatten" bottom: "data" top: "mid"
            flatten_param { axis: 1 end_axis: 2 } }
    layer { name: "rs" type: "Reshape" bottom: "data" top: "rs"
            reshape_param { shape { dim: 1 dim: -1 dim: 4 } } }
    layer { name: "part" type: "Reshape" bottom: "data" top: "part"
            reshape_param { shape { dim: 3 dim: 2 } axis: 1 num_axes: 2 } })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  EXPECT_EQ(findLayer(net, "flat")->as<ShuffleParams>().reshapeDims, (Shape{0, 24}));
  EXPECT_EQ(findLayer(net, "mid")->as<ShuffleParams>().reshapeDims, (Shape{0, 6, 4}));
  // The literal 1 is the prototxt's batch size: it stays "copy the batch".
  EXPECT_EQ(findLayer(net, "rs")->as<ShuffleParams>().reshapeDims, (Shape{0, -1, 4}));
  EXPECT_EQ(findLayer(net, "part")->as<ShuffleParams>().reshapeDims, (Shape{0, 3, 2, 0}));
  auto shapes = net.inferShapesForBatch(5);
  EXPECT_EQ(shapes[net.findTensor("flat")], (Shape{5, 24}));
  EXPECT_EQ(shapes[net.findTensor("mid")], (Shape{5, 6, 4}));
  EXPECT_EQ(shapes[net.findTensor("rs")], (Shape{5, 6, 4}));
  EXPECT_EQ(shapes[net.findTensor("part")], (Shape{5, 3, 2, 4}));
}

TEST(CaffeLayers, SplitAliasesAndDropoutIsIdentity) {
  Fixture fx;
  auto text = withInput("dim: 1 dim: 4", R"(
    layer { name: "split" type: "Split" bottom: "data" top: "s1" top: "s2" }
    layer { name: "drop" type: "Dropout" bottom: "s1" top: "d" }
    layer { name: "sum" type: "Eltwise" bottom: "d" bottom: "s2" top: "sum" })");
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  ASSERT_EQ(net.layers().size(), 2u);
  EXPECT_EQ(findLayer(net, "drop")->kind(), LayerKind::kIDENTITY);
  EXPECT_EQ(findLayer(net, "drop")->inputs, std::vector<TensorId>{net.inputs()[0]});
  EXPECT_EQ(findLayer(net, "sum")->inputs[1], net.inputs()[0]);
}

}  // namespace
}  // namespace int8rt

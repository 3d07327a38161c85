// Whole-network behaviour of the Caffe importer: layer kinds, weights, shapes, naming, the
// legacy syntaxes and phase filtering.
#include <gtest/gtest.h>

#include <array>

#include "caffe_test_util.h"

namespace int8rt {
namespace {

using namespace caffe_testing;

TEST(CaffeImport, LeNetLayersShapesAndOutputs) {
  Fixture fx;
  caffe::NetParameter model = makeModel(leNetBlobs());
  auto r = fx.parse(kLeNetPrototxt, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  EXPECT_EQ(net.name, "LeNet");
  ASSERT_EQ(net.inputs().size(), 1u);
  // The prototxt's batch of 64 is not binding: the input's batch is dynamic.
  EXPECT_EQ(net.tensor(net.inputs()[0]).name, "data");
  EXPECT_EQ(net.tensor(net.inputs()[0]).shape, (Shape{-1, 1, 28, 28}));

  std::vector<LayerKind> kinds;
  for (const Layer& l : net.layers()) kinds.push_back(l.kind());
  EXPECT_EQ(kinds, (std::vector<LayerKind>{LayerKind::kCONVOLUTION, LayerKind::kPOOLING,
                                           LayerKind::kCONVOLUTION, LayerKind::kPOOLING,
                                           LayerKind::kFULLY_CONNECTED, LayerKind::kACTIVATION,
                                           LayerKind::kFULLY_CONNECTED, LayerKind::kSOFTMAX}));
  ASSERT_EQ(net.outputs().size(), 1u);
  EXPECT_EQ(net.tensor(net.outputs()[0]).name, "prob");

  std::vector<Shape> shapes = net.inferShapesForBatch(3);
  EXPECT_EQ(shapes[net.findTensor("conv1")], (Shape{3, 20, 24, 24}));
  EXPECT_EQ(shapes[net.findTensor("pool2")], (Shape{3, 50, 4, 4}));
  EXPECT_EQ(shapes[net.findTensor("ip1")], (Shape{3, 500}));
  EXPECT_EQ(shapes[net.findTensor("prob")], (Shape{3, 10}));
  EXPECT_TRUE(net.validate().isOk()) << net.validate().message();
}

TEST(CaffeImport, WeightsAreCopiedExactly) {
  Fixture fx;
  caffe::NetParameter model = makeModel(leNetBlobs(), 42);
  auto r = fx.parse(kLeNetPrototxt, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& conv2 = findLayer(**r, "conv2")->as<ConvolutionParams>();
  EXPECT_EQ(conv2.weights.values, blobData(model, "conv2", 0));
  EXPECT_EQ(conv2.bias.values, blobData(model, "conv2", 1));
  EXPECT_EQ(conv2.nbOutputMaps, 50);
  EXPECT_EQ(conv2.kernel, (Shape{5, 5}));
  const auto& ip1 = findLayer(**r, "ip1")->as<FullyConnectedParams>();
  EXPECT_EQ(ip1.nbOutputs, 500);
  EXPECT_EQ(ip1.weights.values, blobData(model, "ip1", 0));
  EXPECT_EQ(ip1.bias.values, blobData(model, "ip1", 1));
}

TEST(CaffeImport, InPlaceReluGetsTheBlobName) {
  Fixture fx;
  caffe::NetParameter model = makeModel(leNetBlobs());
  auto r = fx.parse(kLeNetPrototxt, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const Layer* ip1 = findLayer(net, "ip1");
  const Layer* relu = findLayer(net, "relu1");
  ASSERT_TRUE(ip1 && relu);
  // The blob name means its latest value (after the ReLU), as in Caffe after a forward pass.
  EXPECT_EQ(net.tensor(relu->output()).name, "ip1");
  EXPECT_EQ(net.tensor(ip1->output()).name, "ip1_output");
  EXPECT_EQ(relu->inputs, std::vector<TensorId>{ip1->output()});
  EXPECT_EQ(findLayer(net, "ip2")->inputs, std::vector<TensorId>{relu->output()});
  EXPECT_EQ(relu->as<ActivationParams>().activation.type, ActivationType::kRELU);
}

TEST(CaffeImport, ChainOfInPlaceLayersKeepsNamesUnique) {
  Fixture fx;
  const char* text = R"(
    input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
    layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
            convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
    layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
    layer { name: "sc" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
    layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" })";
  caffe::NetParameter model = makeModel({{"conv", {{4, 3, 3, 3}, {4}}},
                                         {"bn", {{4}, {4}, {1}}},
                                         {"sc", {{4}, {4}}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  EXPECT_EQ(net.tensor(findLayer(net, "conv")->output()).name, "conv_output");
  EXPECT_EQ(net.tensor(findLayer(net, "bn")->output()).name, "bn_output");
  EXPECT_EQ(net.tensor(findLayer(net, "sc")->output()).name, "sc_output");
  EXPECT_EQ(net.tensor(findLayer(net, "relu")->output()).name, "conv");
  ASSERT_EQ(net.outputs().size(), 1u);
  EXPECT_EQ(net.outputs()[0], findLayer(net, "relu")->output());
}

TEST(CaffeImport, InPlaceLayersOnAnInputKeepTheInputName) {
  Fixture fx;
  const char* text = R"(
    input: "data" input_shape { dim: 1 dim: 3 }
    layer { name: "scale" type: "Power" bottom: "data" top: "data" power_param { scale: 2 } }
    layer { name: "relu" type: "ReLU" bottom: "data" top: "data" }
    layer { name: "sig" type: "Sigmoid" bottom: "data" top: "out" })";
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  EXPECT_EQ(net.tensor(net.inputs()[0]).name, "data");
  EXPECT_EQ(net.tensor(findLayer(net, "scale")->output()).name, "scale_output");
  EXPECT_EQ(net.tensor(findLayer(net, "relu")->output()).name, "relu_output");
  EXPECT_EQ(findLayer(net, "sig")->inputs, std::vector<TensorId>{findLayer(net, "relu")->output()});
  EXPECT_TRUE(net.validate().isOk()) << net.validate().message();
}

TEST(CaffeImport, LegacyV1LayersAndLegacyBlobDims) {
  Fixture fx;
  const char* text = R"(
    name: "old"
    input: "data"
    input_dim: 10 input_dim: 2 input_dim: 6 input_dim: 6
    layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
             blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
             convolution_param { num_output: 3 kernel_size: 3 } }
    layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
    layers { name: "pool" type: POOLING bottom: "conv" top: "pool"
             pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
    layers { name: "fc" type: INNER_PRODUCT bottom: "pool" top: "fc"
             inner_product_param { num_output: 5 } }
    layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" })";
  // A V1 caffemodel stores blobs with the legacy 4-d dims: an FC weight is 1x1xKxC.
  caffe::NetParameter model;
  auto addV1 = [&](const std::string& name, std::vector<std::array<int, 4>> dims) {
    auto* l = model.add_layers();
    l->set_name(name);
    unsigned seed = 7;
    for (auto d : dims) {
      auto* b = l->add_blobs();
      b->set_num(d[0]);
      b->set_channels(d[1]);
      b->set_height(d[2]);
      b->set_width(d[3]);
      for (float v : randomNonZero(size_t(d[0]) * d[1] * d[2] * d[3], seed++)) b->add_data(v);
    }
  };
  addV1("conv", {{3, 2, 3, 3}, {1, 1, 1, 3}});
  addV1("fc", {{1, 1, 5, 12}, {1, 1, 1, 5}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  EXPECT_EQ(net.name, "old");
  EXPECT_EQ(net.tensor(net.inputs()[0]).shape, (Shape{-1, 2, 6, 6}));
  EXPECT_EQ(findLayer(net, "conv")->kind(), LayerKind::kCONVOLUTION);
  EXPECT_EQ(findLayer(net, "pool")->as<PoolingParams>().type, PoolingType::kAVERAGE);
  EXPECT_EQ(findLayer(net, "fc")->as<FullyConnectedParams>().weights.values,
            blobData(model, "fc", 0));
  EXPECT_EQ(net.inferShapesForBatch(2)[net.findTensor("prob")], (Shape{2, 5}));
}

TEST(CaffeImport, OldestV0LayersWithNestedBlobs) {
  Fixture fx;
  const char* text = R"(
    input: "data"
    input_dim: 10 input_dim: 3 input_dim: 9 input_dim: 9
    layers { layer { name: "conv1" type: "conv" num_output: 4 kernelsize: 3 stride: 2 pad: 1
                     blobs_lr: 1. blobs_lr: 2. weight_decay: 1. weight_decay: 0. }
             bottom: "data" top: "conv1" }
    layers { layer { name: "relu1" type: "relu" } bottom: "conv1" top: "conv1" }
    layers { layer { name: "pool1" type: "pool" pool: MAX kernelsize: 3 stride: 2 }
             bottom: "conv1" top: "pool1" }
    layers { layer { name: "norm1" type: "lrn" local_size: 3 alpha: 0.0001 beta: 0.75 }
             bottom: "pool1" top: "norm1" }
    layers { layer { name: "fc" type: "innerproduct" num_output: 6 } bottom: "norm1" top: "fc" }
    layers { layer { name: "drop" type: "dropout" dropout_ratio: 0.5 } bottom: "fc" top: "fc" }
    layers { layer { name: "prob" type: "softmax" } bottom: "fc" top: "prob" })";
  // V0 caffemodels keep the name and the blobs inside the wrapped layer.
  caffe::NetParameter model;
  auto addV0 = [&](const std::string& name, std::vector<std::array<int, 4>> dims) {
    auto* l = model.add_layers()->mutable_layer();
    l->set_name(name);
    unsigned seed = 3;
    for (auto d : dims) {
      auto* b = l->add_blobs();
      b->set_num(d[0]);
      b->set_channels(d[1]);
      b->set_height(d[2]);
      b->set_width(d[3]);
      for (float v : randomNonZero(size_t(d[0]) * d[1] * d[2] * d[3], seed++)) b->add_data(v);
    }
  };
  addV0("conv1", {{4, 3, 3, 3}, {1, 1, 1, 4}});
  addV0("fc", {{1, 1, 6, 16}, {1, 1, 1, 6}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  const auto& conv = findLayer(net, "conv1")->as<ConvolutionParams>();
  EXPECT_EQ(conv.stride, (Shape{2, 2}));
  EXPECT_EQ(conv.padBegin, (Shape{1, 1}));
  EXPECT_EQ(conv.bias.values, std::vector<float>(model.layers(0).layer().blobs(1).data().begin(),
                                                 model.layers(0).layer().blobs(1).data().end()));
  EXPECT_EQ(findLayer(net, "norm1")->as<LRNParams>().size, 3);
  auto shapes = net.inferShapesForBatch(2);
  EXPECT_EQ(shapes[net.findTensor("conv1")], (Shape{2, 4, 5, 5}));
  EXPECT_EQ(shapes[net.findTensor("pool1")], (Shape{2, 4, 2, 2}));
  EXPECT_EQ(shapes[net.findTensor("prob")], (Shape{2, 6}));
}

TEST(CaffeImport, InputShapeSyntaxWithTwoInputs) {
  Fixture fx;
  const char* text = R"(
    input: "a" input_shape { dim: 1 dim: 4 }
    input: "b" input_shape { dim: 1 dim: 4 }
    layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "sum" })";
  auto r = fx.parse(text);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  ASSERT_EQ(net.inputs().size(), 2u);
  EXPECT_EQ(net.tensor(net.inputs()[1]).name, "b");
  EXPECT_EQ(net.tensor(net.inputs()[1]).shape, (Shape{-1, 4}));
  EXPECT_EQ(net.name, "deploy");  // no name in the file: the file stem
}

TEST(CaffeImport, TrainingNetKeepsOnlyTheTestPhaseAndDropsLosses) {
  Fixture fx;
  const char* text = R"(
    name: "train_val"
    layer { name: "mnist" type: "Data" top: "data" top: "label"
            include { phase: TRAIN }
            transform_param { scale: 0.00390625 mirror: false mean_value: 0 }
            data_param { source: "train_lmdb" batch_size: 64 backend: LMDB } }
    layer { name: "mnist_test" type: "MemoryData" top: "data" top: "label"
            include { phase: TEST }
            memory_data_param { batch_size: 100 channels: 1 height: 4 width: 4 } }
    layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
            param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
            inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.01 } } }
    layer { name: "drop" type: "Dropout" bottom: "ip" top: "ip" dropout_param { dropout_ratio: 0.5 } }
    layer { name: "only_train" type: "ReLU" bottom: "ip" top: "ip" include { phase: TRAIN } }
    layer { name: "staged" type: "ReLU" bottom: "ip" top: "ip" include { stage: "deploy" } }
    layer { name: "not_in_test" type: "ReLU" bottom: "ip" top: "ip" exclude { phase: TEST } }
    layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy"
            include { phase: TEST } accuracy_param { top_k: 1 } }
    layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss"
            loss_weight: 1 loss_param { normalization: VALID } })";
  caffe::NetParameter model = makeModel({{"mnist", {}}, {"ip", {{3, 16}, {3}}}, {"loss", {}}});
  auto r = fx.parse(text, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const Network& net = **r;
  ASSERT_EQ(net.inputs().size(), 1u);
  EXPECT_EQ(net.tensor(net.inputs()[0]).shape, (Shape{-1, 1, 4, 4}));
  ASSERT_EQ(net.layers().size(), 2u);  // ip and dropout (an identity)
  EXPECT_EQ(net.layers()[1].kind(), LayerKind::kIDENTITY);
  ASSERT_EQ(net.outputs().size(), 1u);
  EXPECT_EQ(net.tensor(net.outputs()[0]).name, "ip");
}

TEST(CaffeImport, WithoutWeightsTheNetworkHasNone) {
  Fixture fx;
  auto r = fx.parse(kLeNetPrototxt);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  const auto& conv1 = findLayer(**r, "conv1")->as<ConvolutionParams>();
  EXPECT_TRUE(conv1.weights.empty());
  EXPECT_TRUE(conv1.bias.empty());
  EXPECT_EQ(conv1.nbOutputMaps, 20);
  EXPECT_FALSE((*r)->validate().isOk());  // cannot be built without weights
}

TEST(CaffeImport, CaffemodelLayersMissingFromThePrototxtAreIgnored) {
  Fixture fx;
  std::vector<LayerBlobs> blobs = leNetBlobs();
  blobs.insert(blobs.begin(), LayerBlobs{"unused_conv", {{7, 7}}});
  blobs.push_back(LayerBlobs{"loss", {}});
  caffe::NetParameter model = makeModel(blobs);
  auto r = fx.parse(kLeNetPrototxt, &model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ((*r)->layers().size(), 8u);
}

TEST(CaffeImport, ParseModelPicksCaffeForPrototxt) {
  Fixture fx;
  caffe::NetParameter model = makeModel(leNetBlobs());
  writeFile(fx.prototxt, kLeNetPrototxt);
  writeFile(fx.weights, model.SerializeAsString());
  auto r = parseModel(fx.prototxt, fx.weights);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ((*r)->name, "LeNet");
}

// Field numbers and enum values are facts of the Caffe format: a few spot checks against the
// numbers real files use.
TEST(CaffeImport, ProtoNumbersMatchTheCaffeFormat) {
  auto number = [](const google::protobuf::Descriptor* d, const char* field) {
    const auto* f = d->FindFieldByName(field);
    return f ? f->number() : -1;
  };
  const auto* layer = caffe::LayerParameter::descriptor();
  EXPECT_EQ(number(caffe::NetParameter::descriptor(), "layer"), 100);
  EXPECT_EQ(number(caffe::NetParameter::descriptor(), "layers"), 2);
  EXPECT_EQ(number(caffe::NetParameter::descriptor(), "input_dim"), 4);
  EXPECT_EQ(number(layer, "blobs"), 7);
  EXPECT_EQ(number(layer, "convolution_param"), 106);
  EXPECT_EQ(number(layer, "batch_norm_param"), 139);
  EXPECT_EQ(number(layer, "input_param"), 143);
  EXPECT_EQ(number(caffe::V1LayerParameter::descriptor(), "blobs"), 6);
  EXPECT_EQ(number(caffe::V1LayerParameter::descriptor(), "convolution_param"), 10);
  EXPECT_EQ(number(caffe::BlobProto::descriptor(), "shape"), 7);
  EXPECT_EQ(number(caffe::BlobProto::descriptor(), "data"), 5);
  EXPECT_EQ(caffe::V1LayerParameter::CONVOLUTION, 4);
  EXPECT_EQ(caffe::V1LayerParameter::INNER_PRODUCT, 14);
  EXPECT_EQ(caffe::V1LayerParameter::POOLING, 17);
  EXPECT_EQ(caffe::V1LayerParameter::RELU, 18);
  EXPECT_EQ(caffe::V1LayerParameter::SOFTMAX, 20);
}

}  // namespace
}  // namespace int8rt

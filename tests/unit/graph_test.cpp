// Network definition, shape inference and graph passes.
#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/passes.h"
#include "int8rt/network.h"
#include "test_random.h"

namespace int8rt {
namespace {

using testing_util::randomFloats;

Weights w(size_t n, unsigned seed) { return Weights{randomFloats(n, seed)}; }

TEST(GraphShapes, LeNetShapesFollowTheBatch) {
  Network net;
  TensorId x = net.addInput("data", DataType::kFLOAT, {-1, 1, 28, 28});
  Layer& c1 = net.addConvolution(x, 20, {5, 5}, w(20 * 25, 1), w(20, 2));
  Layer& p1 = net.addPooling(c1.output(), PoolingType::kMAX, {2, 2});
  Layer& c2 = net.addConvolution(p1.output(), 50, {5, 5}, w(50 * 20 * 25, 3), w(50, 4));
  Layer& p2 = net.addPooling(c2.output(), PoolingType::kMAX, {2, 2});
  Layer& f1 = net.addFullyConnected(p2.output(), 500, w(500 * 800, 5), w(500, 6));
  Layer& sm = net.addSoftMax(f1.output());
  net.markOutput(sm.output());
  auto s = net.inferShapesForBatch(7);
  EXPECT_EQ(s[c1.output()], (Shape{7, 20, 24, 24}));
  EXPECT_EQ(s[p2.output()], (Shape{7, 50, 4, 4}));
  EXPECT_EQ(s[sm.output()], (Shape{7, 500}));
  EXPECT_EQ(net.symbolicShape(f1.output()), (Shape{-1, 500}));
  EXPECT_TRUE(net.validate().isOk());
}

TEST(GraphShapes, ConvolutionWithPadsStridesDilation) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {2, 3, 13, 11});
  Layer& c = net.addConvolution(x, 6, {3, 3}, w(6 * 1 * 9, 1), {});
  auto& p = c.as<ConvolutionParams>();
  p.groups = 3;
  p.stride = {2, 1};
  p.padBegin = {1, 0};
  p.padEnd = {2, 1};
  p.dilation = {1, 2};
  net.markOutput(c.output());
  // H: (13+3-3)/2+1 = 7; W: (11+1-5)/1+1 = 8
  EXPECT_EQ(net.inferShapesForBatch(1)[c.output()], (Shape{2, 6, 7, 8}));
}

TEST(GraphShapes, CaffeCeilPoolingDropsWindowStartingInPadding) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {1, 1, 6, 6});
  Layer& p = net.addPooling(x, PoolingType::kMAX, {3, 3});
  auto& pp = p.as<PoolingParams>();
  pp.stride = {2, 2};
  pp.padBegin = pp.padEnd = {1, 1};
  pp.rounding = PoolRounding::kCEIL;
  net.markOutput(p.output());
  // ceil((6+2-3)/2)+1 = 4, and (4-1)*2 = 6 < 6+1, so 4 stays.
  EXPECT_EQ(net.inferShapesForBatch(1)[p.output()], (Shape{1, 1, 4, 4}));
  pp.window = {2, 2};
  pp.padBegin = pp.padEnd = {1, 1};
  // ceil((6+2-2)/2)+1 = 4; (4-1)*2 = 6 < 7 keeps it; with pad 0: ceil(4/2)+1 = 3.
  EXPECT_EQ(net.inferShapesForBatch(1)[p.output()], (Shape{1, 1, 4, 4}));
}

TEST(GraphShapes, BroadcastAndMismatch) {
  Network net;
  TensorId a = net.addInput("a", DataType::kFLOAT, {3, 1, 5});
  Layer& c = net.addConstant({4, 1}, w(4, 9));
  Layer& e = net.addElementWise(a, c.output(), ElementWiseOp::kSUM);
  net.markOutput(e.output());
  EXPECT_EQ(net.inferShapesForBatch(1)[e.output()], (Shape{3, 4, 5}));
  Layer& bad = net.addConstant({3, 2}, w(6, 10));
  net.addElementWise(a, bad.output(), ElementWiseOp::kSUM);
  Status s = net.validate();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("do not broadcast"), std::string::npos) << s.message();
}

TEST(GraphShapes, ShuffleReshapeWithZeroAndMinusOne) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 50, 4, 4});
  Layer& s = net.addShuffle(x);
  auto& p = s.as<ShuffleParams>();
  p.doReshape = true;
  p.reshapeDims = {0, -1};
  p.secondTranspose = {1, 0};
  net.markOutput(s.output());
  EXPECT_EQ(net.inferShapesForBatch(3)[s.output()], (Shape{800, 3}));
  p.reshapeDims = {-1, -1};
  EXPECT_THROW(net.inferShapesForBatch(3), Error);
}

TEST(GraphShapes, MatMulNumpySemantics) {
  Network net;
  TensorId a = net.addInput("a", DataType::kFLOAT, {2, 1, 3, 4});
  TensorId b = net.addInput("b", DataType::kFLOAT, {5, 4, 6});
  Layer& m = net.addMatrixMultiply(a, false, b, false);
  TensorId v = net.addInput("v", DataType::kFLOAT, {4});
  Layer& mv = net.addMatrixMultiply(a, false, v, false);
  net.markOutput(m.output());
  net.markOutput(mv.output());
  auto s = net.inferShapesForBatch(1);
  EXPECT_EQ(s[m.output()], (Shape{2, 5, 3, 6}));
  EXPECT_EQ(s[mv.output()], (Shape{2, 1, 3}));
}

TEST(GraphShapes, WrongWeightCountNamesTheLayer) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 3, 8, 8});
  Layer& c = net.addConvolution(x, 4, {3, 3}, w(4 * 3 * 9 - 1, 1), {});
  c.name = "conv_bad";
  net.markOutput(c.output());
  Status s = net.validate();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("conv_bad"), std::string::npos);
  EXPECT_NE(s.message().find("expected 108"), std::string::npos) << s.message();
}

TEST(GraphPasses, FoldScaleIntoConvolutionAndFuseRelu) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 2, 5, 5});
  Layer& c = net.addConvolution(x, 3, {1, 1}, Weights{{1, 2, 3, 4, 5, 6}}, Weights{{1, 1, 1}});
  TensorId co = c.output();
  Layer& s = net.addScale(co, ScaleMode::kCHANNEL, Weights{{10, 20, 30}}, Weights{{2, 3, 4}}, {});
  TensorId so = s.output();
  Layer& r = net.addActivation(so, ActivationType::kRELU);
  net.tensor(r.output()).name = "relu_out";
  net.markOutput(r.output());
  EXPECT_EQ(optimizeNetwork(net), 2);
  ASSERT_EQ(net.layers().size(), 1u);
  const auto& p = net.layers()[0].as<ConvolutionParams>();
  EXPECT_EQ(p.weights.values, (std::vector<float>{2, 4, 9, 12, 20, 24}));
  EXPECT_EQ(p.bias.values, (std::vector<float>{12, 23, 34}));
  EXPECT_EQ(p.activation.type, ActivationType::kRELU);
  EXPECT_EQ(net.tensor(net.layers()[0].output()).name, "relu_out");
}

TEST(GraphPasses, NoFusionWhenIntermediateIsAlsoAnOutput) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 4});
  Layer& f = net.addFullyConnected(x, 3, w(12, 1), w(3, 2));
  net.markOutput(f.output());
  Layer& r = net.addActivation(f.output(), ActivationType::kSIGMOID);
  net.markOutput(r.output());
  EXPECT_EQ(optimizeNetwork(net), 0);
  EXPECT_EQ(net.layers().size(), 2u);
}

TEST(GraphPasses, IdentityRemovedButOutputNameKept) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 4});
  Layer& a = net.addActivation(x, ActivationType::kTANH);
  Layer& d = net.addIdentity(a.output());
  net.tensor(d.output()).name = "y";
  net.markOutput(d.output());
  Layer& id2 = net.addIdentity(x);  // identity of a network input that is an output: kept
  net.markOutput(id2.output());
  removeIdentities(net);
  ASSERT_EQ(net.layers().size(), 2u);
  EXPECT_EQ(net.tensor(net.layers()[0].output()).name, "y");
  EXPECT_EQ(net.layers()[1].kind(), LayerKind::kIDENTITY);
}

}  // namespace
}  // namespace int8rt

// EntropyCalibration2's scale sharing (CONTRACTS.md §2) on small hand-built networks.
#include <gtest/gtest.h>

#include <vector>

#include "int8rt/network.h"
#include "quant/scale_sharing.h"

namespace int8rt {
namespace {

Weights ones(int64_t n) { return Weights{std::vector<float>(static_cast<size_t>(n), 1.f)}; }

TEST(QuantSharing, MaxPoolTakesItsInputAndConcatSharesTheMax) {
  // data -> conv -> maxpool -> (a); data -> conv2 (b); concat(a, b) -> c; avgpool(c) -> d;
  // elementwise(conv, conv2) keeps its own.
  Network net;
  const TensorId data = net.addInput("data", DataType::kFLOAT, {-1, 1, 8, 8});
  const TensorId conv = net.addConvolution(data, 2, {3, 3}, ones(18), {}).output();
  const TensorId pool = net.addPooling(conv, PoolingType::kMAX, {2, 2}).output();
  const TensorId conv2 = net.addConvolution(data, 2, {3, 3}, ones(18), {}).output();
  const TensorId conv2pool = net.addPooling(conv2, PoolingType::kMAX, {2, 2}).output();
  const TensorId cat = net.addConcatenation({pool, conv2pool}).output();
  const TensorId avg = net.addPooling(cat, PoolingType::kAVERAGE, {2, 2}).output();
  const TensorId sum = net.addElementWise(conv, conv2, ElementWiseOp::kSUM).output();
  std::vector<float> amax(net.nbTensors(), -1.f);
  amax[data] = 1.f;
  amax[conv] = 4.f;
  amax[pool] = 3.5f;       // superseded by its input's 4 (then raised by the concat)
  amax[conv2] = 6.f;
  amax[conv2pool] = 9.f;   // superseded: a max-pool output's own statistics do not count
  amax[cat] = 5.f;
  amax[avg] = 2.f;
  amax[sum] = 7.f;
  const std::vector<float> shared = applyScaleSharing(net, amax);
  // Group {conv, pool, conv2, conv2pool, cat}: max over non-pool-outputs = max(4, 6, 5) = 6.
  for (TensorId t : {conv, pool, conv2, conv2pool, cat}) EXPECT_EQ(shared[t], 6.f) << t;
  EXPECT_EQ(shared[data], 1.f);
  EXPECT_EQ(shared[avg], 2.f);  // average pooling does not share
  EXPECT_EQ(shared[sum], 7.f);  // elementwise keeps its own
  // Idempotent: running it on its own output changes nothing.
  EXPECT_EQ(applyScaleSharing(net, shared), shared);
}

TEST(QuantSharing, PoolChainCopiesDownAndMissingScalesStayMissing) {
  Network net;
  const TensorId data = net.addInput("data", DataType::kFLOAT, {-1, 1, 8, 8});
  const TensorId p1 = net.addPooling(data, PoolingType::kMAX, {2, 2}).output();
  const TensorId p2 = net.addPooling(p1, PoolingType::kMAX, {2, 2}).output();
  const TensorId relu = net.addActivation(p2, ActivationType::kRELU).output();
  std::vector<float> amax{0.5f, 0.4f, 0.3f, -1.f};
  ASSERT_EQ(net.nbTensors(), 4);
  const auto shared = applyScaleSharing(net, amax);
  EXPECT_EQ(shared[p1], 0.5f);
  EXPECT_EQ(shared[p2], 0.5f);
  EXPECT_LT(shared[relu], 0.f);
  // Input without a value: the pool outputs' own values are all the group has.
  amax[data] = -1.f;
  const auto fallback = applyScaleSharing(net, amax);
  EXPECT_EQ(fallback[data], 0.4f);
  EXPECT_EQ(fallback[p2], 0.4f);
  EXPECT_EQ(tensorsInTopologicalOrder(net),
            (std::vector<std::string>{net.tensor(data).name, net.tensor(p1).name,
                                      net.tensor(p2).name, net.tensor(relu).name}));
}

}  // namespace
}  // namespace int8rt

namespace int8rt {
namespace {

TEST(QuantSharing, FlattenOutputTakesItsInputScale) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 2, 3, 3});
  Layer& p = net.addPooling(x, PoolingType::kMAX, {2, 2});
  Layer& f = net.addShuffle(p.output());
  f.as<ShuffleParams>().doReshape = true;
  f.as<ShuffleParams>().reshapeDims = {0, -1};
  net.markOutput(f.output());
  std::vector<float> amax(net.nbTensors(), -1.f);
  amax[x] = 2.f;
  amax[p.output()] = 1.5f;
  amax[f.output()] = 1.25f;
  std::vector<float> shared = applyScaleSharing(net, amax);
  EXPECT_EQ(shared[p.output()], 2.f);
  EXPECT_EQ(shared[f.output()], 2.f);
  EXPECT_EQ(shared[x], 2.f);
}

}  // namespace
}  // namespace int8rt

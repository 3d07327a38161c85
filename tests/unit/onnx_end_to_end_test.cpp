// ONNX importer through the builder and runtime: a dynamic-batch model whose Reshape target
// comes from Shape -> Gather -> Unsqueeze -> Concat runs at several batch sizes and matches a
// direct computation.
#include <gtest/gtest.h>

#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "onnx_test_util.h"

namespace int8rt {
namespace {

using testing_util::OnnxModel;

TEST(OnnxEndToEnd, DynamicBatchReshapeAndGemmRunAtEveryBatch) {
  // y = Relu(Reshape(x, [N, -1])) * W^T + b, x: [N, 2, 3], W: [4, 6].
  OnnxModel m(13);
  m.input("x", {-1, 2, 3});
  m.initInt64("zero", {}, {0});
  m.initInt64("axes", {1}, {0});
  m.initInt64("rest", {1}, {-1});
  m.node("Shape", {"x"}, {"s"});
  m.node("Gather", {"s", "zero"}, {"n"});
  m.node("Unsqueeze", {"n", "axes"}, {"n1"});
  OnnxModel::attr(m.node("Concat", {"n1", "rest"}, {"target"}), "axis", 0);
  m.node("Reshape", {"x", "target"}, {"flat"});
  m.node("Relu", {"flat"}, {"r"});
  auto w = m.initRandom("W", {4, 6}, 51);
  auto b = m.initRandom("b", {4}, 52);
  OnnxModel::attr(m.node("Gemm", {"r", "W", "b"}, {"y"}), "transB", 1);
  m.output("y");
  auto net = m.import();

  BuilderConfig config;
  config.maxBatchSize = 5;
  config.timingIterations = 0;
  auto plan = buildSerializedNetwork(*net, config);
  ASSERT_TRUE(plan.isOk()) << plan.status().message();
  auto engine = deserializeEngine(*plan);
  ASSERT_TRUE(engine.isOk()) << engine.status().message();
  auto ctx = (*engine)->createExecutionContext();
  int in = (*engine)->bindingIndex("x"), out = (*engine)->bindingIndex("y");
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  for (int64_t batch : {1, 3, 5}) {
    std::vector<float> x = testing_util::randomFloats(batch * 6, 53 + static_cast<unsigned>(batch));
    std::vector<float> y(batch * 4, -1.f);
    std::vector<void*> bindings(2);
    bindings[in] = x.data();
    bindings[out] = y.data();
    ASSERT_TRUE(ctx->execute(batch, bindings.data()).isOk());
    EXPECT_EQ((*engine)->bindingShapeForBatch(out, batch), (Shape{batch, 4}));
    for (int64_t i = 0; i < batch; ++i)
      for (int o = 0; o < 4; ++o) {
        float ref = b[o];
        for (int k = 0; k < 6; ++k) ref += std::max(0.f, x[i * 6 + k]) * w[o * 6 + k];
        EXPECT_NEAR(y[i * 4 + o], ref, 1e-5) << "batch " << batch << " row " << i << " col " << o;
      }
  }
}

}  // namespace
}  // namespace int8rt

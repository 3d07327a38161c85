// TensorDiff's numbers, INT8 tensors shown to observers, and the FP32-vs-INT8 layer comparison.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "builder/calibrate_network.h"
#include "eval/layer_compare.h"
#include "eval/tensor_diff.h"
#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "int8_test_net.h"

namespace int8rt {
namespace {

TEST(TensorDiff, KnownValues) {
  const float ref[] = {1, 2, 3, 4}, test[] = {1, 2, 3, 5};
  TensorDiff d;
  d.add(ref, test, 4, 2.5f);
  EXPECT_EQ(d.count(), 4);
  EXPECT_NEAR(d.sqnrDb(), 10 * std::log10(30.0), 1e-12);
  EXPECT_NEAR(d.cosine(), 34.0 / std::sqrt(30.0 * 39.0), 1e-12);
  EXPECT_EQ(d.maxAbsError(), 1.0);
  EXPECT_EQ(d.clippedFraction(), 0.5);  // 3 and 4 exceed 2.5
  d.add(ref, ref, 4, 2.5f);             // sums over batches
  EXPECT_NEAR(d.sqnrDb(), 10 * std::log10(60.0), 1e-12);
  EXPECT_EQ(d.clippedFraction(), 0.5);
}

TEST(TensorDiff, EdgeCases) {
  const float zeros[] = {0, 0}, ones[] = {1, -1};
  TensorDiff same;
  same.add(ones, ones, 2, 0.f);
  EXPECT_TRUE(std::isinf(same.sqnrDb()) && same.sqnrDb() > 0);
  EXPECT_EQ(same.cosine(), 1.0);
  EXPECT_EQ(same.clippedFraction(), -1.0);  // no range given
  TensorDiff allZero;
  allZero.add(zeros, zeros, 2, 1.f);
  EXPECT_EQ(allZero.cosine(), 1.0);
  EXPECT_EQ(allZero.clippedFraction(), 0.0);
  TensorDiff fromZero;
  fromZero.add(zeros, ones, 2, 1.f);
  EXPECT_TRUE(std::isinf(fromZero.sqnrDb()) && fromZero.sqnrDb() < 0);
  EXPECT_EQ(fromZero.cosine(), 0.0);
}

// An FP32 and an INT8 engine of the small network, calibrated on random images.
struct Engines {
  std::unique_ptr<Network> net = int8net::smallNet();
  int8net::MemoryCalibrator cal{int8net::randomBatches(4, 8, 5), 8};
  CalibrationReport report;
  std::unique_ptr<Engine> fp32, int8;

  std::unique_ptr<Engine> build(bool useInt8) {
    BuilderConfig c;
    c.maxBatchSize = 8;
    c.timingIterations = 0;
    c.int8 = useInt8;
    c.calibrator = useInt8 ? &cal : nullptr;
    auto plan = buildSerializedNetwork(*net, c);
    EXPECT_TRUE(plan.isOk()) << plan.status().message();
    auto e = deserializeEngine(plan.value());
    EXPECT_TRUE(e.isOk()) << e.status().message();
    return std::move(e.value());
  }
  Engines() {
    auto r = calibrateNetwork(*net, cal, {});
    EXPECT_TRUE(r.isOk()) << r.status().message();
    report = r.value();
    fp32 = build(false);
    int8 = build(true);
  }
};

struct Int8Seen : ITensorObserver {
  std::map<std::string, float> fp32Seen, int8Scale;
  void observe(const std::string& name, const Shape&, const float*) override { fp32Seen[name] = 1; }
  void observeInt8(const std::string& name, const Shape& shape, const int8_t* data,
                   float scale) override {
    int8Scale[name] = scale;
  }
};

TEST(ObserveInt8, Int8TensorsReachObserversWithTheirScale) {
  if (!platformHasFastInt8()) GTEST_SKIP() << "no fast INT8 on this CPU";
  Engines e;
  Int8Seen seen;
  auto ctx = e.int8->createExecutionContext();
  ctx->setObserver(&seen);
  auto images = int8net::randomBatches(1, 8, 11);
  std::vector<float> out(80);
  void* bindings[] = {images[0].data(), out.data()};
  ASSERT_TRUE(ctx->execute(8, bindings).isOk());
  // relu1 (the fused conv's output) and pool1 stay INT8 between INT8 layers.
  ASSERT_TRUE(seen.int8Scale.count("relu1"));
  ASSERT_TRUE(seen.int8Scale.count("pool1"));
  float relu = 0;
  for (const auto& t : e.report.tensors)
    if (t.name == "relu1") relu = t.scale;
  EXPECT_EQ(seen.int8Scale["relu1"], relu);
  EXPECT_TRUE(seen.fp32Seen.count("data"));
  EXPECT_TRUE(seen.fp32Seen.count("prob"));
  EXPECT_FALSE(seen.fp32Seen.count("relu1"));
}

TEST(LayerComparison, ComparesEveryTensorBothEnginesShow) {
  if (!platformHasFastInt8()) GTEST_SKIP() << "no fast INT8 on this CPU";
  Engines e;
  std::map<std::string, float> amax;
  for (const auto& t : e.report.tensors) amax[t.name] = t.amax;
  LayerComparison cmp(*e.fp32, *e.int8, amax);
  auto batches = int8net::randomBatches(3, 8, 13);
  std::vector<float> labels(8, 3.f);
  for (auto& b : batches) cmp.run(8, b.data(), labels.data());
  EXPECT_EQ(cmp.images(), 24);
  EXPECT_LE(cmp.fp32Top1(), 24);
  auto rows = cmp.rows();
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.tensor);
  // The network input is identical by construction and left out; conv1 was fused into relu1.
  EXPECT_EQ(names, (std::vector<std::string>{"relu1", "pool1", "ip1", "prob"}));
  for (const auto& r : rows) {
    EXPECT_EQ(r.diff.count(), 24 * (r.tensor == "relu1" ? 4 * 36 : r.tensor == "pool1" ? 4 * 9 : 10))
        << r.tensor;
    EXPECT_GT(r.diff.sqnrDb(), 15.0) << r.tensor;  // INT8 is close, not exact
    EXPECT_GT(r.diff.cosine(), 0.99) << r.tensor;
    // relu1 and pool1 are read by INT8 layers; ip1 feeds the FP32 softmax, prob is the output.
    EXPECT_EQ(r.quantized, r.tensor == "relu1" || r.tensor == "pool1") << r.tensor;
    if (r.quantized) {
      EXPECT_GE(r.diff.clippedFraction(), 0.0) << r.tensor;
      EXPECT_LT(r.diff.clippedFraction(), 0.05) << r.tensor;
    } else {
      EXPECT_EQ(r.diff.clippedFraction(), -1.0) << r.tensor;
    }
  }
  EXPECT_TRUE(rows[0].storedInt8);
  EXPECT_EQ(rows[0].precision, "int8");
  EXPECT_FALSE(rows[3].storedInt8);
}

}  // namespace
}  // namespace int8rt

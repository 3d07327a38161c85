// Plan format 2 (kernel configurations, CUDA architecture) and the CUDA paths that must be
// clear errors on a machine without a GPU (CI): v1 plans still load, a CUDA plan or a CUDA
// build says why it cannot run here.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "backends/cuda_bridge.h"
#include "core/error.h"
#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"
#include "test_random.h"

namespace int8rt {
namespace {

PlanData tinyPlan() {
  PlanData p;
  Network& net = p.network;
  net.name = "tiny";
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 3});
  Layer& f = net.addFullyConnected(x, 2, Weights{testing_util::randomFloats(6, 1)}, Weights{{0.5f, -0.5f}});
  f.name = "fc";
  Layer& s = net.addSoftMax(f.output(), 1);
  s.name = "prob";
  net.tensor(s.output()).name = "prob";
  net.markOutput(s.output());
  p.maxBatchSize = 8;
  p.kernels = {"fully_connected_ref", "softmax_ref"};
  p.kernelConfigs = {"", ""};
  p.tensorTypes.assign(net.nbTensors(), DataType::kFLOAT);
  p.tensorScales.assign(net.nbTensors(), 0.f);
  p.arenaOffsets = {-1, 0, -1};
  p.arenaBytes = 64;
  p.metadata = {{"k", "v"}};
  return p;
}

// The plan as format 1 wrote it: the format-2 payload without the trailing format-2 fields
// (kernel configurations, CUDA architecture), header and checksum redone.
std::vector<uint8_t> asVersion1(const PlanData& p) {
  std::vector<uint8_t> v2 = serializePlan(p, 2);
  size_t trailing = 8 + 4;  // configuration count, sm
  for (const std::string& c : p.kernelConfigs) trailing += 8 + c.size();
  std::vector<uint8_t> v1(v2.begin(), v2.end() - static_cast<long>(trailing));
  uint32_t version = 1;
  uint64_t size = v1.size() - 28;
  std::memcpy(&v1[8], &version, 4);
  std::memcpy(&v1[16], &size, 8);
  uLong crc = crc32(crc32(0, v1.data() + 8, 16), v1.data() + 28, static_cast<uInt>(size));
  uint32_t crc32v = static_cast<uint32_t>(crc);
  std::memcpy(&v1[24], &crc32v, 4);
  return v1;
}

std::string messageOf(const Status& s) { return s.isOk() ? "(ok)" : s.message(); }

TEST(PlanV2, KeepsKernelConfigurationsAndArchitecture) {
  PlanData p = tinyPlan();
  p.kernelConfigs = {"tile=128x64 stages=3", ""};
  PlanData q = deserializePlan(serializePlan(p), "t.plan");
  EXPECT_EQ(q.kernelConfigs, p.kernelConfigs);
  EXPECT_EQ(q.cudaSm, 0);
  p.device = DeviceType::kCUDA;
  p.cudaSm = 90;
  q = deserializePlan(serializePlan(p), "t.plan");
  EXPECT_EQ(q.device, DeviceType::kCUDA);
  EXPECT_EQ(q.cudaSm, 90);
}

TEST(PlanV2, VersionOnePlansStillLoad) {
  PlanData p = tinyPlan();
  std::vector<uint8_t> v1 = asVersion1(p);
  uint32_t version;
  std::memcpy(&version, &v1[8], 4);
  ASSERT_EQ(version, 1u);
  PlanData q = deserializePlan(v1, "old.plan");
  EXPECT_EQ(q.kernels, p.kernels);
  EXPECT_EQ(q.kernelConfigs, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(q.cudaSm, 0);
  EXPECT_EQ(q.metadata, p.metadata);

  auto engine = deserializeEngine(v1, "old.plan");
  ASSERT_TRUE(engine.isOk()) << messageOf(engine.status());
  std::vector<float> x(3 * 2, 0.25f), prob(2 * 2, -1.f);
  void* bindings[] = {x.data(), prob.data()};
  auto ctx = engine.value()->createExecutionContext();
  ASSERT_TRUE(ctx->execute(2, bindings).isOk());
  EXPECT_NEAR(prob[0] + prob[1], 1.f, 1e-5f);
  EXPECT_EQ(engine.value()->layerInfo()[0].precision, "fp32");
  EXPECT_EQ(engine.value()->layerInfo()[0].config, "");
}

TEST(PlanV2, CpuPlanWithArchitectureIsCorrupt) {
  PlanData p = tinyPlan();
  p.cudaSm = 90;
  EXPECT_THROW(deserializePlan(serializePlan(p), "odd.plan"), Error);
}

// A CUDA plan loads only on the GPU it was built for; here (no GPU, or a GPU that is not the
// made-up sm_12) the error says which.
TEST(PlanV2, CudaPlanNeedsItsGpu) {
  PlanData p = tinyPlan();
  p.device = DeviceType::kCUDA;
  p.cudaSm = 12;
  p.kernels = {"cuda_fully_connected_fp32_test", "cuda_softmax_fp32_test"};
  auto engine = deserializeEngine(serializePlan(p), "gpu.plan");
  ASSERT_FALSE(engine.isOk());
  std::string m = engine.status().message();
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(m.rfind("gpu.plan: ", 0), 0u) << m;
  std::string why = cudabridge::unavailableReason();
  if (!why.empty()) {
    EXPECT_NE(m.find(why), std::string::npos) << m;
  } else {
    EXPECT_NE(m.find("plan was built for sm_12, this GPU is sm_"), std::string::npos) << m;
  }
}

TEST(BuilderCuda, WithoutGpuTheErrorSaysWhy) {
  std::string why = cudabridge::unavailableReason();
  if (why.empty()) GTEST_SKIP() << "a GPU is present: tests/cuda covers CUDA builds";
  EXPECT_FALSE(platformHasFastFp16(DeviceType::kCUDA));
  EXPECT_FALSE(platformHasFastInt8(DeviceType::kCUDA));
  PlanData p = tinyPlan();
  BuilderConfig config;
  config.device = DeviceType::kCUDA;
  config.maxBatchSize = 4;
  auto plan = buildSerializedNetwork(p.network, config);
  ASSERT_FALSE(plan.isOk());
  std::string m = plan.status().message();
  EXPECT_EQ(m, "cannot build for device 'cuda': " + why);
}

}  // namespace
}  // namespace int8rt

// Plan format 3: per-tensor memory formats round trip, older formats load as all linear (and
// cannot be asked to hold an NHWC tensor), and the loader refuses unknown formats, NHWC
// bindings, NHWC tensors in CPU plans and NHWC tensors that are not rank 4. No GPU needed:
// deserializePlan checks all of it before any backend exists.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/error.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"

namespace int8rt {
namespace {

// x [N, 4, 5, 6] -> max pool 2x2 -> relu -> y: tensor 1 (the pool's output) may be NHWC.
PlanData pooledPlan() {
  PlanData p;
  Network& net = p.network;
  net.name = "pooled";
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 4, 5, 6});
  Layer& pool = net.addPooling(x, PoolingType::kMAX, {2, 2});
  pool.name = "pool";
  net.tensor(pool.output()).name = "pooled";
  Layer& relu = net.addActivation(pool.output(), ActivationType::kRELU);
  relu.name = "relu";
  net.tensor(relu.output()).name = "y";
  net.markOutput(relu.output());
  p.device = DeviceType::kCUDA;
  p.cudaSm = 90;
  p.maxBatchSize = 8;
  p.kernels = {"cuda_pooling2d_nhwc_fp32", "cuda_activation_fp32"};
  p.kernelConfigs = {"", ""};
  p.tensorTypes.assign(3, DataType::kFLOAT);
  p.tensorScales.assign(3, 0.f);
  p.arenaOffsets = {-1, 0, -1};
  p.arenaBytes = 8 * 4 * 2 * 3 * 4;
  p.tensorFormats = {TensorFormat::kLINEAR, TensorFormat::kNHWC, TensorFormat::kLINEAR};
  return p;
}

std::string loadError(const std::vector<uint8_t>& bytes) {
  try {
    deserializePlan(bytes, "f.plan");
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

uint32_t versionOf(const std::vector<uint8_t>& bytes) {
  uint32_t v = 0;
  std::memcpy(&v, &bytes[8], 4);
  return v;
}

TEST(PlanFormat3, TensorFormatsRoundTrip) {
  PlanData p = pooledPlan();
  std::vector<uint8_t> bytes = serializePlan(p);
  EXPECT_EQ(versionOf(bytes), 3u);
  PlanData q = deserializePlan(bytes, "f.plan");
  EXPECT_EQ(q.tensorFormats, p.tensorFormats);
  EXPECT_EQ(q.kernels, p.kernels);
}

TEST(PlanFormat3, EmptyFormatsAreLinear) {
  PlanData p = pooledPlan();
  p.tensorFormats.clear();
  PlanData q = deserializePlan(serializePlan(p), "f.plan");
  EXPECT_EQ(q.tensorFormats, std::vector<TensorFormat>(3, TensorFormat::kLINEAR));
}

TEST(PlanFormat3, OlderFormatsLoadAsLinearAndCannotSayNhwc) {
  PlanData p = pooledPlan();
  try {
    serializePlan(p, 2);
    ADD_FAILURE() << "a plan with an NHWC tensor was written as format 2";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs plan format 3"), std::string::npos) << e.what();
  }
  p.tensorFormats.assign(3, TensorFormat::kLINEAR);
  std::vector<uint8_t> v2 = serializePlan(p, 2);
  EXPECT_EQ(versionOf(v2), 2u);
  PlanData q = deserializePlan(v2, "v2.plan");
  EXPECT_EQ(q.tensorFormats, std::vector<TensorFormat>(3, TensorFormat::kLINEAR));
  EXPECT_EQ(q.kernels, p.kernels);
  // The format-3 bytes are exactly the format-2 bytes plus the table (count + one byte each).
  EXPECT_EQ(serializePlan(p).size(), v2.size() + 8 + 3);
}

TEST(PlanFormat3, UnknownFormatIsCorrupt) {
  PlanData p = pooledPlan();
  p.tensorFormats[1] = static_cast<TensorFormat>(7);
  EXPECT_EQ(loadError(serializePlan(p)), "f.plan: corrupt plan: unknown tensor format 7");
}

TEST(PlanFormat3, WrongLengthIsCorrupt) {
  PlanData p = pooledPlan();
  p.tensorFormats.push_back(TensorFormat::kLINEAR);
  EXPECT_NE(loadError(serializePlan(p)).find("tables have the wrong length"), std::string::npos);
}

TEST(PlanFormat3, BindingsAndCpuPlansAreLinear) {
  PlanData p = pooledPlan();
  p.tensorFormats[0] = TensorFormat::kNHWC;
  EXPECT_EQ(loadError(serializePlan(p)),
            "f.plan: corrupt plan: binding 'x' is stored nhwc (only CUDA tensors between "
            "bindings may be)");
  p = pooledPlan();
  p.tensorFormats[2] = TensorFormat::kNHWC;
  EXPECT_NE(loadError(serializePlan(p)).find("binding 'y' is stored nhwc"), std::string::npos);
  p = pooledPlan();
  p.device = DeviceType::kCPU;
  p.cudaSm = 0;
  p.kernels = {"pooling_ref", "activation_ref"};
  EXPECT_NE(loadError(serializePlan(p)).find("CPU plan tensor 'pooled' is stored nhwc"),
            std::string::npos);
}

// Rank is known only once shapes are inferred: the engine checks it (before any device).
TEST(PlanFormat3, NhwcNeedsRank4) {
  PlanData p;
  Network& net = p.network;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 6});
  Layer& a = net.addActivation(x, ActivationType::kRELU);
  a.name = "relu";
  net.tensor(a.output()).name = "h";
  Layer& b = net.addActivation(a.output(), ActivationType::kRELU);
  b.name = "relu2";
  net.tensor(b.output()).name = "y";
  net.markOutput(b.output());
  p.maxBatchSize = 2;
  p.device = DeviceType::kCUDA;
  p.cudaSm = 90;
  p.kernels = {"cuda_activation_fp32", "cuda_activation_fp32"};
  p.kernelConfigs = {"", ""};
  p.tensorTypes.assign(3, DataType::kFLOAT);
  p.tensorScales.assign(3, 0.f);
  p.arenaOffsets = {-1, 0, -1};
  p.arenaBytes = 64;
  p.tensorFormats = {TensorFormat::kLINEAR, TensorFormat::kNHWC, TensorFormat::kLINEAR};
  auto e = deserializeEngine(serializePlan(p), "r.plan");
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.status().message(), "r.plan: corrupt plan: tensor 'h' of rank 2 is stored nhwc");
}

}  // namespace
}  // namespace int8rt

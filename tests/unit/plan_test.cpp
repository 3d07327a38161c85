// Plan files: round trip, and every kind of corruption is a clear error.
#include <gtest/gtest.h>

#include <cstdlib>

#include "builder/chains.h"
#include "builder/memory_planner.h"
#include "core/error.h"
#include "plan/plan.h"
#include "test_random.h"

namespace int8rt {
namespace {

PlanData smallPlan() {
  PlanData p;
  Network& net = p.network;
  net.name = "small";
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 3});
  Layer& f = net.addFullyConnected(x, 2, Weights{testing_util::randomFloats(6, 1)}, Weights{{0.5f, -0.5f}});
  f.name = "fc";
  f.as<FullyConnectedParams>().activation = {ActivationType::kLEAKY_RELU, 0.1f, 0};
  Layer& s = net.addSoftMax(f.output(), 1);
  s.name = "prob";
  net.tensor(s.output()).name = "prob";
  net.markOutput(s.output());
  p.maxBatchSize = 8;
  p.kernels = {"fully_connected_ref", "softmax_ref"};
  p.tensorTypes.assign(net.nbTensors(), DataType::kFLOAT);
  p.tensorScales.assign(net.nbTensors(), 0.f);
  p.arenaOffsets = {-1, 0, -1};
  p.arenaBytes = 64;
  p.metadata = {{"k", "v"}};
  return p;
}

TEST(Plan, RoundTripKeepsEverything) {
  PlanData p = smallPlan();
  PlanData q = deserializePlan(serializePlan(p), "t.plan");
  EXPECT_EQ(q.maxBatchSize, 8);
  EXPECT_EQ(q.kernels, p.kernels);
  EXPECT_EQ(q.arenaOffsets, p.arenaOffsets);
  EXPECT_EQ(q.metadata, p.metadata);
  ASSERT_EQ(q.network.layers().size(), 2u);
  const auto& f = q.network.layers()[0].as<FullyConnectedParams>();
  EXPECT_EQ(f.weights.values, p.network.layers()[0].as<FullyConnectedParams>().weights.values);
  EXPECT_EQ(f.activation.type, ActivationType::kLEAKY_RELU);
  EXPECT_FLOAT_EQ(f.activation.alpha, 0.1f);
  EXPECT_EQ(q.network.tensor(q.network.outputs()[0]).name, "prob");
  EXPECT_EQ(q.network.tensor(0).shape, (Shape{-1, 3}));
  EXPECT_EQ(serializePlan(q), serializePlan(p));
}

TEST(Plan, EveryTruncationIsAnError) {
  auto bytes = serializePlan(smallPlan());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    try {
      deserializePlan(cut, "cut.plan");
      FAIL() << "accepted a plan truncated to " << n << " bytes";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.plan"), std::string::npos);
    }
  }
}

TEST(Plan, EveryFlippedByteIsAnError) {
  auto bytes = serializePlan(smallPlan());
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x21;
    EXPECT_THROW(deserializePlan(bad, "bad.plan"), Error) << "byte " << i;
  }
}

TEST(Plan, ForeignFileAndVersion) {
  std::vector<uint8_t> junk(100, 7);
  try {
    deserializePlan(junk, "junk.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an int8rt plan"), std::string::npos);
  }
  auto bytes = serializePlan(smallPlan());
  bytes[8] = kPlanFormatVersion + 1;
  try {
    deserializePlan(bytes, "new.plan");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("format version " + std::to_string(kPlanFormatVersion + 1)),
              std::string::npos) << e.what();
  }
}

TEST(MemoryPlanner, ReusesMemoryOfDeadTensors) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {1, 256});
  TensorId t = x;
  for (int i = 0; i < 4; ++i) t = net.addActivation(t, ActivationType::kRELU).output();
  net.markOutput(t);
  std::vector<int64_t> bytes(net.nbTensors(), 1024);
  std::vector<bool> inArena(net.nbTensors(), true);
  inArena[x] = inArena[t] = false;
  MemoryPlan m = planMemory(net, bytes, inArena);
  // A chain needs only two live intermediates at a time.
  EXPECT_EQ(m.arenaBytes, 2048);
  for (int i = 1; i + 1 < net.nbTensors(); ++i) EXPECT_GE(m.offsets[i], 0);
  EXPECT_NE(m.offsets[1], m.offsets[2]);
  EXPECT_EQ(m.offsets[1], m.offsets[3]);
}

// A fused run (layers 1..3 of a 6-layer chain, one kernel launched at layer 1) reads its
// input until the run's end and writes its output at its start: the two must not share memory,
// and neither may overlap a tensor alive in between. Without the run, they would.
TEST(MemoryPlanner, FusedRunKeepsItsInputAndOutputApart) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {1, 256});
  std::vector<TensorId> t = {x};
  for (int i = 0; i < 6; ++i) t.push_back(net.addActivation(t.back(), ActivationType::kRELU).output());
  net.markOutput(t.back());
  std::vector<int64_t> bytes(net.nbTensors(), 1024);
  std::vector<bool> inArena(net.nbTensors(), true);
  inArena[x] = inArena[t.back()] = false;
  // Layer i reads t[i] and writes t[i + 1]; the run [1, 3] reads t[1] and writes t[4].
  const MemoryPlan plain = planMemory(net, bytes, inArena);
  EXPECT_EQ(plain.arenaBytes, 2048);  // two live intermediates at a time
  const MemoryPlan fused = planMemory(net, bytes, inArena, {}, {{1, 3}});
  // t[1] (read until layer 3) and t[4] (written at layer 1) are alive with t[2] and t[3].
  for (int a = 1; a <= 4; ++a)
    for (int b = a + 1; b <= 4; ++b) EXPECT_NE(fused.offsets[t[a]], fused.offsets[t[b]]) << a << " " << b;
  EXPECT_EQ(fused.arenaBytes, 4096);
}

// The chain pass (CUDA builds) refuses an INT8RT_CHAIN value it does not know, before any GPU
// work; CPU builds ignore the variable.
TEST(FusedChains, UnknownChainModeIsAnError) {
  PlanData plan;
  plan.device = DeviceType::kCUDA;
  BuilderConfig config;
  setenv("INT8RT_CHAIN", "sometimes", 1);
  try {
    fuseChains(plan, {}, config, nullptr);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "INT8RT_CHAIN='sometimes': expected 0, auto or force");
  }
  plan.device = DeviceType::kCPU;
  EXPECT_TRUE(fuseChains(plan, {}, config, nullptr).empty());
  unsetenv("INT8RT_CHAIN");
}

}  // namespace
}  // namespace int8rt

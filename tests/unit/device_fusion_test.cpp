// Builder fusions that depend on the device's kernels (conv + max pool, quantize into conv),
// decided here with a kernel predicate the tests control; reshape aliasing in the memory plan
// and both runtimes; plan format 2 round trip of all of it and format 1 plans with convolutions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "builder/build_plan.h"
#include "builder/device_fusions.h"
#include "builder/memory_planner.h"
#include "builder/precision.h"
#include "core/error.h"
#include "graph/passes.h"
#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"
#include "plan/reshape_alias.h"
#include "core/cpu_features.h"
#include "cpu_kernel_test_util.h"
#include "test_random.h"

namespace int8rt {
namespace {

using testing_util::randomFloats;

Weights w(size_t n, unsigned seed) { return Weights{randomFloats(n, seed)}; }

// data -> conv1 -> relu -> pool1 -> conv2 -> pool2 -> flatten -> fc1 -> relu -> fc2 -> prob.
Network smallLeNet(int64_t batch = -1) {
  Network net;
  net.name = "lenet";
  TensorId x = net.addInput("data", DataType::kFLOAT, {batch, 1, 28, 28});
  Layer* l = &net.addConvolution(x, 4, {5, 5}, w(4 * 25, 1), w(4, 2));
  l->name = "conv1";
  l = &net.addActivation(l->output(), ActivationType::kRELU);
  l->name = "relu1";
  l = &net.addPooling(l->output(), PoolingType::kMAX, {2, 2});
  l->name = "pool1";
  net.tensor(l->output()).name = "pool1";
  l = &net.addConvolution(l->output(), 6, {5, 5}, w(6 * 4 * 25, 3), w(6, 4));
  l->name = "conv2";
  l = &net.addPooling(l->output(), PoolingType::kMAX, {2, 2});
  l->name = "pool2";
  net.tensor(l->output()).name = "pool2";
  l = &net.addShuffle(l->output());
  l->name = "flatten";
  l->as<ShuffleParams>().doReshape = true;
  l->as<ShuffleParams>().reshapeDims = {0, -1};
  l = &net.addFullyConnected(l->output(), 8, w(8 * 96, 5), w(8, 6));
  l->name = "fc1";
  l = &net.addActivation(l->output(), ActivationType::kRELU);
  l->name = "relu2";
  l = &net.addFullyConnected(l->output(), 3, w(3 * 8, 7), w(3, 8));
  l->name = "fc2";
  l = &net.addSoftMax(l->output());
  l->name = "prob";
  net.tensor(l->output()).name = "prob";
  net.markOutput(l->output());
  return net;
}

Network optimized(Network net) {
  optimizeNetwork(net);
  return canonicalizeNetwork(net);
}

// INT8 where the layer kind has INT8 kernels here (conv, pool, FC, shuffle, reformats).
PrecisionAssignment int8Assignment(const Network& net) {
  BuilderConfig config;
  config.int8 = true;
  TensorScales scales;
  for (int t = 0; t < net.nbTensors(); ++t) scales.amax[net.tensor(t).name] = 1.f + 0.25f * t;
  auto int8Kind = [](LayerKind k) {
    return k == LayerKind::kCONVOLUTION || k == LayerKind::kPOOLING ||
           k == LayerKind::kFULLY_CONNECTED || k == LayerKind::kSHUFFLE ||
           k == LayerKind::kIDENTITY;
  };
  KernelCatalog catalog{[=](LayerKind k, DataType p) { return p != DataType::kINT8 || int8Kind(k); },
                        [=](const KernelSetup& s, DataType p) {
                          return p != DataType::kINT8 || int8Kind(s.layer->kind());
                        }};
  return assignPrecisions(net, config, scales, catalog);
}

PrecisionAssignment fp32Assignment(const Network& net) {
  return assignPrecisions(net, BuilderConfig{}, TensorScales{});
}

// A device whose convolutions may pool and/or quantize their input, and whose fully connected
// layers may take a softmax, as the test says.
struct FakeDevice {
  bool pools = true, quantizes = true, softmaxes = false;
  int asked = 0;
  FusionOptions options() {
    return {[this](const KernelSetup& s, DataType) {
              ++asked;
              if (s.layer->kind() == LayerKind::kFULLY_CONNECTED)
                return softmaxes && s.layer->as<FullyConnectedParams>().fusedSoftmax &&
                       s.outputTypes[0] == DataType::kFLOAT;
              if (s.layer->kind() != LayerKind::kCONVOLUTION) return false;
              bool pooled = !s.layer->as<ConvolutionParams>().fusedMaxPool.empty();
              bool fp32In = s.inputTypes[0] == DataType::kFLOAT && s.inputScales[0] > 0;
              return (!pooled || pools) && (!fp32In || quantizes);
            },
            {}};
  }
};

std::vector<std::string> layerNames(const Network& net) {
  std::vector<std::string> n;
  for (const Layer& l : net.layers()) n.push_back(l.name);
  return n;
}

int layerIndex(const Network& net, const std::string& name) {
  for (size_t i = 0; i < net.layers().size(); ++i)
    if (net.layers()[i].name == name) return static_cast<int>(i);
  return -1;
}

TEST(DeviceFusions, Int8LeNetFusesPoolsAndTheInputQuantize) {
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = int8Assignment(net);
  ASSERT_EQ(layerNames(a.network),
            (std::vector<std::string>{"data (quantize)", "conv1", "pool1", "conv2", "pool2",
                                      "flatten", "fc1", "fc2", "prob"}));
  float pool1Scale = a.tensorScales[a.network.findTensor("pool1")];
  float quantizeScale = a.tensorScales[a.network.layers()[0].outputs[0]];
  FakeDevice gpu;
  EXPECT_EQ(applyDeviceFusions(a, 16, gpu.options()), 3);
  const Network& n = a.network;
  ASSERT_EQ(layerNames(n), (std::vector<std::string>{"conv1 + pool1", "conv2 + pool2", "flatten",
                                                      "fc1", "fc2", "prob"}));
  ASSERT_EQ(a.layerPrecision.size(), 6u);
  ASSERT_EQ(a.tensorTypes.size(), static_cast<size_t>(n.nbTensors()));
  ASSERT_EQ(a.tensorScales.size(), static_cast<size_t>(n.nbTensors()));
  EXPECT_TRUE(n.validate().isOk());
  const Layer& c1 = n.layers()[0];
  EXPECT_EQ(c1.as<ConvolutionParams>().fusedMaxPool, (Shape{2, 2}));
  EXPECT_EQ(c1.as<ConvolutionParams>().activation.type, ActivationType::kRELU);
  EXPECT_EQ(a.layerPrecision[0], DataType::kINT8);
  // The conv reads the FP32 binding, which carries the quantize scale, and writes pool1.
  TensorId data = n.findTensor("data");
  EXPECT_EQ(c1.inputs[0], data);
  EXPECT_EQ(a.tensorTypes[data], DataType::kFLOAT);
  EXPECT_EQ(a.tensorScales[data], quantizeScale);
  EXPECT_EQ(n.tensor(c1.outputs[0]).name, "pool1");
  EXPECT_EQ(a.tensorTypes[c1.outputs[0]], DataType::kINT8);
  EXPECT_EQ(a.tensorScales[c1.outputs[0]], pool1Scale);
  auto shapes = n.inferShapesForBatch(5);
  EXPECT_EQ(shapes[n.findTensor("pool1")], (Shape{5, 4, 12, 12}));
  EXPECT_EQ(shapes[n.findTensor("pool2")], (Shape{5, 6, 4, 4}));
  EXPECT_EQ(shapes[n.findTensor("prob")], (Shape{5, 3}));
}

TEST(DeviceFusions, NothingFusesWithoutAKernelForIt) {
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = int8Assignment(net);
  size_t before = a.network.layers().size();
  FakeDevice cpu{false, false};
  EXPECT_EQ(applyDeviceFusions(a, 16, cpu.options()), 0);
  EXPECT_GT(cpu.asked, 0);
  EXPECT_EQ(a.network.layers().size(), before);

  // Pooling only: the quantize stays (a pooled conv reading FP32 is not supported).
  PrecisionAssignment b = int8Assignment(net);
  FakeDevice poolsOnly{true, false};
  EXPECT_EQ(applyDeviceFusions(b, 16, poolsOnly.options()), 2);
  EXPECT_EQ(b.network.layers()[0].name, "data (quantize)");
  EXPECT_EQ(b.tensorScales[b.network.findTensor("data")], 0.f);

  // Quantize only.
  PrecisionAssignment c = int8Assignment(net);
  FakeDevice quantizesOnly{false, true};
  EXPECT_EQ(applyDeviceFusions(c, 16, quantizesOnly.options()), 1);
  EXPECT_EQ(c.network.layers()[0].name, "conv1");
  EXPECT_EQ(c.network.layers()[1].name, "pool1");
}

TEST(DeviceFusions, CpuKernelsNeverFuse) {
  // Only the CPU references run a pooled convolution, and they are never chosen.
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = fp32Assignment(net);
  size_t before = a.network.layers().size();
  FusionOptions cpu{fastKernelSupport(DeviceType::kCPU), {}};
  EXPECT_EQ(applyDeviceFusions(a, 4, cpu), 0);
  EXPECT_EQ(a.network.layers().size(), before);
}

TEST(DeviceFusions, Fp32ConvPoolFusesAndPinnedLayersDoNot) {
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = fp32Assignment(net);
  FakeDevice gpu;
  FusionOptions o = gpu.options();
  o.pinnedLayers = {"pool2"};
  EXPECT_EQ(applyDeviceFusions(a, 4, o), 1);  // FP32 has no quantize
  EXPECT_EQ(layerNames(a.network), (std::vector<std::string>{"conv1 + pool1", "conv2", "pool2",
                                                              "flatten", "fc1", "fc2", "prob"}));
}

// conv [k x k on 'size'] -> max pool, with the pool adjusted by `edit`.
template <class Edit>
int fusionsOf(int64_t size, Edit edit, bool convIsOutput = false, bool twoReaders = false) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {2, 3, size, size});
  Layer& c = net.addConvolution(x, 4, {3, 3}, w(4 * 27, 1), {});
  c.name = "conv";
  TensorId z = c.output();
  Layer& p = net.addPooling(z, PoolingType::kMAX, {2, 2});
  p.name = "pool";
  edit(p.as<PoolingParams>());
  net.markOutput(p.output());
  if (convIsOutput) net.markOutput(z);
  if (twoReaders) net.markOutput(net.addActivation(z, ActivationType::kRELU).output());
  PrecisionAssignment a = fp32Assignment(net);
  FakeDevice gpu;
  return fuseConvMaxPool(a, 1, gpu.options());
}

TEST(DeviceFusions, OnlyNonOverlappingUnpaddedMaxPoolsFuse) {
  auto none = [](PoolingParams&) {};
  EXPECT_EQ(fusionsOf(10, none), 1);                                          // 8x8 -> 4x4
  EXPECT_EQ(fusionsOf(10, none, true), 0);                                    // conv is an output
  EXPECT_EQ(fusionsOf(10, none, false, true), 0);                             // two readers
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.stride = {1, 1}; }), 0);   // overlapping
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.padEnd = {1, 1}; }), 0);   // padded
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.type = PoolingType::kAVERAGE; }), 0);
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.global = true; }), 0);
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.dilation = {2, 2}; }), 0);
  // Ceil rounding fuses only where it equals floor: 8 / 2 yes, 9 / 2 no (5 windows vs 4).
  EXPECT_EQ(fusionsOf(10, [](PoolingParams& p) { p.rounding = PoolRounding::kCEIL; }), 1);
  EXPECT_EQ(fusionsOf(11, [](PoolingParams& p) { p.rounding = PoolRounding::kCEIL; }), 0);
  EXPECT_EQ(fusionsOf(11, none), 1);  // floor: the last row and column are dropped, as pooling does
}

TEST(DeviceFusions, QuantizeStaysWhenItsInputHasOtherReaders) {
  // data feeds the INT8 conv (through a quantize) and an FP32 softmax: data's scale entry must
  // stay 0, so the quantize is kept.
  Network net;
  TensorId x = net.addInput("data", DataType::kFLOAT, {2, 3, 8, 8});
  Layer& c = net.addConvolution(x, 4, {3, 3}, w(4 * 27, 1), {});
  c.name = "conv";
  Layer& f = net.addFullyConnected(c.output(), 2, w(2 * 144, 2), {});
  net.markOutput(f.output());
  Layer& s = net.addSoftMax(x, 1);
  net.markOutput(s.output());
  PrecisionAssignment a = int8Assignment(net);
  ASSERT_GE(layerIndex(a.network, "data (quantize)"), 0);
  FakeDevice gpu;
  EXPECT_EQ(fuseQuantizeIntoConv(a, 2, gpu.options()), 0);
  EXPECT_GE(layerIndex(a.network, "data (quantize)"), 0);
}

// ---- reshape aliasing ----

TEST(DeviceFusions, FullyConnectedTakesTheSoftmaxOverItsOutputs) {
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = int8Assignment(net);
  const size_t before = a.network.layers().size();
  FakeDevice gpu{false, false, true};
  EXPECT_EQ(applyDeviceFusions(a, 16, gpu.options()), 1);
  const Network& n = a.network;
  ASSERT_EQ(n.layers().size(), before - 1);
  EXPECT_TRUE(n.validate().isOk());
  const Layer& head = n.layers().back();
  EXPECT_EQ(head.name, "fc2 + prob");
  EXPECT_TRUE(head.as<FullyConnectedParams>().fusedSoftmax);
  EXPECT_EQ(a.layerPrecision.back(), DataType::kINT8);
  EXPECT_EQ(n.tensor(head.outputs[0]).name, "prob");
  EXPECT_TRUE(n.tensor(head.outputs[0]).isOutput);
  EXPECT_EQ(a.tensorTypes[head.outputs[0]], DataType::kFLOAT);
  EXPECT_EQ(n.inferShapesForBatch(5)[head.outputs[0]], (Shape{5, 3}));
}

TEST(DeviceFusions, SoftmaxStaysWhereItIsNotPerSampleOrTheLogitsAreRead) {
  FakeDevice gpu{false, false, true};
  {  // log-softmax
    Network net = smallLeNet();
    for (Layer& l : net.layers())
      if (l.kind() == LayerKind::kSOFTMAX) l.as<SoftMaxParams>().log = true;
    PrecisionAssignment a = int8Assignment(optimized(net));
    EXPECT_EQ(applyDeviceFusions(a, 16, gpu.options()), 0);
  }
  {  // over the batch axis
    Network net = smallLeNet();
    for (Layer& l : net.layers())
      if (l.kind() == LayerKind::kSOFTMAX) l.as<SoftMaxParams>().axis = 0;
    PrecisionAssignment a = int8Assignment(optimized(net));
    EXPECT_EQ(applyDeviceFusions(a, 16, gpu.options()), 0);
  }
  {  // the logits are a network output too
    Network net = smallLeNet();
    for (Layer& l : net.layers())
      if (l.name == "fc2") net.markOutput(l.outputs[0]);
    PrecisionAssignment a = int8Assignment(optimized(net));
    EXPECT_EQ(applyDeviceFusions(a, 16, gpu.options()), 0);
  }
  {  // a device without the fused kernel
    PrecisionAssignment a = int8Assignment(optimized(smallLeNet()));
    FakeDevice plain{false, false, false};
    EXPECT_EQ(applyDeviceFusions(a, 16, plain.options()), 0);
  }
}

// The CPU references run the fused layer as the unfused pair (they are the GPU kernels' oracle).
TEST(DeviceFusions, ReferenceOfAFusedSoftmaxIsTheUnfusedPair) {
  const int64_t n = 7, c = 13, k = 5;
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {n, c});
  Layer& fc = net.addFullyConnected(x, k, w(static_cast<size_t>(k * c), 11), w(k, 12));
  fc.as<FullyConnectedParams>().activation.type = ActivationType::kRELU;
  Layer fused = fc;
  fused.as<FullyConnectedParams>().fusedSoftmax = true;
  Layer& sm = net.addSoftMax(fc.output());
  const std::vector<float> xv = randomFloats(static_cast<size_t>(n * c), 13);
  const std::vector<float> logits = cpu::test::runKernel("fully_connected_ref", net.layers()[0],
                                                         {{n, c}}, {{n, c}}, {xv});
  const std::vector<float> want =
      cpu::test::runKernel("softmax_ref", sm, {{n, k}}, {{n, k}}, {logits});
  const std::vector<float> got =
      cpu::test::runKernel("fully_connected_ref", fused, {{n, c}}, {{n, c}}, {xv});
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
  // The fast CPU kernel does not claim it.
  KernelSetup s = cpu::test::makeSetup(fused, {{n, c}});
  for (const KernelCandidate& kc : cpuKernelRegistry())
    if (kc.kind == LayerKind::kFULLY_CONNECTED && kc.precision == DataType::kFLOAT &&
        !std::string(kc.name).ends_with("_ref"))
      EXPECT_FALSE(kc.supports(s, cpuFeatures())) << kc.name;
}

TEST(ReshapeAlias, PureReshapesOnly) {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {2, 3, 4});
  Layer& r = net.addShuffle(x);
  r.as<ShuffleParams>().doReshape = true;
  r.as<ShuffleParams>().reshapeDims = {2, 12};
  EXPECT_TRUE(isPureReshape(r));
  r.as<ShuffleParams>().firstTranspose = {0, 1, 2};
  EXPECT_TRUE(isPureReshape(r));
  r.as<ShuffleParams>().firstTranspose = {0, 2, 1};
  EXPECT_FALSE(isPureReshape(r));
}

TEST(ReshapeAlias, MemoryPlannerSharesTheBlockAndExtendsItsLife) {
  // a -> conv -> t1 -> reshape -> t2 -> reshape -> t3 -> fc -> t4 -> fc -> out
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {1, 2, 4, 4});
  TensorId t1 = net.addConvolution(x, 2, {1, 1}, w(4, 1), {}).output();
  Layer& r1 = net.addShuffle(t1);
  r1.as<ShuffleParams>().doReshape = true;
  r1.as<ShuffleParams>().reshapeDims = {1, 32};
  TensorId t2 = r1.output();
  Layer& r2 = net.addShuffle(t2);
  r2.as<ShuffleParams>().doReshape = true;
  r2.as<ShuffleParams>().reshapeDims = {1, 32, 1};
  TensorId t3 = r2.output();
  TensorId t4 = net.addFullyConnected(t3, 32, w(32 * 32, 2), {}).output();
  TensorId out = net.addFullyConnected(t4, 2, w(64, 3), {}).output();
  net.markOutput(out);
  std::vector<int64_t> bytes(net.nbTensors(), 128);
  std::vector<bool> inArena(net.nbTensors(), true);
  inArena[x] = inArena[out] = false;
  std::vector<TensorId> alias(net.nbTensors(), -1);
  alias[t2] = t1;
  alias[t3] = t2;
  MemoryPlan m = planMemory(net, bytes, inArena, alias);
  EXPECT_EQ(m.offsets[t2], m.offsets[t1]);
  EXPECT_EQ(m.offsets[t3], m.offsets[t1]);
  EXPECT_NE(m.offsets[t4], m.offsets[t1]);  // t1's block lives until the fc reading t3
  EXPECT_EQ(m.arenaBytes, 256);
}

// Records every observed tensor as floats.
struct Recorder : ITensorObserver {
  std::map<std::string, std::vector<float>> seen;
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    seen[name].assign(data, data + volume(shape));
  }
  void observeInt8(const std::string& name, const Shape& shape, const int8_t* data,
                   float scale) override {
    auto& v = seen[name];
    v.resize(volume(shape));
    for (size_t i = 0; i < v.size(); ++i) v[i] = data[i] * scale;
  }
};

std::vector<float> runEngine(const std::vector<uint8_t>& planBytes, int64_t batch,
                             const std::vector<float>& input, Recorder* recorder = nullptr) {
  auto engine = deserializeEngine(planBytes, "test.plan");
  EXPECT_TRUE(engine.isOk()) << engine.status().message();
  if (!engine.isOk()) return {};
  std::vector<float> out(batch * 3, -1.f);
  std::vector<float> in = input;
  void* bindings[] = {in.data(), out.data()};
  auto ctx = engine.value()->createExecutionContext();
  if (recorder) ctx->setObserver(recorder);
  Status s = ctx->execute(batch, bindings);
  EXPECT_TRUE(s.isOk()) << s.message();
  return out;
}

void expectAliasedFlatten(const PlanData& plan) {
  int f = layerIndex(plan.network, "flatten");
  ASSERT_GE(f, 0);
  EXPECT_EQ(plan.kernels[f], kReshapeAliasKernel);
  const Layer& l = plan.network.layers()[f];
  EXPECT_GE(plan.arenaOffsets[l.inputs[0]], 0);
  EXPECT_EQ(plan.arenaOffsets[l.inputs[0]], plan.arenaOffsets[l.outputs[0]]);
}

class ReshapeAliasCpu : public ::testing::TestWithParam<bool> {};

TEST_P(ReshapeAliasCpu, EngineAndObserverSeeTheSameDataAsWithoutIt) {
  bool int8 = GetParam();
  if (int8 && !platformHasFastInt8()) GTEST_SKIP() << "no AVX2";
  Network net = smallLeNet();
  if (int8)
    for (int t = 0; t < net.nbTensors(); ++t) net.setDynamicRange(t, -4.f, 4.f);
  BuilderConfig config;
  config.maxBatchSize = 4;
  config.int8 = int8;
  config.timingIterations = 0;
  PlanData fused = buildPlan(net, config, true);
  expectAliasedFlatten(fused);
  // CPU plans keep convolution and pooling apart (only the references pool).
  EXPECT_GE(layerIndex(fused.network, "pool1"), 0);
  EXPECT_GE(layerIndex(fused.network, "pool2"), 0);
  PlanData plain = buildPlan(net, config, false);
  EXPECT_EQ(std::count(plain.kernels.begin(), plain.kernels.end(), kReshapeAliasKernel), 0);

  // The same plan with the flatten copying into memory of its own.
  PlanData copying = fused;
  int f = layerIndex(fused.network, "flatten");
  const Layer& flatten = fused.network.layers()[f];
  copying.kernels[f] = int8 ? "shuffle_int8_ref" : "shuffle_ref";
  copying.arenaOffsets[flatten.outputs[0]] = copying.arenaBytes;
  copying.arenaBytes += 4 * 96 * 4;

  auto input = randomFloats(3 * 28 * 28, 9);
  Recorder seen, seenCopying;
  auto a = runEngine(serializePlan(fused), 3, input, &seen);
  auto b = runEngine(serializePlan(copying), 3, input, &seenCopying);
  EXPECT_EQ(a, b);
  EXPECT_EQ(runEngine(serializePlan(fused), 3, input), a);  // without the observer
  const std::string& in = fused.network.tensor(flatten.inputs[0]).name;
  const std::string& out = fused.network.tensor(flatten.outputs[0]).name;
  ASSERT_TRUE(seen.seen.count(in) && seen.seen.count(out));
  EXPECT_EQ(seen.seen[in], seen.seen[out]);
  EXPECT_EQ(seen.seen[out], seenCopying.seen[out]);
  EXPECT_EQ(seen.seen.size(), seenCopying.seen.size());
}

INSTANTIATE_TEST_SUITE_P(Fp32AndInt8, ReshapeAliasCpu, ::testing::Values(false, true));

TEST(ReshapeAlias, LoaderRefusesAFalseAlias) {
  Network net = smallLeNet();
  BuilderConfig config;
  config.maxBatchSize = 2;
  config.timingIterations = 0;
  PlanData p = buildPlan(net, config, true);
  int f = layerIndex(p.network, "flatten");
  TensorId out = p.network.layers()[f].outputs[0];
  p.arenaOffsets[out] += 64;
  p.arenaBytes += 64;
  auto e = deserializeEngine(serializePlan(p), "bad.plan");
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("reshape_alias"), std::string::npos) << e.status().message();
}

TEST(DeviceFusions, LoaderRefusesAQuantizeScaleWithoutItsOneReader) {
  BuilderConfig config;
  config.maxBatchSize = 2;
  config.timingIterations = 0;
  PlanData p = buildPlan(smallLeNet(), config, true);
  p.tensorScales[p.network.findTensor("prob")] = 0.01f;  // a network output: no reader
  auto e = deserializeEngine(serializePlan(p), "bad.plan");
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("quantize scale"), std::string::npos) << e.status().message();
}

// ---- plan format ----

// A plan of the small LeNet after the fake device's fusions (kernel names are placeholders).
PlanData planAfterFusions(FakeDevice gpu) {
  Network net = optimized(smallLeNet());
  PrecisionAssignment a = int8Assignment(net);
  applyDeviceFusions(a, 4, gpu.options());
  PlanData p;
  p.network = a.network;
  p.maxBatchSize = 4;
  p.tensorTypes = a.tensorTypes;
  p.tensorScales = a.tensorScales;
  p.kernels.assign(p.network.layers().size(), "k");
  p.kernelConfigs.assign(p.network.layers().size(), "");
  p.arenaOffsets.assign(p.network.nbTensors(), -1);
  return p;
}

PlanData fusedPlan() {
  PlanData p = planAfterFusions(FakeDevice{});
  p.kernels[layerIndex(p.network, "flatten")] = kReshapeAliasKernel;
  return p;
}

TEST(PlanFormat, FusionsSurviveTheRoundTrip) {
  PlanData p = fusedPlan();
  PlanData q = deserializePlan(serializePlan(p), "t.plan");
  ASSERT_EQ(layerNames(q.network), layerNames(p.network));
  EXPECT_EQ(q.network.layers()[0].as<ConvolutionParams>().fusedMaxPool, (Shape{2, 2}));
  EXPECT_EQ(q.network.layers()[1].as<ConvolutionParams>().fusedMaxPool, (Shape{2, 2}));
  EXPECT_EQ(q.tensorScales, p.tensorScales);
  EXPECT_EQ(q.kernels, p.kernels);
  EXPECT_EQ(q.network.inferShapesForBatch(3), p.network.inferShapesForBatch(3));
  // Format 1 cannot say any of it.
  EXPECT_THROW(serializePlan(p, 1), Error);
}

TEST(PlanFormat, FusedSoftmaxSurvivesTheRoundTripInFormat3Only) {
  PlanData p = planAfterFusions(FakeDevice{true, true, true});
  ASSERT_TRUE(p.network.layers().back().as<FullyConnectedParams>().fusedSoftmax);
  PlanData q = deserializePlan(serializePlan(p), "t.plan");
  EXPECT_TRUE(q.network.layers().back().as<FullyConnectedParams>().fusedSoftmax);
  EXPECT_FALSE(q.network.layers()[layerIndex(q.network, "fc1")].as<FullyConnectedParams>().fusedSoftmax);
  EXPECT_THROW(serializePlan(p, 2), Error);
}

TEST(PlanFormat, VersionOnePlansWithConvolutionsLoadAndRun) {
  Network net = smallLeNet();
  BuilderConfig config;
  config.maxBatchSize = 4;
  config.timingIterations = 0;
  PlanData p = buildPlan(net, config, false);  // nothing format 2 in it
  std::vector<uint8_t> v1 = serializePlan(p, 1);
  uint32_t version;
  std::memcpy(&version, &v1[8], 4);
  ASSERT_EQ(version, 1u);
  PlanData q = deserializePlan(v1, "old.plan");
  int c = layerIndex(q.network, "conv1");
  ASSERT_GE(c, 0);
  EXPECT_TRUE(q.network.layers()[c].as<ConvolutionParams>().fusedMaxPool.empty());
  EXPECT_EQ(q.network.layers()[c].as<ConvolutionParams>().weights.values,
            p.network.layers()[c].as<ConvolutionParams>().weights.values);
  auto input = randomFloats(2 * 28 * 28, 4);
  EXPECT_EQ(runEngine(v1, 2, input), runEngine(serializePlan(p), 2, input));
}

}  // namespace
}  // namespace int8rt

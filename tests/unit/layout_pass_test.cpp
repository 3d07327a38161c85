// The builder's layout pass without a GPU: run detection, the reformats it inserts (or the
// precision reformats it makes convert the layout too), bindings kept NCHW under their names,
// forced / timed choices, with a made-up kernel catalog; and the CPU builder's refusal of NHWC.
#include <gtest/gtest.h>

#include <algorithm>

#include "builder/layout.h"
#include "builder/precision.h"
#include "core/error.h"
#include "int8rt/builder.h"
#include "test_random.h"

namespace int8rt {
namespace {

using testing_util::randomFloats;

Weights w(size_t n, unsigned seed) { return Weights{randomFloats(n, seed)}; }

// data [N, c0, 8, 8] -> conv1 (c0 -> 8, 3x3 pad 1) -> relu1 -> pool1 (2x2) -> conv2 (8 -> 16,
// 3x3 pad 1) -> relu2 -> flatten -> fc -> prob. With `poolFirst`, data -> pool0 -> conv1...
Network testNet(int64_t c0, bool poolFirst = false, bool relu2IsOutput = false) {
  Network net;
  net.name = "layout";
  TensorId x = net.addInput("data", DataType::kFLOAT, {-1, c0, 8, 8});
  if (poolFirst) {
    Layer& p = net.addPooling(x, PoolingType::kAVERAGE, {1, 1});
    p.name = "pool0";
    net.tensor(p.output()).name = "pool0";
    x = p.output();
  }
  auto conv = [&](TensorId in, int64_t c, int64_t k, const char* name, unsigned seed) {
    Layer& l = net.addConvolution(in, k, {3, 3}, w(k * c * 9, seed), w(k, seed + 1));
    l.as<ConvolutionParams>().padBegin = {1, 1};
    l.as<ConvolutionParams>().padEnd = {1, 1};
    l.name = name;
    net.tensor(l.output()).name = name;
    return l.output();
  };
  auto named = [&](Layer& l, const char* name) {
    l.name = name;
    net.tensor(l.output()).name = name;
    return l.output();
  };
  TensorId t = conv(x, c0, 8, "conv1", 1);
  t = named(net.addActivation(t, ActivationType::kRELU), "relu1");
  t = named(net.addPooling(t, PoolingType::kMAX, {2, 2}), "pool1");
  t = conv(t, 8, 16, "conv2", 3);
  t = named(net.addActivation(t, ActivationType::kRELU), "relu2");
  if (relu2IsOutput) net.markOutput(t);
  Layer& f = net.addShuffle(t);
  f.as<ShuffleParams>().doReshape = true;
  f.as<ShuffleParams>().reshapeDims = {0, -1};
  t = named(f, "flatten");
  t = named(net.addFullyConnected(t, 10, w(10 * 16 * 16, 5), w(10, 6)), "fc");
  t = named(net.addSoftMax(t, 1), "prob");
  net.markOutput(t);
  return net;
}

bool allNhwc(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputShapes.size(); ++i)
    if (s.inputFormat(i) != TensorFormat::kNHWC) return false;
  for (size_t i = 0; i < s.outputShapes.size(); ++i)
    if (s.outputFormat(i) != TensorFormat::kNHWC) return false;
  return true;
}

bool allLinear(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputShapes.size(); ++i)
    if (s.inputFormat(i) != TensorFormat::kLINEAR) return false;
  for (size_t i = 0; i < s.outputShapes.size(); ++i)
    if (s.outputFormat(i) != TensorFormat::kLINEAR) return false;
  return true;
}

// A made-up device: everything linear; NHWC convolutions with C % 8 == 0, NHWC pooling and
// activation; Identity reformats between formats (with any type change).
bool fakeSupports(const KernelSetup& s, DataType) {
  if (allLinear(s)) return true;
  const LayerKind k = s.layer->kind();
  if (k == LayerKind::kIDENTITY) return s.inputFormat(0) != s.outputFormat(0);
  if (!allNhwc(s)) return false;
  if (k == LayerKind::kCONVOLUTION) return s.inputShapes[0][1] % 8 == 0;
  return k == LayerKind::kPOOLING || k == LayerKind::kACTIVATION;
}

PrecisionAssignment assign(const Network& net, bool fp16) {
  BuilderConfig config;
  config.fp16 = fp16;
  KernelCatalog all{[](LayerKind, DataType) { return true; },
                    [](const KernelSetup&, DataType) { return true; }};
  return assignPrecisions(net, config, {}, all);
}

LayoutOptions forced(LayoutPolicy policy = LayoutPolicy::kNHWC) {
  LayoutOptions o;
  o.policy = policy;
  o.maxBatch = 4;
  o.supports = fakeSupports;
  o.microseconds = [](const KernelSetup&, DataType) -> double {
    fail("timing asked for in a forced layout");
  };
  return o;
}

int layerIndex(const Network& net, const std::string& name) {
  for (size_t i = 0; i < net.layers().size(); ++i)
    if (net.layers()[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> layerNames(const Network& net) {
  std::vector<std::string> v;
  for (const Layer& l : net.layers()) v.push_back(l.name);
  return v;
}

TensorFormat formatOf(const Network& net, const std::vector<TensorFormat>& f, const std::string& tensor) {
  TensorId t = net.findTensor(tensor);
  EXPECT_GE(t, 0) << tensor;
  return t < 0 ? TensorFormat::kCOUNT : f[t];
}

TEST(LayoutRuns, MaximalCapableRunsWithAConvolutionOrPooling) {
  Network net = testNet(3);
  // conv1 (C = 3) cannot; relu1, pool1, conv2, relu2 can; a lone activation run is dropped.
  std::vector<bool> capable = {false, true, true, true, true, false, false, false, true};
  Network extra = net;
  Layer& tail = extra.addActivation(extra.outputs()[0], ActivationType::kRELU);
  tail.name = "tail";
  auto runs = findLayoutRuns(extra, [&](size_t i) { return capable.at(i); });
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first, 1u);
  EXPECT_EQ(runs[0].last, 4u);
}

TEST(LayoutPass, ForcedNhwcInsertsReformatsAroundTheRun) {
  Network net = testNet(3);
  PrecisionAssignment a = assign(net, true);
  std::vector<TensorFormat> f = assignLayouts(a, forced());
  const Network& n = a.network;
  ASSERT_EQ(f.size(), static_cast<size_t>(n.nbTensors()));
  EXPECT_EQ(layerNames(n),
            (std::vector<std::string>{"data (to fp16)", "conv1", "conv1 (to nhwc)", "relu1", "pool1",
                                      "conv2", "relu2", "relu2 (to nchw)", "flatten", "fc", "prob",
                                      "prob (to fp32)"}));
  for (const char* t : {"relu1", "pool1", "conv2", "relu2", "conv1 (nhwc)"})
    EXPECT_EQ(formatOf(n, f, t), TensorFormat::kNHWC) << t;
  for (const char* t : {"data", "data (fp16)", "conv1", "relu2 (nchw)", "flatten", "prob"})
    EXPECT_EQ(formatOf(n, f, t), TensorFormat::kLINEAR) << t;
  // The run reads the NHWC copy; flatten reads the NCHW copy; types and precisions follow.
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "relu1")].inputs[0]).name, "conv1 (nhwc)");
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "flatten")].inputs[0]).name, "relu2 (nchw)");
  EXPECT_EQ(a.tensorTypes[n.findTensor("conv1 (nhwc)")], DataType::kHALF);
  EXPECT_EQ(a.layerPrecision[layerIndex(n, "conv1 (to nhwc)")], DataType::kHALF);
  EXPECT_EQ(a.layerPrecision.size(), n.layers().size());
  EXPECT_EQ(a.tensorScales.size(), static_cast<size_t>(n.nbTensors()));
  EXPECT_EQ(n.tensor(n.outputs()[0]).name, "prob");
  EXPECT_TRUE(n.validate().isOk());
  EXPECT_EQ(n.inferShapesForBatch(2)[n.findTensor("conv1 (nhwc)")], (Shape{2, 8, 8, 8}));
}

TEST(LayoutPass, PrecisionReformatsConvertTheLayoutToo) {
  // data -> (to fp16) -> pool0 ... relu2 (an output): the FP32 -> FP16 reformat writes NHWC,
  // relu2's FP16 -> FP32 reformat reads NHWC; no layout reformat is needed for either.
  Network net = testNet(8, /*poolFirst=*/true, /*relu2IsOutput=*/true);
  PrecisionAssignment a = assign(net, true);
  std::vector<TensorFormat> f = assignLayouts(a, forced());
  const Network& n = a.network;
  EXPECT_EQ(layerIndex(n, "data (to nhwc)"), -1);
  EXPECT_EQ(formatOf(n, f, "data (fp16)"), TensorFormat::kNHWC);
  EXPECT_EQ(formatOf(n, f, "data"), TensorFormat::kLINEAR);
  EXPECT_EQ(formatOf(n, f, "relu2 (fp16)"), TensorFormat::kNHWC);
  EXPECT_EQ(formatOf(n, f, "relu2"), TensorFormat::kLINEAR);  // the binding
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "relu2 (to fp32)")].inputs[0]).name, "relu2 (fp16)");
  // flatten (FP16, NCHW) still needs an NCHW copy of the NHWC tensor.
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "flatten")].inputs[0]).name, "relu2 (fp16) (nchw)");
  for (TensorId t : n.outputs()) EXPECT_EQ(f[t], TensorFormat::kLINEAR) << n.tensor(t).name;
  EXPECT_EQ(layerNames(n).front(), "data (to fp16)");
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "pool0")].inputs[0]).name, "data (fp16)");
}

TEST(LayoutPass, Fp32OutputMadeInARunKeepsItsName) {
  Network net = testNet(8, true, /*relu2IsOutput=*/true);
  PrecisionAssignment a = assign(net, false);
  std::vector<TensorFormat> f = assignLayouts(a, forced());
  const Network& n = a.network;
  EXPECT_GE(layerIndex(n, "data (to nhwc)"), 0);
  TensorId out = n.findTensor("relu2");
  ASSERT_GE(out, 0);
  EXPECT_TRUE(n.tensor(out).isOutput);
  EXPECT_EQ(f[out], TensorFormat::kLINEAR);
  EXPECT_EQ(formatOf(n, f, "relu2 (nhwc)"), TensorFormat::kNHWC);
  EXPECT_EQ(n.layers()[layerIndex(n, "relu2 (to nchw)")].outputs[0], out);
  EXPECT_EQ(n.tensor(n.layers()[layerIndex(n, "flatten")].inputs[0]).name, "relu2");
  std::vector<std::string> outs;
  for (TensorId t : n.outputs()) outs.push_back(n.tensor(t).name);
  EXPECT_EQ(outs, (std::vector<std::string>{"relu2", "prob"}));
}

TEST(LayoutPass, NchwAndPinnedLayersStayLinear) {
  Network net = testNet(3);
  PrecisionAssignment a = assign(net, true);
  const size_t layers = a.network.layers().size();
  std::vector<TensorFormat> f = assignLayouts(a, forced(LayoutPolicy::kNCHW));
  EXPECT_EQ(a.network.layers().size(), layers);
  EXPECT_TRUE(std::all_of(f.begin(), f.end(), [](TensorFormat x) { return x == TensorFormat::kLINEAR; }));
  // conv2 pinned: the run splits into relu1..pool1 (pooling: kept) and relu2 (dropped).
  LayoutOptions o = forced();
  o.pinnedLayers = {"conv2"};
  f = assignLayouts(a, o);
  const Network& n = a.network;
  EXPECT_EQ(formatOf(n, f, "pool1"), TensorFormat::kNHWC);
  EXPECT_EQ(formatOf(n, f, "conv2"), TensorFormat::kLINEAR);
  EXPECT_EQ(formatOf(n, f, "relu2"), TensorFormat::kLINEAR);
}

TEST(LayoutPass, AutoKeepsTheFasterLayout) {
  Network net = testNet(3);
  // Every layer costs 1 us whatever its layout: the reformats make NHWC slower.
  PrecisionAssignment a = assign(net, true);
  LayoutOptions o = forced(LayoutPolicy::kAUTO);
  std::vector<std::string> log;
  o.log = [&](const std::string& m) { log.push_back(m); };
  o.microseconds = [](const KernelSetup&, DataType) { return 1.0; };
  std::vector<TensorFormat> f = assignLayouts(a, o);
  EXPECT_TRUE(std::all_of(f.begin(), f.end(), [](TensorFormat x) { return x == TensorFormat::kLINEAR; }));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("nhwc 6 us (with reformats) vs nchw 4 us: nchw"), std::string::npos) << log[0];
  // An NHWC convolution 10 us faster pays for the two reformats.
  o.microseconds = [](const KernelSetup& s, DataType) {
    return s.layer->kind() == LayerKind::kCONVOLUTION && allLinear(s) ? 11.0 : 1.0;
  };
  log.clear();
  f = assignLayouts(a, o);
  EXPECT_EQ(formatOf(a.network, f, "conv2"), TensorFormat::kNHWC);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find(": nhwc"), std::string::npos) << log[0];
}

TEST(LayoutPass, RunWithoutAReformatKernelStaysNchw) {
  Network net = testNet(8);
  PrecisionAssignment a = assign(net, true);
  LayoutOptions o = forced();
  o.supports = [](const KernelSetup& s, DataType p) {
    return s.layer->kind() != LayerKind::kIDENTITY || allLinear(s) ? fakeSupports(s, p) : false;
  };
  std::vector<std::string> log;
  o.log = [&](const std::string& m) { log.push_back(m); };
  std::vector<TensorFormat> f = assignLayouts(a, o);
  EXPECT_TRUE(std::all_of(f.begin(), f.end(), [](TensorFormat x) { return x == TensorFormat::kLINEAR; }));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("nchw (no NHWC kernel for"), std::string::npos) << log[0];
}

TEST(LayoutPass, CpuBuildsRefuseNhwc) {
  Network net = testNet(3);
  BuilderConfig config;
  config.layout = LayoutPolicy::kNHWC;
  auto r = buildSerializedNetwork(net, config);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(),
            "layout nhwc: CPU engines store every tensor NCHW (NHWC needs --device cuda)");
  config.layout = LayoutPolicy::kAUTO;
  config.timingIterations = 0;
  EXPECT_TRUE(buildSerializedNetwork(net, config).isOk());
}

}  // namespace
}  // namespace int8rt

// NHWC layouts end to end: LeNet (models/lenet/lenet.onnx) and a network with wider
// convolutions, built for the GPU with the layout forced NCHW and NHWC (and chosen by timing),
// against each other and the CPU FP32 engine; plans round-tripped; observers see NHWC tensors in
// their shape's (NCHW) order; the time of both layouts at batch 100 is printed.
#include <cstdlib>
#include <map>

#include "cuda_engine_test_util.h"
#include "cuda_test_util.h"
#include "int8rt/builder.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"

namespace int8rt::cuda::test {
namespace {

constexpr int64_t kMaxBatch = 100;

Weights w(int64_t n, uint32_t seed, float scale) { return Weights{cpu::test::randomValues(n, seed, scale)}; }

// data [N, 3, 20, 20] -> conv 3->16 3x3 pad 1 + relu -> conv 16->32 3x3 pad 1 -> relu -> max pool
// 2x2 -> conv 32->24 3x3 (groups 2) -> avg pool 3x3 s2 pad 1 -> flatten -> fc 10 -> prob.
std::unique_ptr<Network> wideNet() {
  auto net = std::make_unique<Network>();
  net->name = "wide";
  TensorId t = net->addInput("data", DataType::kFLOAT, {-1, 3, 20, 20});
  auto conv = [&](TensorId in, int64_t c, int64_t k, int64_t groups, bool pad, const char* name, uint32_t seed) {
    Layer& l = net->addConvolution(in, k, {3, 3}, w(k * c / groups * 9, seed, 0.3f), w(k, seed + 1, 0.1f));
    auto& p = l.as<ConvolutionParams>();
    p.groups = groups;
    if (pad) p.padBegin = p.padEnd = {1, 1};
    l.name = name;
    net->tensor(l.output()).name = name;
    return l.output();
  };
  auto named = [&](Layer& l, const char* name) {
    l.name = name;
    net->tensor(l.output()).name = name;
    return l.output();
  };
  t = conv(t, 3, 16, 1, true, "conv1", 1);
  t = named(net->addActivation(t, ActivationType::kRELU), "relu1");
  t = conv(t, 16, 32, 1, true, "conv2", 3);
  t = named(net->addActivation(t, ActivationType::kRELU), "relu2");
  t = named(net->addPooling(t, PoolingType::kMAX, {2, 2}), "pool1");
  t = conv(t, 32, 24, 2, false, "conv3", 5);
  Layer& ap = net->addPooling(t, PoolingType::kAVERAGE, {3, 3});
  ap.as<PoolingParams>().stride = {2, 2};
  ap.as<PoolingParams>().padBegin = ap.as<PoolingParams>().padEnd = {1, 1};
  t = named(ap, "pool2");
  Layer& f = net->addShuffle(t);
  f.as<ShuffleParams>().doReshape = true;
  f.as<ShuffleParams>().reshapeDims = {0, -1};
  t = named(f, "flatten");
  t = named(net->addFullyConnected(t, 10, w(10 * 24 * 4 * 4, 7, 0.05f), w(10, 8, 0.1f)), "fc");
  t = named(net->addSoftMax(t, 1), "prob");
  net->markOutput(t);
  return net;
}

std::vector<uint8_t> buildBytes(const Network& net, DeviceType device, bool fp16, LayoutPolicy layout,
                                std::vector<std::string>* log = nullptr) {
  BuilderConfig c;
  c.device = device;
  c.maxBatchSize = kMaxBatch;
  c.fp16 = fp16;
  c.layout = layout;
  c.timingIterations = 3;
  if (log) c.log = [log](const std::string& m) { log->push_back(m); };
  return buildPlanOrFail(net, c, "build");
}

std::unique_ptr<Engine> load(const std::vector<uint8_t>& bytes) { return loadEngine(bytes, "nhwc.plan"); }

int nhwcTensors(const std::vector<uint8_t>& bytes) {
  PlanData p = deserializePlan(bytes, "nhwc.plan");
  int n = 0;
  for (TensorFormat f : p.tensorFormats) n += f == TensorFormat::kNHWC;
  return n;
}

std::vector<float> randomInput(const Engine& e, int64_t batch, uint32_t seed) {
  std::vector<float> x(static_cast<size_t>(count(e.bindingShapeForBatch(0, batch))));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (float& v : x) v = u(rng);
  return x;
}

// Runs through executeHost (host bindings); an observer may watch.
std::vector<float> run(const Engine& e, int64_t batch, const std::vector<float>& x,
                       ITensorObserver* observer = nullptr) {
  std::vector<float> y(static_cast<size_t>(count(e.bindingShapeForBatch(1, batch))));
  auto ctx = e.createExecutionContext();
  if (observer) ctx->setObserver(observer);
  void* b[] = {const_cast<float*>(x.data()), y.data()};
  Status s = e.device() == DeviceType::kCUDA ? ctx->executeHost(batch, b, nullptr) : ctx->execute(batch, b);
  EXPECT_TRUE(s.isOk()) << s.message();
  return y;
}

float maxAbs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Rows whose top-1 is clear in `ref` (margin above 0.05) must have the same top-1 in `got`.
void expectSameTop1(const std::vector<float>& got, const std::vector<float>& ref, int64_t batch,
                    const char* what) {
  const size_t k = ref.size() / static_cast<size_t>(batch);
  int checked = 0;
  for (int64_t b = 0; b < batch; ++b) {
    auto row = [&](const std::vector<float>& v) { return v.begin() + static_cast<long>(b * k); };
    std::vector<float> r(row(ref), row(ref) + static_cast<long>(k));
    const size_t best = std::max_element(r.begin(), r.end()) - r.begin();
    std::vector<float> sorted = r;
    std::sort(sorted.rbegin(), sorted.rend());
    if (sorted[0] - sorted[1] < 0.05f) continue;
    ++checked;
    EXPECT_EQ(static_cast<size_t>(std::max_element(row(got), row(got) + static_cast<long>(k)) - row(got)),
              best) << what << ": row " << b;
  }
  EXPECT_GE(checked, batch / 2) << what;
}

void printLayers(const Engine& e, const std::vector<uint8_t>& bytes) {
  PlanData p = deserializePlan(bytes, "nhwc.plan");
  for (size_t i = 0; i < p.network.layers().size(); ++i) {
    const Layer& l = p.network.layers()[i];
    std::string fmt;
    for (TensorId t : l.outputs) fmt += tensorFormatName(p.tensorFormats[t]);
    std::printf("  %-26s %-44s [%s] %s\n", l.name.c_str(), p.kernels[i].c_str(),
                p.kernelConfigs[i].c_str(), fmt.c_str());
  }
}

// The median time of one whole-network run (CUDA graph) at `batch`, in milliseconds.
double timeEngine(const Engine& e, int64_t batch) {
  DeviceBuffer in(count(e.bindingShapeForBatch(0, batch)) * 4, "timing input");
  DeviceBuffer out(count(e.bindingShapeForBatch(1, batch)) * 4, "timing output");
  checkCuda(cudaMemset(in.get(), 0, in.bytes()), "input");
  auto ctx = e.createExecutionContext();
  cudaStream_t stream;
  checkCuda(cudaStreamCreate(&stream), "stream");
  void* b[] = {in.get(), out.get()};
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> samples;
  for (int i = 0; i < 25; ++i) {
    cudaEventRecord(start, stream);
    for (int r = 0; r < 20; ++r) EXPECT_TRUE(ctx->enqueue(batch, b, stream).isOk());
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 5) samples.push_back(ms / 20);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

struct Recorder : ITensorObserver {
  std::map<std::string, std::vector<float>> seen;
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    seen[name].assign(data, data + count(shape));
  }
};

void compareLayouts(const Network& net, const char* what) {
  auto cpuBytes = buildBytes(net, DeviceType::kCPU, false, LayoutPolicy::kAUTO);
  auto nchwBytes = buildBytes(net, DeviceType::kCUDA, true, LayoutPolicy::kNCHW);
  std::vector<std::string> log;
  auto nhwcBytes = buildBytes(net, DeviceType::kCUDA, true, LayoutPolicy::kNHWC, &log);
  ASSERT_FALSE(cpuBytes.empty() || nchwBytes.empty() || nhwcBytes.empty());
  for (const std::string& m : log)
    if (m.rfind("layout", 0) == 0) std::printf("  %s\n", m.c_str());
  EXPECT_EQ(nhwcTensors(nchwBytes), 0) << what;
  EXPECT_GT(nhwcTensors(nhwcBytes), 0) << what << ": nothing was stored NHWC";
  auto cpu = load(cpuBytes), nchw = load(nchwBytes), nhwc = load(nhwcBytes);
  ASSERT_TRUE(cpu && nchw && nhwc);
  std::printf("%s, FP16, layout nhwc:\n", what);
  printLayers(*nhwc, nhwcBytes);
  for (int64_t batch : {kMaxBatch, int64_t(7), int64_t(1)}) {
    SCOPED_TRACE(std::string(what) + " batch " + std::to_string(batch));
    std::vector<float> x = randomInput(*cpu, batch, 11 + static_cast<uint32_t>(batch));
    std::vector<float> ref = run(*cpu, batch, x);
    std::vector<float> a = run(*nchw, batch, x), b = run(*nhwc, batch, x);
    EXPECT_TRUE(allNear(b, a, 1e-2f * maxAbs(a), 1e-2f)) << "NHWC vs NCHW";
    EXPECT_TRUE(allNear(b, ref, 1e-2f * maxAbs(ref), 1e-2f)) << "NHWC vs CPU FP32";
    expectSameTop1(b, ref, batch, "NHWC vs CPU FP32");
    expectSameTop1(b, a, batch, "NHWC vs NCHW");
  }
  // Observers see every tensor in NCHW order whatever the engine stored.
  std::vector<float> x = randomInput(*cpu, 3, 5);
  Recorder rn, rh;
  run(*nchw, 3, x, &rn);
  run(*nhwc, 3, x, &rh);
  int compared = 0;
  for (const auto& [name, values] : rn.seen)
    if (rh.seen.count(name)) {
      ++compared;
      EXPECT_TRUE(allNear(rh.seen[name], values, 1e-2f * maxAbs(values), 1e-2f)) << name;
    }
  EXPECT_GE(compared, static_cast<int>(rn.seen.size()) - 1) << what;
  // The plan round-trips with its formats.
  PlanData p = deserializePlan(nhwcBytes, "nhwc.plan");
  EXPECT_EQ(deserializePlan(serializePlan(p), "again.plan").tensorFormats, p.tensorFormats);

  const double tNchw = timeEngine(*nchw, kMaxBatch), tNhwc = timeEngine(*nhwc, kMaxBatch);
  log.clear();
  auto autoBytes = buildBytes(net, DeviceType::kCUDA, true, LayoutPolicy::kAUTO, &log);
  auto autoEngine = load(autoBytes);
  ASSERT_TRUE(autoEngine);
  for (const std::string& m : log)
    if (m.rfind("layout", 0) == 0) std::printf("  auto %s\n", m.c_str());
  const double tAuto = timeEngine(*autoEngine, kMaxBatch);
  std::printf("%s FP16 batch %lld: nchw %.5f ms, nhwc %.5f ms, auto %.5f ms (%d NHWC tensors)\n",
              what, static_cast<long long>(kMaxBatch), tNchw, tNhwc, tAuto, nhwcTensors(autoBytes));
  std::vector<float> xa = randomInput(*cpu, kMaxBatch, 77);
  std::vector<float> ra = run(*autoEngine, kMaxBatch, xa), rc = run(*cpu, kMaxBatch, xa);
  EXPECT_TRUE(allNear(ra, rc, 1e-2f * maxAbs(rc), 1e-2f)) << "auto vs CPU";
}

TEST(CudaNhwcEngine, LeNetFp16NhwcMatchesNchwAndCpu) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  compareLayouts(*net, "LeNet");
}

TEST(CudaNhwcEngine, WideNetFp16NhwcMatchesNchwAndCpu) {
  I8RT_REQUIRE_GPU();
  auto net = wideNet();
  compareLayouts(*net, "wide net");
}

// FP32 builds: only pooling has FP32 NHWC kernels; forced NHWC still gives the same outputs.
TEST(CudaNhwcEngine, Fp32PoolingRunsInNhwc) {
  I8RT_REQUIRE_GPU();
  auto net = wideNet();
  auto cpu = load(buildBytes(*net, DeviceType::kCPU, false, LayoutPolicy::kAUTO));
  auto bytes = buildBytes(*net, DeviceType::kCUDA, false, LayoutPolicy::kNHWC);
  ASSERT_FALSE(bytes.empty());
  EXPECT_GT(nhwcTensors(bytes), 0);
  auto gpu = load(bytes);
  ASSERT_TRUE(cpu && gpu);
  std::vector<float> x = randomInput(*cpu, 9, 3);
  std::vector<float> ref = run(*cpu, 9, x);
  EXPECT_TRUE(allNear(run(*gpu, 9, x), ref, 1e-5f * maxAbs(ref), 1e-4f));
}

}  // namespace
}  // namespace int8rt::cuda::test

// The CUDA engine end to end on LeNet (models/lenet/lenet.onnx): FP32 / FP16 / INT8 engines
// against the CPU engine, CUDA graphs against plain launches, executeHost against execute,
// plans round-tripped, contexts on two threads, and the clear errors (batch above the maximum,
// host pointers, a plan for another architecture).
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "cuda_engine_test_util.h"
#include "cuda_test_util.h"
#include "int8rt/builder.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"

namespace int8rt::cuda::test {
namespace {

constexpr int64_t kMaxBatch = 16;

std::vector<uint8_t> buildPlanBytes(const Network& net, DeviceType device, bool fp16, bool int8) {
  BuilderConfig c;
  c.device = device;
  c.maxBatchSize = kMaxBatch;
  c.fp16 = fp16;
  c.int8 = int8;
  c.timingIterations = 2;
  return buildPlanOrFail(net, c, std::string(deviceName(device)) + (fp16 ? " fp16" : "") +
                                     (int8 ? " int8" : "") + " build");
}

std::unique_ptr<Engine> load(const std::vector<uint8_t>& bytes) { return loadEngine(bytes, "test.plan"); }

std::unique_ptr<Engine> build(const Network& net, DeviceType device, bool fp16 = false,
                              bool int8 = false) {
  std::vector<uint8_t> bytes = buildPlanBytes(net, device, fp16, int8);
  return bytes.empty() ? nullptr : load(bytes);
}

// The committed LeNet built for `device` and loaded (FP32 unless asked), or nullptr after a
// failure that is already reported.
std::unique_ptr<Engine> lenetEngine(DeviceType device, bool fp16 = false, bool int8 = false) {
  auto net = lenet();
  return net ? build(*net, device, fp16, int8) : nullptr;
}

// Images-like inputs in [0, 1].
std::vector<float> randomInput(const Engine& e, int64_t batch, uint32_t seed) {
  std::vector<float> x(static_cast<size_t>(count(e.bindingShapeForBatch(0, batch))));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (float& v : x) v = u(rng);
  return x;
}

std::vector<float> runCpu(const Engine& e, int64_t batch, const std::vector<float>& x) {
  std::vector<float> y(static_cast<size_t>(count(e.bindingShapeForBatch(1, batch))));
  void* b[] = {const_cast<float*>(x.data()), y.data()};
  auto ctx = e.createExecutionContext();
  Status s = ctx->execute(batch, b);
  EXPECT_TRUE(s.isOk()) << s.message();
  return y;
}

// Device buffers for one engine's two bindings at the max batch.
struct DeviceIo {
  DeviceBuffer in, out;
  explicit DeviceIo(const Engine& e)
      : in(count(e.bindingShapeForBatch(0, kMaxBatch)) * 4, "test input"),
        out(count(e.bindingShapeForBatch(1, kMaxBatch)) * 4, "test output") {}
};

std::vector<float> runGpu(ExecutionContext& ctx, const Engine& e, int64_t batch,
                          const std::vector<float>& x, DeviceIo& io) {
  std::vector<float> y(static_cast<size_t>(count(e.bindingShapeForBatch(1, batch))));
  checkCuda(cudaMemcpy(io.in.get(), x.data(), x.size() * 4, cudaMemcpyHostToDevice), "input");
  checkCuda(cudaMemset(io.out.get(), 0xFF, io.out.bytes()), "poison");
  void* b[] = {io.in.get(), io.out.get()};
  Status s = ctx.execute(batch, b);
  EXPECT_TRUE(s.isOk()) << s.message();
  checkCuda(cudaMemcpy(y.data(), io.out.get(), y.size() * 4, cudaMemcpyDeviceToHost), "output");
  return y;
}

std::vector<float> runGpu(const Engine& e, int64_t batch, const std::vector<float>& x) {
  DeviceIo io(e);
  auto ctx = e.createExecutionContext();
  return runGpu(*ctx, e, batch, x, io);
}

float maxAbs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

std::vector<int> argmaxRows(const std::vector<float>& y, int64_t batch) {
  size_t classes = y.size() / static_cast<size_t>(batch);
  std::vector<int> a;
  for (int64_t b = 0; b < batch; ++b) {
    auto row = y.begin() + static_cast<long>(b * classes);
    a.push_back(static_cast<int>(std::max_element(row, row + static_cast<long>(classes)) - row));
  }
  return a;
}

double agreement(const std::vector<int>& a, const std::vector<int>& b) {
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return a.empty() ? 0 : double(same) / double(a.size());
}

// Every tensor's |max| over a run of the CPU FP32 engine.
struct AmaxObserver : ITensorObserver {
  std::map<std::string, float> amax;
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    float& m = amax[name];
    for (int64_t i = 0; i < count(shape); ++i) m = std::max(m, std::fabs(data[i]));
  }
};

// Dynamic ranges from the CPU FP32 engine on random data: both INT8 engines use the same.
void setRangesFromCpu(Network& net) {
  auto cpu = build(net, DeviceType::kCPU);
  ASSERT_TRUE(cpu);
  AmaxObserver obs;
  auto ctx = cpu->createExecutionContext();
  ctx->setObserver(&obs);
  std::vector<float> x = randomInput(*cpu, kMaxBatch, 99);
  std::vector<float> y(static_cast<size_t>(count(cpu->bindingShapeForBatch(1, kMaxBatch))));
  void* b[] = {x.data(), y.data()};
  ASSERT_TRUE(ctx->execute(kMaxBatch, b).isOk());
  for (const auto& [name, m] : obs.amax) {
    TensorId t = net.findTensor(name);
    if (t >= 0 && m > 0) net.setDynamicRange(t, -m, m);
  }
}

TEST(CudaEngine, Fp32MatchesCpu) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  auto cpu = build(*net, DeviceType::kCPU);
  auto gpu = build(*net, DeviceType::kCUDA);
  ASSERT_TRUE(cpu && gpu);
  EXPECT_EQ(gpu->device(), DeviceType::kCUDA);
  for (int64_t batch : {kMaxBatch, int64_t(5), int64_t(1)}) {
    std::vector<float> x = randomInput(*cpu, batch, 1 + static_cast<uint32_t>(batch));
    std::vector<float> want = runCpu(*cpu, batch, x);
    EXPECT_TRUE(allNear(runGpu(*gpu, batch, x), want, 1e-5f * maxAbs(want), 1e-4f)) << "batch " << batch;
  }
  for (const LayerInfo& l : gpu->layerInfo()) {
    EXPECT_EQ(l.precision, "fp32") << l.name;
    if (l.kernel != "constant" && l.kernel != kReshapeAliasKernel) {
      EXPECT_EQ(l.kernel.rfind("cuda_", 0), 0u) << l.name << ": " << l.kernel;
    }
    std::printf("  %-24s %-44s [%s] %s\n", l.name.c_str(), l.kernel.c_str(), l.config.c_str(),
                l.precision.c_str());
  }
}

TEST(CudaEngine, Fp16MatchesCpu) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  auto cpu = build(*net, DeviceType::kCPU);
  auto gpu = build(*net, DeviceType::kCUDA, /*fp16=*/true);
  ASSERT_TRUE(cpu && gpu);
  int half = 0;
  for (const LayerInfo& l : gpu->layerInfo()) {
    half += l.precision == "fp16";
    std::printf("  %-24s %-44s [%s] %s\n", l.name.c_str(), l.kernel.c_str(), l.config.c_str(),
                l.precision.c_str());
  }
  EXPECT_GT(half, 0) << "no layer runs in FP16";
  std::vector<float> x = randomInput(*cpu, kMaxBatch, 3);
  std::vector<float> want = runCpu(*cpu, kMaxBatch, x);
  EXPECT_TRUE(allNear(runGpu(*gpu, kMaxBatch, x), want, 1e-2f * maxAbs(want), 1e-2f));
}

TEST(CudaEngine, Int8AgreesWithCpuInt8) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  setRangesFromCpu(*net);
  auto fp32 = build(*net, DeviceType::kCPU);
  auto cpu8 = build(*net, DeviceType::kCPU, false, true);
  auto gpu8 = build(*net, DeviceType::kCUDA, false, true);
  ASSERT_TRUE(fp32 && cpu8 && gpu8);
  int int8Layers = 0;
  for (const LayerInfo& l : gpu8->layerInfo()) {
    int8Layers += l.precision == "int8";
    std::printf("  %-24s %-44s [%s] %s\n", l.name.c_str(), l.kernel.c_str(), l.config.c_str(),
                l.precision.c_str());
  }
  EXPECT_GT(int8Layers, 0);
  std::vector<float> x = randomInput(*fp32, kMaxBatch, 5);
  std::vector<float> ref = runCpu(*fp32, kMaxBatch, x);
  std::vector<float> cpu = runCpu(*cpu8, kMaxBatch, x);
  std::vector<float> gpu = runGpu(*gpu8, kMaxBatch, x);
  // Same INT8 arithmetic (requantized values within 1 LSB per layer): close to the CPU's.
  EXPECT_TRUE(allNear(gpu, cpu, 0.03f * maxAbs(cpu), 0.f));
  EXPECT_GE(agreement(argmaxRows(gpu, kMaxBatch), argmaxRows(cpu, kMaxBatch)), 0.9);
  EXPECT_GE(agreement(argmaxRows(gpu, kMaxBatch), argmaxRows(ref, kMaxBatch)), 0.7);

  // INT8 with FP16: the layers that are not INT8 run in FP16; still close.
  auto gpuMixed = build(*net, DeviceType::kCUDA, true, true);
  ASSERT_TRUE(gpuMixed);
  std::vector<float> mixed = runGpu(*gpuMixed, kMaxBatch, x);
  EXPECT_GE(agreement(argmaxRows(mixed, kMaxBatch), argmaxRows(cpu, kMaxBatch)), 0.9);
}

// LeNet's INT8 CUDA plan built with INT8RT_CHAIN=mode ("0": layer kernels, "force": the
// fused chain wherever it can run); ranges from the CPU FP32 engine.
std::vector<uint8_t> lenetInt8Plan(Network& net, const char* mode) {
  const ScopedEnv chain("INT8RT_CHAIN", mode);
  return buildPlanBytes(net, DeviceType::kCUDA, false, true);
}

// The fused chain (INT8RT_CHAIN=force: the builder takes cuda_int8_chain for every run it can
// run) against the same network's layer kernels: the plan names the chain and its members, the
// engine (serialized and loaded) writes the chain's output from its first layer, and both give
// the same classes and the same probabilities (INT8 bits are the CPU's in both; the softmax
// sums in another order), at the maximum batch and below it.
TEST(CudaEngine, FusedChainMatchesLayerKernels) {
  I8RT_REQUIRE_GPU();
  if (currentDevice().sm() < 90) GTEST_SKIP() << "cuda_int8_chain needs sm_90";
  auto net = lenet();
  ASSERT_TRUE(net);
  setRangesFromCpu(*net);
  auto layers = load(lenetInt8Plan(*net, "0"));
  auto chained = load(lenetInt8Plan(*net, "force"));
  ASSERT_TRUE(layers && chained);
  int heads = 0, members = 0;
  for (const LayerInfo& l : chained->layerInfo()) {
    heads += l.kernel == "cuda_int8_chain";
    members += l.kernel == "chain_member";
  }
  EXPECT_EQ(heads, 1);
  EXPECT_GE(members, 3);
  for (int64_t batch : {kMaxBatch, int64_t(5)}) {
    std::vector<float> x = randomInput(*layers, batch, 17);
    std::vector<float> want = runGpu(*layers, batch, x);
    std::vector<float> got = runGpu(*chained, batch, x);
    EXPECT_TRUE(allNear(got, want, 1e-6f, 1e-5f)) << "batch " << batch;
    EXPECT_EQ(argmaxRows(got, batch), argmaxRows(want, batch));
  }
}

// A corrupt chain in a plan is refused on load with a reason: a length past the network, a
// member without its chain, a member that is another layer's kernel, a garbage configuration.
TEST(CudaEngine, CorruptChainPlansAreRefused) {
  I8RT_REQUIRE_GPU();
  if (currentDevice().sm() < 90) GTEST_SKIP() << "cuda_int8_chain needs sm_90";
  auto net = lenet();
  ASSERT_TRUE(net);
  setRangesFromCpu(*net);
  const std::vector<uint8_t> bytes = lenetInt8Plan(*net, "force");
  ASSERT_FALSE(bytes.empty());
  const PlanData good = deserializePlan(bytes, "t.plan");
  size_t head = good.kernels.size();
  for (size_t i = 0; i < good.kernels.size(); ++i)
    if (good.kernels[i] == "cuda_int8_chain") head = i;
  ASSERT_LT(head + 1, good.kernels.size());
  auto refused = [&](PlanData p, const std::string& what, const std::string& part) {
    auto e = deserializeEngine(serializePlan(p), "chain.plan");
    ASSERT_FALSE(e.isOk()) << what;
    EXPECT_NE(e.status().message().find(part), std::string::npos) << what << ": " << e.status().message();
  };
  PlanData p = good;
  p.kernelConfigs[head] = "cluster=8,layers=99";
  refused(p, "length past the network", "corrupt plan");
  p = good;
  p.kernelConfigs[head] = "cluster=8";
  refused(p, "no length", "corrupt plan");
  p = good;
  p.kernelConfigs[head] = "cluster=99,layers=" + good.kernelConfigs[head].substr(good.kernelConfigs[head].rfind('=') + 1);
  refused(p, "bad cluster", "cuda_int8_chain");
  p = good;
  p.kernels[head] = "cuda_conv2d_int8_imma_patch";
  p.kernelConfigs[head] = "";
  refused(p, "member without a chain", "chain_member");
}

TEST(CudaEngine, GraphsAndPlainLaunchesAgree) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  auto gpu = build(*net, DeviceType::kCUDA, true);
  ASSERT_TRUE(gpu);
  auto graphs = gpu->createExecutionContext();
  auto plain = [&] {
    const ScopedEnv noGraphs("INT8RT_CUDA_GRAPHS", "0");
    return gpu->createExecutionContext();
  }();
  DeviceIo a(*gpu), b(*gpu), c(*gpu);
  for (int64_t batch : {kMaxBatch, int64_t(3), kMaxBatch}) {
    std::vector<float> x = randomInput(*gpu, batch, 11 + static_cast<uint32_t>(batch));
    std::vector<float> want = runGpu(*plain, *gpu, batch, x, a);
    // Same pointers twice (replay), then other pointers (graph update).
    EXPECT_EQ(runGpu(*graphs, *gpu, batch, x, b), want) << "batch " << batch;
    EXPECT_EQ(runGpu(*graphs, *gpu, batch, x, b), want) << "replay, batch " << batch;
    EXPECT_EQ(runGpu(*graphs, *gpu, batch, x, c), want) << "new pointers, batch " << batch;
  }
}

TEST(CudaEngine, ExecuteHostMatchesExecute) {
  I8RT_REQUIRE_GPU();
  auto gpu = lenetEngine(DeviceType::kCUDA);
  ASSERT_TRUE(gpu);
  auto ctx = gpu->createExecutionContext();
  for (int64_t batch : {int64_t(7), kMaxBatch}) {
    std::vector<float> x = randomInput(*gpu, batch, 21);
    DeviceIo io(*gpu);
    std::vector<float> want = runGpu(*ctx, *gpu, batch, x, io);
    std::vector<float> y(want.size(), -1.f);
    void* b[] = {x.data(), y.data()};
    double ms = -1;
    Status s = ctx->executeHost(batch, b, &ms);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(y, want);
    EXPECT_GT(ms, 0.0);
    // Host memory given to execute() is a clear error, not a crash.
    Status bad = ctx->execute(batch, b);
    ASSERT_FALSE(bad.isOk());
    EXPECT_NE(bad.message().find("not device memory"), std::string::npos) << bad.message();
  }
}

TEST(CudaEngine, SerializedPlanRoundTrips) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  std::vector<uint8_t> bytes = buildPlanBytes(*net, DeviceType::kCUDA, true, false);
  ASSERT_FALSE(bytes.empty());
  PlanData plan = deserializePlan(bytes, "t.plan");
  EXPECT_EQ(plan.cudaSm, currentDevice().sm());
  EXPECT_EQ(serializePlan(plan), bytes);
  auto a = load(bytes), b = load(serializePlan(plan));
  ASSERT_TRUE(a && b);
  std::vector<float> x = randomInput(*a, 9, 31);
  EXPECT_EQ(runGpu(*a, 9, x), runGpu(*b, 9, x));
  bool gpuNamed = false;
  for (const auto& [k, v] : a->metadata()) gpuNamed |= k == "gpu" && v == currentDevice().name;
  EXPECT_TRUE(gpuNamed);
}

TEST(CudaEngine, TwoContextsOnTwoThreads) {
  I8RT_REQUIRE_GPU();
  auto gpu = lenetEngine(DeviceType::kCUDA);
  ASSERT_TRUE(gpu);
  std::vector<float> x1 = randomInput(*gpu, kMaxBatch, 41), x2 = randomInput(*gpu, 6, 42);
  std::vector<float> want1 = runGpu(*gpu, kMaxBatch, x1), want2 = runGpu(*gpu, 6, x2);
  bool ok1 = true, ok2 = true;
  auto worker = [&](const std::vector<float>& x, int64_t batch, const std::vector<float>& want, bool& ok) {
    auto ctx = gpu->createExecutionContext();
    DeviceIo io(*gpu);
    for (int i = 0; i < 50; ++i) ok = ok && runGpu(*ctx, *gpu, batch, x, io) == want;
  };
  std::thread t1(worker, std::cref(x1), kMaxBatch, std::cref(want1), std::ref(ok1));
  std::thread t2(worker, std::cref(x2), int64_t(6), std::cref(want2), std::ref(ok2));
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

TEST(CudaEngine, BatchAboveMaximumIsAnError) {
  I8RT_REQUIRE_GPU();
  auto gpu = lenetEngine(DeviceType::kCUDA);
  ASSERT_TRUE(gpu);
  auto ctx = gpu->createExecutionContext();
  DeviceIo io(*gpu);
  void* b[] = {io.in.get(), io.out.get()};
  Status s = ctx->execute(kMaxBatch + 1, b);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("outside the engine's range 1.." + std::to_string(kMaxBatch)),
            std::string::npos) << s.message();
  std::vector<float> host(static_cast<size_t>(count(gpu->bindingShapeForBatch(1, kMaxBatch))) * 2);
  void* h[] = {host.data(), host.data()};
  EXPECT_FALSE(ctx->executeHost(kMaxBatch + 1, h).isOk());
}

TEST(CudaEngine, PlanForAnotherArchitectureIsRefused) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  std::vector<uint8_t> bytes = buildPlanBytes(*net, DeviceType::kCUDA, false, false);
  ASSERT_FALSE(bytes.empty());
  PlanData plan = deserializePlan(bytes, "t.plan");
  int other = plan.cudaSm == 80 ? 86 : 80;
  plan.cudaSm = other;
  auto e = deserializeEngine(serializePlan(plan), "lenet.plan");
  ASSERT_FALSE(e.isOk());
  const DeviceInfo& d = currentDevice();
  EXPECT_EQ(e.status().message(), "lenet.plan: plan was built for sm_" + std::to_string(other) +
                                      ", this GPU is sm_" + std::to_string(d.sm()) + " (" + d.name +
                                      "); rebuild the engine on this GPU");
  // Unknown kernel names are refused too.
  plan = deserializePlan(bytes, "t.plan");
  for (std::string& k : plan.kernels)
    if (k != "constant") k = "cuda_no_such_kernel";
  e = deserializeEngine(serializePlan(plan), "lenet.plan");
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("cuda_no_such_kernel"), std::string::npos);
}

// The observer sees every tensor (inputs included), FP16 ones as floats, and a CUDA FP32
// engine's tensors agree with the CPU engine's.
struct Recorder : ITensorObserver {
  std::map<std::string, std::vector<float>> seen;
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    seen[name].assign(data, data + count(shape));
  }
  void observeInt8(const std::string& name, const Shape& shape, const int8_t* data,
                   float scale) override {
    auto& v = seen[name];
    v.resize(static_cast<size_t>(count(shape)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = data[i] * scale;
  }
};

TEST(CudaEngine, ObserverSeesEveryTensor) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  auto cpu = build(*net, DeviceType::kCPU);
  auto gpu = build(*net, DeviceType::kCUDA);
  auto gpu16 = build(*net, DeviceType::kCUDA, true);
  ASSERT_TRUE(cpu && gpu && gpu16);
  std::vector<float> x = randomInput(*cpu, 4, 51);
  Recorder rc, rg, rh;
  auto cctx = cpu->createExecutionContext();
  cctx->setObserver(&rc);
  std::vector<float> y(static_cast<size_t>(count(cpu->bindingShapeForBatch(1, 4))));
  void* hb[] = {x.data(), y.data()};
  ASSERT_TRUE(cctx->execute(4, hb).isOk());
  for (auto* pair : {&rg, &rh}) {
    const Engine& e = pair == &rg ? *gpu : *gpu16;
    auto ctx = e.createExecutionContext();
    ctx->setObserver(pair);
    DeviceIo io(e);
    runGpu(*ctx, e, 4, x, io);
  }
  // A tensor the GPU engines lack must be the output of a CPU layer fused into a GPU layer
  // ("conv1 + pool1": the convolution's own output never reaches memory).
  std::map<std::string, std::string> cpuProducer;
  for (const LayerInfo& l : cpu->layerInfo())
    for (const std::string& o : l.outputs) cpuProducer[o] = l.name;
  auto fusedAway = [&](const Engine& e, const std::string& tensor) {
    for (const LayerInfo& l : e.layerInfo())
      if (l.name.rfind(cpuProducer[tensor] + " + ", 0) == 0) return true;
    return false;
  };
  size_t fusedAwayOn16 = 0;
  for (const auto& [name, values] : rc.seen) {
    if (rg.seen.count(name)) {
      EXPECT_TRUE(allNear(rg.seen[name], values, 1e-5f * maxAbs(values), 1e-4f)) << name;
    } else {
      EXPECT_TRUE(fusedAway(*gpu, name)) << name << " is not observed on the GPU";
    }
    if (rh.seen.count(name)) {
      EXPECT_TRUE(allNear(rh.seen[name], values, 2e-2f * maxAbs(values), 2e-2f)) << name;
    } else {
      EXPECT_TRUE(fusedAway(*gpu16, name)) << name << " is not observed on the GPU (FP16)";
      ++fusedAwayOn16;
    }
  }
  EXPECT_GE(rh.seen.size() + fusedAwayOn16, rc.seen.size());
}

// Builder fusions on the GPU (conv + max pool, the input quantize into conv1, the flatten as a
// reshape alias): fewer layers than the CPU engine of the same precision, the same outputs.
// Which fusions fire depends on the CUDA convolutions' supports(); the log says which did.
TEST(CudaEngine, FusionsCutLayersAndKeepOutputs) {
  I8RT_REQUIRE_GPU();
  auto net = lenet();
  ASSERT_TRUE(net);
  setRangesFromCpu(*net);
  auto fp32 = build(*net, DeviceType::kCPU);
  auto cpu8 = build(*net, DeviceType::kCPU, false, true);
  ASSERT_TRUE(fp32 && cpu8);
  for (bool int8 : {true, false}) {
    // The layer kernels' fusions: the whole-network chain (which now wins LeNet's INT8 build)
    // has its own test, FusedChainMatchesLayerKernels.
    auto gpu = [&] {
      const ScopedEnv layers("INT8RT_CHAIN", "0");
      return build(*net, DeviceType::kCUDA, /*fp16=*/!int8, int8);
    }();
    ASSERT_TRUE(gpu);
    const Engine& cpu = int8 ? *cpu8 : *fp32;
    auto hasQuantize = [](const Engine& e) {
      for (const LayerInfo& l : e.layerInfo())
        if (l.name.find("(quantize)") != std::string::npos) return true;
      return false;
    };
    size_t pools = 0, aliases = 0, softmaxes = 0;
    std::printf("  %s GPU engine:\n", int8 ? "INT8" : "FP16");
    for (const LayerInfo& l : gpu->layerInfo()) {
      pools += l.name.find(" + ") != std::string::npos && l.kind == "Convolution";
      softmaxes += l.name.find(" + ") != std::string::npos && l.kind == "FullyConnected";
      aliases += l.kernel == kReshapeAliasKernel;
      std::printf("    %-28s %-44s [%s] %s\n", l.name.c_str(), l.kernel.c_str(), l.config.c_str(),
                  l.precision.c_str());
    }
    bool quantizeFused = hasQuantize(cpu) && !hasQuantize(*gpu);
    std::printf("  fusions: %zu conv + max pool, %zu fc + softmax, input quantize %s, %zu reshape "
                "aliases; %zu layers (CPU %zu)\n", pools, softmaxes, quantizeFused ? "fused" : "kept",
                aliases, gpu->layerInfo().size(), cpu.layerInfo().size());
    EXPECT_EQ(aliases, 1u) << "the flatten should alias its input";
    // Reformats (Identity layers) differ with the precision; the other layers only by fusion.
    auto computeLayers = [](const Engine& e) {
      size_t n = 0;
      for (const LayerInfo& l : e.layerInfo()) n += l.kind != "Identity";
      return n;
    };
    EXPECT_EQ(computeLayers(*gpu), computeLayers(cpu) - pools - softmaxes);
    // The INT8 classifier head (10 outputs, FP32 out) runs its softmax in the IMMA FC's epilogue.
    if (int8) {
      EXPECT_EQ(softmaxes, 1u);
    }
    for (int64_t batch : {kMaxBatch, int64_t(3)}) {
      std::vector<float> x = randomInput(cpu, batch, 77 + static_cast<uint32_t>(batch));
      std::vector<float> want = runCpu(cpu, batch, x);
      std::vector<float> got = runGpu(*gpu, batch, x);
      if (int8) {
        EXPECT_TRUE(allNear(got, want, 0.03f * maxAbs(want), 0.f)) << "INT8 batch " << batch;
        EXPECT_GE(agreement(argmaxRows(got, batch), argmaxRows(want, batch)), 0.9);
      } else {
        EXPECT_TRUE(allNear(got, want, 1e-2f * maxAbs(want), 1e-2f)) << "FP16 batch " << batch;
      }
    }
  }
}

}  // namespace
}  // namespace int8rt::cuda::test

// The cuDNN convolution candidates (cuda_conv2d_fp32_cudnn, cuda_conv2d_fp16_cudnn) against the
// CPU oracle convolution_ref: every configuration (cuDNN algorithm) each offers for odd sizes,
// groups, padding, stride, dilation, fused ReLU / identity and epilogue activations, a run batch
// below the setup batch; what supports() must refuse; corrupt configuration strings; and LeNet
// engines with the cuDNN kernel forced on both convolutions against the CPU engine.
// Skips without a GPU or without libcudnn.so.9 (the reason is printed).
#ifdef INT8RT_HAVE_CUDNN_HEADERS
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <variant>

#include "backends/cuda/cudnn/cudnn_loader.h"
#include "cuda_conv_test_util.h"
#include "cuda_engine_test_util.h"
#include "cuda_test_util.h"
#include "int8rt/builder.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "unit/cpu_kernel_test_util.h"

#define I8RT_REQUIRE_CUDNN()                                                        \
  do {                                                                              \
    I8RT_REQUIRE_GPU();                                                             \
    if (!::int8rt::cuda::cudnnApi()) GTEST_SKIP() << ::int8rt::cuda::cudnnUnavailableReason(); \
  } while (0)

namespace int8rt::cuda::test {
namespace {

const char* const kFp32 = "cuda_conv2d_fp32_cudnn";
const char* const kFp16 = "cuda_conv2d_fp16_cudnn";

// Identity + bias (fused only by IMPLICIT_PRECOMP_GEMM), ReLU with and without bias (fused),
// other activations and no bias (own epilogue); one asymmetric padding that cuDNN's symmetric
// padding still computes exactly (same output size).
const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> v = {
      {"lenet_conv1", 100, 100, 1, 28, 28, 20, 5, 5, {}, {}, {}, {}, 1, ActivationType::kNONE},
      {"lenet_conv2", 100, 64, 20, 12, 12, 50, 5, 5, {}, {}, {}, {}, 1, ActivationType::kRELU},
      {"c3_k5_3x3_pad1_relu_nobias", 5, 3, 3, 17, 13, 5, 3, 3, {}, {1, 1}, {1, 1}, {}, 1,
       ActivationType::kRELU, false},
      {"c7_k13_1x1_stride2", 4, 3, 7, 15, 11, 13, 1, 1, {2, 2}, {}, {}, {}, 1, ActivationType::kNONE},
      {"c33_k64_3x3_s2_asym_same_size_sigmoid", 3, 2, 33, 14, 15, 64, 3, 3, {2, 2}, {1, 1}, {0, 1}, {}, 1,
       ActivationType::kSIGMOID},
      {"c20_k50_3x3_dil2_leaky", 4, 3, 20, 13, 12, 50, 3, 3, {}, {2, 2}, {2, 2}, {2, 2}, 1,
       ActivationType::kLEAKY_RELU},
      {"c20_k50_3x3_groups2_relu", 3, 2, 20, 9, 10, 50, 3, 3, {}, {1, 1}, {1, 1}, {}, 2, ActivationType::kRELU},
      {"c33_depthwise_3x3_s2_clip", 3, 2, 33, 11, 12, 33, 3, 3, {2, 2}, {1, 1}, {1, 1}, {}, 33,
       ActivationType::kCLIP},
      {"c7_k13_3x5_rect_dil_nobias", 3, 2, 7, 10, 13, 13, 3, 5, {1, 2}, {1, 2}, {1, 2}, {2, 1}, 1,
       ActivationType::kNONE, false},
      {"c32_k64_3x3_pad1", 8, 8, 32, 16, 16, 64, 3, 3, {}, {1, 1}, {1, 1}, {}, 1, ActivationType::kNONE},
  };
  return v;
}

// cuDNN convolutions read and write one type.
KernelSetup setupOf(const Layer& layer, const ConvCase& cc, DataType t) {
  return typedSetup(layer, cc, t, t);
}

float maxAbs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Every configuration the candidate offers for each case, against convolution_ref.
// FP32: FMA math (CUDNN_FMA_MATH), so no TF32: within 1e-4 of the output's magnitude (FFT and
// Winograd reorder the arithmetic; their error scales with the data, not with each element).
// FP16: within 1e-2 of the output's magnitude.
void expectMatchesReference(const char* name, DataType t, uint32_t seed, float tol) {
  for (const ConvCase& cc : cases()) {
    const Layer layer = makeConvLayer(cc, seed++, t == DataType::kHALF);
    const KernelSetup s = setupOf(layer, cc, t);
    ASSERT_TRUE(findKernel(name)->supports(s, currentDevice())) << cc.what;
    const HostTensor x = randomTensor(runShape(cc), t, seed++);
    const std::vector<float> ref = runCpu("convolution_ref", s, {x}).at(0).values();
    const std::vector<std::string> configs = configsFor(name, s);
    EXPECT_FALSE(configs.empty()) << cc.what;
    std::printf("  %-40s %s:", cc.what, name);
    for (const std::string& config : configs) std::printf(" [%s]", config.c_str());
    std::printf("\n");
    for (const std::string& config : configs) {
      SCOPED_TRACE(std::string(cc.what) + " " + config);
      std::vector<HostTensor> got = runCuda(name, config, s, {x});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(allNear(got[0].values(), ref, tol * maxAbs(ref), tol));
    }
  }
}

TEST(CudaCudnn, LoaderFindsCudnn9OrSaysWhy) {
  // No GPU needed: loading the library and asking its version touch no device.
  if (const CudnnApi* api = cudnnApi()) {
    EXPECT_EQ(api->version / 10000, 9u);
    EXPECT_TRUE(cudnnUnavailableReason().empty());
    std::printf("  cuDNN %s\n", cudnnVersionText().c_str());
  } else {
    EXPECT_FALSE(cudnnUnavailableReason().empty());
    EXPECT_EQ(cudnnVersionText(), "");
    std::printf("  cuDNN unavailable: %s\n", cudnnUnavailableReason().c_str());
  }
  // The candidates report it, so that a plan naming them fails to load saying why.
  for (const char* name : {kFp32, kFp16}) {
    const Candidate* k = findKernel(name);
    ASSERT_NE(k, nullptr) << name;
    ASSERT_NE(k->unavailableReason, nullptr) << name;
    EXPECT_EQ(k->unavailableReason(), cudnnUnavailableReason()) << name;
  }
  // The own kernels depend on no run-time library.
  EXPECT_EQ(findKernel("cuda_conv2d_fp32_implicit_gemm")->unavailableReason, nullptr);
}

TEST(CudaCudnn, Fp32EveryAlgorithmMatchesReference) {
  I8RT_REQUIRE_CUDNN();
  expectMatchesReference(kFp32, DataType::kFLOAT, 700, 1e-4f);
}

TEST(CudaCudnn, Fp16EveryAlgorithmMatchesReference) {
  I8RT_REQUIRE_CUDNN();
  expectMatchesReference(kFp16, DataType::kHALF, 800, 1e-2f);
}

TEST(CudaCudnn, ConfigsOfferOnlyTheirMathType) {
  I8RT_REQUIRE_CUDNN();
  const ConvCase& cc = cases()[1];
  const Layer layer = makeConvLayer(cc, 5, false);
  for (const std::string& c : configsFor(kFp32, setupOf(layer, cc, DataType::kFLOAT))) {
    EXPECT_NE(c.find(",math=fma"), std::string::npos) << c;  // never TF32
    EXPECT_NE(c, "algo=7,math=fma");                        // WINOGRAD_NONFUSED: not FP32-accurate
  }
  for (const std::string& c : configsFor(kFp16, setupOf(layer, cc, DataType::kHALF)))
    EXPECT_NE(c.find(",math=tensor"), std::string::npos) << c;
}

TEST(CudaCudnn, RefusesWhatItCannotRun) {
  I8RT_REQUIRE_CUDNN();
  const DeviceInfo& dev = currentDevice();
  const Candidate* fp32 = findKernel(kFp32);
  const Candidate* fp16 = findKernel(kFp16);
  ASSERT_TRUE(fp32 && fp16);
  // End padding that changes the output size: cuDNN pads symmetrically.
  const ConvCase asym = {"asym", 2, 2, 3, 14, 14, 4, 3, 3, {2, 2}, {0, 0}, {2, 2}, {}, 1, ActivationType::kNONE};
  const Layer asymLayer = makeConvLayer(asym, 1, false);
  EXPECT_FALSE(fp32->supports(setupOf(asymLayer, asym, DataType::kFLOAT), dev));
  // A fused max pool (the output is the pooled one).
  const ConvCase& cc = cases()[1];
  Layer pooled = makeConvLayer(cc, 2, false);
  std::get<ConvolutionParams>(pooled.params).fusedMaxPool = {2, 2};
  KernelSetup ps = setupOf(pooled, cc, DataType::kFLOAT);
  ps.outputShapes[0][2] /= 2;
  ps.outputShapes[0][3] /= 2;
  EXPECT_FALSE(fp32->supports(ps, dev));
  // Types: FP32 input quantized into an INT8 output (the quantize fusion), INT8, mixed.
  const Layer plain = makeConvLayer(cc, 3, false);
  KernelSetup q = setupOf(plain, cc, DataType::kFLOAT);
  q.outputTypes = {DataType::kINT8};
  q.inputScales = {0.02f};
  q.outputScales = {0.05f};
  EXPECT_FALSE(fp32->supports(q, dev));
  EXPECT_FALSE(fp16->supports(q, dev));
  EXPECT_FALSE(fp32->supports(setupOf(plain, cc, DataType::kINT8), dev));
  EXPECT_FALSE(fp32->supports(setupOf(plain, cc, DataType::kHALF), dev));
  EXPECT_FALSE(fp16->supports(setupOf(plain, cc, DataType::kFLOAT), dev));
}

TEST(CudaCudnn, BadConfigurationsThrow) {
  I8RT_REQUIRE_CUDNN();
  const ConvCase& cc = cases()[1];
  const Layer layer = makeConvLayer(cc, 9, false);
  const KernelSetup s32 = setupOf(layer, cc, DataType::kFLOAT);
  const KernelSetup s16 = setupOf(layer, cc, DataType::kHALF);
  const Candidate* fp32 = findKernel(kFp32);
  const Candidate* fp16 = findKernel(kFp16);
  for (const char* bad : {"", "garbage", "algo=8,math=fma", "algo=1", "algo=1,math=tf32", "1,fma"}) {
    SCOPED_TRACE(bad);
    try {
      fp32->create(s32, bad);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("lenet_conv2"), std::string::npos) << m;  // names the layer
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;           // one line
    }
  }
  // FP32 with tensor math would be TF32, WINOGRAD_NONFUSED is not FP32-accurate: refused.
  EXPECT_THROW(fp32->create(s32, "algo=1,math=tensor"), Error);
  EXPECT_THROW(fp32->create(s32, "algo=7,math=fma"), Error);
  // An algorithm cuDNN does not offer for this shape (FFT on a strided grouped convolution).
  const ConvCase strided = {"strided_groups", 2, 2, 8, 9, 9, 8, 3, 3, {2, 2}, {}, {}, {}, 4, ActivationType::kNONE};
  const Layer sl = makeConvLayer(strided, 4, false);
  const std::vector<std::string> offered = configsFor(kFp32, setupOf(sl, strided, DataType::kFLOAT));
  if (std::find(offered.begin(), offered.end(), "algo=4,math=fma") == offered.end()) {
    EXPECT_THROW(fp32->create(setupOf(sl, strided, DataType::kFLOAT), "algo=4,math=fma"), Error);
  }
  // A valid string still works (sanity of the above).
  EXPECT_NO_THROW(fp16->create(s16, configsFor(kFp16, s16).at(0)));
}

// Every configuration of the cuDNN candidates (and, for comparison, of the own kernels) on
// LeNet's two convolutions at batch 100: eight enqueues captured into one CUDA graph must give
// the plain launch's output (so nothing in enqueue allocates, synchronizes or breaks capture),
// and the graph's replay time per convolution is printed: device time without host overhead,
// unlike the builder's timing, which includes each launch's host work.
TEST(CudaCudnn, EveryAlgorithmRunsInsideACudaGraph) {
  I8RT_REQUIRE_CUDNN();
  constexpr int kPerGraph = 8, kReplays = 20;
  cudaStream_t stream;
  checkCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");
  for (DataType t : {DataType::kFLOAT, DataType::kHALF}) {
    const bool half = t == DataType::kHALF;
    for (const ConvCase& cc : {cases()[0], cases()[1]}) {
      const Layer layer = makeConvLayer(cc, 31, half);
      const KernelSetup s = setupOf(layer, cc, t);
      const HostTensor x = randomTensor({cc.setupBatch, cc.c, cc.h, cc.w}, t, 32);
      DeviceBuffer in(x.bytes.size(), "input");
      in.upload(x.bytes.data(), x.bytes.size());
      const Shape ys = s.outputShapes[0];
      DeviceBuffer out(static_cast<size_t>(count(ys)) * elementSize(t), "output");
      for (const char* name : {half ? kFp16 : kFp32,
                               half ? "cuda_conv2d_fp16_hmma_implicit_gemm" : "cuda_conv2d_fp32_implicit_gemm"}) {
        for (const std::string& config : configsFor(name, s)) {
          SCOPED_TRACE(std::string(cc.what) + " " + name + " " + config);
          std::unique_ptr<Kernel> k = findKernel(name)->create(s, config);
          DeviceBuffer ws(k->workspaceBytes(), "workspace");
          RunArgs a;
          a.inputs = {{in.get(), x.shape, t}};
          a.outputs = {{out.get(), ys, t}};
          a.workspace = ws.get();
          a.stream = stream;
          HostTensor plain(ys, t), graphed(ys, t);
          k->enqueue(a);
          checkCuda(cudaStreamSynchronize(stream), "plain run");
          checkCuda(cudaMemcpy(plain.bytes.data(), out.get(), out.bytes(), cudaMemcpyDeviceToHost), "download");
          // On the test's stream: a non-blocking stream does not wait for the legacy default
          // stream, so a plain cudaMemset could still be running when the graph writes.
          checkCuda(cudaMemsetAsync(out.get(), 0xFF, out.bytes(), stream), "poison");
          cudaGraph_t graph = nullptr;
          cudaGraphExec_t exec = nullptr;
          checkCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "begin capture");
          for (int i = 0; i < kPerGraph; ++i) k->enqueue(a);
          checkCuda(cudaStreamEndCapture(stream, &graph), "end capture");
          checkCuda(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
          checkCuda(cudaGraphLaunch(exec, stream), "graph launch");
          checkCuda(cudaStreamSynchronize(stream), "graph run");
          checkCuda(cudaMemcpy(graphed.bytes.data(), out.get(), out.bytes(), cudaMemcpyDeviceToHost), "download");
          const std::vector<float> want = plain.values();
          EXPECT_TRUE(allNear(graphed.values(), want, 1e-6f * maxAbs(want), half ? 1e-3f : 1e-5f));
          cudaEvent_t e0, e1;
          cudaEventCreate(&e0);
          cudaEventCreate(&e1);
          cudaEventRecord(e0, stream);
          for (int r = 0; r < kReplays; ++r) cudaGraphLaunch(exec, stream);
          cudaEventRecord(e1, stream);
          checkCuda(cudaEventSynchronize(e1), "timed replays");
          float ms = 0;
          cudaEventElapsedTime(&ms, e0, e1);
          std::printf("  %-5s %-12s %-36s [%-17s] %8.2f us in a graph\n", half ? "FP16" : "FP32", cc.what,
                      name, config.c_str(), 1000.0 * ms / (kReplays * kPerGraph));
          cudaEventDestroy(e0);
          cudaEventDestroy(e1);
          cudaGraphExecDestroy(exec);
          cudaGraphDestroy(graph);
        }
      }
    }
  }
  cudaStreamDestroy(stream);
}

// ---- engine: LeNet with both convolutions forced onto cuDNN ----

constexpr int64_t kMaxBatch = 16;

std::unique_ptr<Engine> build(const Network& net, DeviceType device, bool fp16,
                              const std::map<std::string, std::string>& forced) {
  BuilderConfig c;
  c.device = device;
  c.maxBatchSize = kMaxBatch;
  c.fp16 = fp16;
  c.timingIterations = 5;
  c.forcedKernels = forced;
  c.log = [](const std::string& m) {
    if (m.find("Conv") != std::string::npos) std::printf("    %s\n", m.c_str());
  };
  const std::vector<uint8_t> bytes = buildPlanOrFail(net, c, "build");
  if (bytes.empty()) return nullptr;
  return loadEngine(bytes, "cudnn.plan");  // the config strings round-trip
}

std::vector<float> run(const Engine& e, int64_t batch, const std::vector<float>& x, bool onGpu) {
  std::vector<float> y(static_cast<size_t>(count(e.bindingShapeForBatch(1, batch))));
  auto ctx = e.createExecutionContext();
  if (!onGpu) {
    void* b[] = {const_cast<float*>(x.data()), y.data()};
    Status s = ctx->execute(batch, b);
    EXPECT_TRUE(s.isOk()) << s.message();
    return y;
  }
  DeviceBuffer in(x.size() * 4, "input"), out(y.size() * 4, "output");
  in.upload(x.data(), x.size() * 4);
  checkCuda(cudaMemset(out.get(), 0xFF, out.bytes()), "poison");
  void* b[] = {in.get(), out.get()};
  for (int rep = 0; rep < 2; ++rep) {  // capture, then replay of the CUDA graph
    Status s = ctx->execute(batch, b);
    EXPECT_TRUE(s.isOk()) << s.message();
  }
  checkCuda(cudaMemcpy(y.data(), out.get(), y.size() * 4, cudaMemcpyDeviceToHost), "output");
  return y;
}

TEST(CudaCudnn, LenetEngineWithForcedCudnnMatchesCpu) {
  I8RT_REQUIRE_CUDNN();
  auto net = lenet();
  ASSERT_TRUE(net);
  auto cpu = build(*net, DeviceType::kCPU, false, {});
  ASSERT_TRUE(cpu);
  for (bool fp16 : {false, true}) {
    const std::string kernel = fp16 ? kFp16 : kFp32;
    std::printf("  %s, own kernels and cuDNN timed together:\n", fp16 ? "FP16" : "FP32");
    auto free = build(*net, DeviceType::kCUDA, fp16, {});
    std::printf("  %s, cuDNN forced:\n", fp16 ? "FP16" : "FP32");
    auto gpu = build(*net, DeviceType::kCUDA, fp16, {{"/conv1/Conv", kernel}, {"/conv2/Conv", kernel}});
    ASSERT_TRUE(free && gpu);
    int forced = 0;
    for (const LayerInfo& l : gpu->layerInfo())
      if (l.kernel == kernel) {
        ++forced;
        EXPECT_EQ(l.config.rfind("algo=", 0), 0u) << l.name << ": " << l.config;
      }
    EXPECT_EQ(forced, 2);
    for (int64_t batch : {kMaxBatch, int64_t(5), int64_t(1)}) {
      std::vector<float> x(static_cast<size_t>(count(cpu->bindingShapeForBatch(0, batch))));
      std::mt19937 rng(static_cast<uint32_t>(batch));
      std::uniform_real_distribution<float> u(0.f, 1.f);
      for (float& v : x) v = u(rng);
      const std::vector<float> want = run(*cpu, batch, x, false);
      const float tol = fp16 ? 1e-2f : 1e-4f;
      EXPECT_TRUE(allNear(run(*gpu, batch, x, true), want, tol * maxAbs(want), tol))
          << (fp16 ? "FP16" : "FP32") << " batch " << batch;
    }
  }
}

}  // namespace
}  // namespace int8rt::cuda::test
#endif  // INT8RT_HAVE_CUDNN_HEADERS

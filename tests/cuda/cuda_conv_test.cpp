// The CUDA convolutions (FP32 implicit GEMM, FP16 HMMA, INT8 IMMA) against the CPU oracles
// (convolution_ref, convolution_int8_ref) at odd sizes, every tile configuration, a run batch
// below the setup batch, fused activations; plus what supports() must refuse.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backends/cpu/common/kernel_util.h"
#include "cuda_conv_test_util.h"
#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> v = {
      {"lenet_conv1", 100, 100, 1, 28, 28, 20, 5, 5, {}, {}, {}, {}, 1, ActivationType::kNONE},
      {"lenet_conv2", 100, 64, 20, 12, 12, 50, 5, 5, {}, {}, {}, {}, 1, ActivationType::kRELU},
      {"c3_k5_3x3_pad1_relu", 5, 3, 3, 17, 13, 5, 3, 3, {}, {1, 1}, {1, 1}, {}, 1, ActivationType::kRELU},
      {"c7_k13_1x1_stride2", 4, 3, 7, 15, 11, 13, 1, 1, {2, 2}, {}, {}, {}, 1, ActivationType::kNONE},
      {"c33_k64_3x3_s2_asym_sigmoid", 3, 2, 33, 14, 15, 64, 3, 3, {2, 2}, {0, 1}, {2, 1}, {}, 1,
       ActivationType::kSIGMOID},
      {"c20_k50_3x3_dil2", 4, 3, 20, 13, 12, 50, 3, 3, {}, {2, 2}, {2, 2}, {2, 2}, 1, ActivationType::kLEAKY_RELU},
      {"c20_k50_3x3_groups2", 3, 2, 20, 9, 10, 50, 3, 3, {}, {1, 1}, {1, 1}, {}, 2, ActivationType::kRELU},
      {"c33_depthwise_3x3_s2", 3, 2, 33, 11, 12, 33, 3, 3, {2, 2}, {1, 1}, {1, 1}, {}, 33, ActivationType::kCLIP},
      {"c7_k13_3x5_rect_nobias", 3, 2, 7, 10, 13, 13, 3, 5, {1, 2}, {1, 2}, {2, 0}, {2, 1}, 1,
       ActivationType::kNONE, false},
      {"c33_k130_5x5", 2, 1, 33, 9, 9, 130, 5, 5, {}, {2, 2}, {2, 2}, {}, 1, ActivationType::kRELU},
  };
  return v;
}

bool piecewiseLinear(ActivationType t) {
  return t == ActivationType::kNONE || t == ActivationType::kRELU ||
         t == ActivationType::kLEAKY_RELU || t == ActivationType::kCLIP;
}

TEST(CudaConv, Fp32ImplicitGemmMatchesReference) {
  I8RT_REQUIRE_GPU();
  const std::string name = "cuda_conv2d_fp32_implicit_gemm";
  uint32_t seed = 100;
  for (const ConvCase& cc : cases()) {
    const Layer layer = makeConvLayer(cc, seed++);
    const KernelSetup s = typedSetup(layer, cc, DataType::kFLOAT, DataType::kFLOAT);
    const HostTensor x = randomTensor(runShape(cc), DataType::kFLOAT, seed++);
    const std::vector<float> ref = runCpu("convolution_ref", s, {x}).at(0).values();
    const float atol = 2e-6f * static_cast<float>(reductionOf(cc));
    for (const std::string& config : configsFor(name, s)) {
      SCOPED_TRACE(std::string(cc.what) + " tile " + config);
      std::vector<HostTensor> got = runCuda(name, config, s, {x});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(allNear(got[0].values(), ref, atol, 1e-4f));
    }
  }
}

TEST(CudaConv, Fp16HmmaImplicitGemmMatchesReference) {
  I8RT_REQUIRE_GPU();
  const std::string name = "cuda_conv2d_fp16_hmma_implicit_gemm";
  uint32_t seed = 200;
  for (const ConvCase& cc : cases()) {
    const Layer layer = makeConvLayer(cc, seed++, /*roundToHalf=*/true);
    const KernelSetup s = typedSetup(layer, cc, DataType::kHALF, DataType::kHALF);
    const HostTensor x = randomTensor(runShape(cc), DataType::kHALF, seed++);
    const std::vector<float> ref = runCpu("convolution_ref", s, {x}).at(0).values();
    const float atol = 1e-3f * std::sqrt(static_cast<float>(reductionOf(cc)));
    for (const std::string& config : configsFor(name, s)) {
      SCOPED_TRACE(std::string(cc.what) + " tile " + config);
      std::vector<HostTensor> got = runCuda(name, config, s, {x});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(allNear(got[0].values(), ref, atol, 1e-2f));
    }
  }
}

// Compares INT8 outputs: none may differ by more than 1 LSB; piecewise-linear activations must
// match exactly (same integer accumulators, same fmaf, same requantization).
void expectInt8Close(const std::vector<float>& got, const std::vector<float>& ref, bool exact,
                     const std::string& what) {
  ASSERT_EQ(got.size(), ref.size());
  int64_t off1 = 0, worse = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const float d = std::fabs(got[i] - ref[i]);
    if (d == 1.f) ++off1;
    if (!(d <= 1.f)) {
      if (worse < 5) {
        ADD_FAILURE() << what << ": [" << i << "] " << got[i] << " vs " << ref[i];
      }
      ++worse;
    }
  }
  if (off1) std::printf("%s: %lld of %zu INT8 outputs differ by 1 LSB\n", what.c_str(),
                        static_cast<long long>(off1), got.size());
  EXPECT_EQ(worse, 0) << what;
  if (exact) {
    EXPECT_EQ(off1, 0) << what;
  }
}

// Input scale sx; the output scale is set so that about 3 sigma of the outputs fit in INT8.
constexpr const char* kImma = "cuda_conv2d_int8_imma_implicit_gemm";
constexpr const char* kPatch = "cuda_conv2d_int8_imma_patch";

void runInt8Case(const ConvCase& cc, const Layer& layer, const HostTensor& x, DataType outType,
                 const std::string& tag, const std::string& name = kImma) {
  const float sx = 0.02f;
  KernelSetup s = typedSetup(layer, cc, DataType::kINT8, outType);
  s.inputScales = {sx};
  const float sigma = std::sqrt(static_cast<float>(reductionOf(cc))) * 74.f * sx * 0.6f;
  s.outputScales = {outType == DataType::kINT8 ? 3.f * sigma / 127.f : 0.f};
  const std::vector<float> ref = runCpu("convolution_int8_ref", s, {x}).at(0).values();
  const bool exact = piecewiseLinear(cc.act);
  for (const std::string& config : configsFor(name, s)) {
    const std::string what = std::string(cc.what) + " " + name + " " + tag + " tile " + config;
    SCOPED_TRACE(what);
    std::vector<HostTensor> got = runCuda(name, config, s, {x});
    ASSERT_EQ(got.size(), 1u);
    if (outType == DataType::kINT8)
      expectInt8Close(got[0].values(), ref, exact, what);
    else if (exact)
      EXPECT_TRUE(allNear(got[0].values(), ref, 0.f, 0.f));
    else
      EXPECT_TRUE(allNear(got[0].values(), ref, 1e-5f, 1e-5f));
  }
}

TEST(CudaConv, Int8ImmaImplicitGemmMatchesReference) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 300;
  for (const ConvCase& cc : cases()) {
    const Layer layer = makeConvLayer(cc, seed++);
    const HostTensor x = randomTensor(runShape(cc), DataType::kINT8, seed++);
    runInt8Case(cc, layer, x, DataType::kINT8, "int8-out");
    runInt8Case(cc, layer, x, DataType::kFLOAT, "float-out");
  }
}

// Adversarial: inputs only -128 / +127 / -127 and weights of equal magnitude (all quantize to
// +-127), so accumulators reach 128 * 127 * reduction.
TEST(CudaConv, Int8ImmaImplicitGemmAdversarialExtremes) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 400;
  for (const ConvCase& cc : cases()) {
    Layer layer = makeConvLayer(cc, seed++);
    auto& p = std::get<ConvolutionParams>(layer.params);
    for (float& v : p.weights.values) v = v > 0.f ? 1.f : -1.f;
    HostTensor x(runShape(cc), DataType::kINT8);
    std::mt19937 rng(seed++);
    std::vector<float> v(static_cast<size_t>(x.size()));
    const float extremes[3] = {-128.f, 127.f, -127.f};
    for (float& e : v) e = extremes[rng() % 3];
    x.setValues(v);
    for (const char* name : {kImma, kPatch}) {
      if (name == std::string(kPatch) && cc.k / cc.groups > 128) continue;  // not its shape
      runInt8Case(cc, layer, x, DataType::kINT8, "extreme-int8-out", name);
      runInt8Case(cc, layer, x, DataType::kFLOAT, "extreme-float-out", name);
    }
  }
}

// ---- cuda_conv2d_int8_imma_patch: the same cases (outputs per group <= 128), a fused max
// pool, and an FP32 input quantized on load.

TEST(CudaConv, Int8PatchMatchesReference) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 500;
  for (const ConvCase& cc : cases()) {
    const Layer layer = makeConvLayer(cc, seed++);
    const HostTensor x = randomTensor(runShape(cc), DataType::kINT8, seed++);
    KernelSetup s = typedSetup(layer, cc, DataType::kINT8, DataType::kINT8);
    s.inputScales = {0.02f};
    s.outputScales = {0.1f};
    const bool fits = cc.k / cc.groups <= 128;
    EXPECT_EQ(findKernel(kPatch)->supports(s, currentDevice()), fits) << cc.what;
    if (!fits) continue;
    runInt8Case(cc, layer, x, DataType::kINT8, "int8-out", kPatch);
    runInt8Case(cc, layer, x, DataType::kFLOAT, "float-out", kPatch);
  }
}

// The oracle of a fused convolution + max pool: convolution_int8_ref on the unfused layer, then
// pooling_int8_ref (INT8 out, same scale in and out) or pooling_ref (FP32 out). An FP32 input
// is first quantized by identity_int8_ref with the input scale.
std::vector<float> fusedOracle(const ConvCase& cc, const Layer& plain, const HostTensor& x,
                               float sx, DataType outType, float outScale, Shape pool) {
  HostTensor xq = x;
  if (x.type == DataType::kFLOAT) {
    const Layer id = cpu::test::makeLayer(IdentityParams{}, 1, "quantize");
    KernelSetup sq = cpu::test::makeSetup(id, {{cc.setupBatch, cc.c, cc.h, cc.w}});
    sq.outputTypes = {DataType::kINT8};
    sq.outputScales = {sx};
    xq = runCpu("identity_int8_ref", sq, {x}).at(0);
  }
  KernelSetup s = typedSetup(plain, cc, DataType::kINT8, outType);
  s.inputScales = {sx};
  s.outputScales = {outScale};
  HostTensor conv = runCpu("convolution_int8_ref", s, {xq}).at(0);
  if (pool.empty()) return conv.values();
  PoolingParams pp;
  pp.type = PoolingType::kMAX;
  pp.window = pool;
  pp.stride = pool;
  const Layer pl = cpu::test::makeLayer(std::move(pp), 1, "pool");
  KernelSetup sp = cpu::test::makeSetup(pl, {s.outputShapes[0]});
  sp.inputTypes = sp.outputTypes = {outType};
  sp.inputScales = sp.outputScales = {outScale};
  return runCpu(outType == DataType::kINT8 ? "pooling_int8_ref" : "pooling_ref", sp, {conv})
      .at(0)
      .values();
}

struct FusedCase {
  ConvCase cc;
  Shape pool;  // empty: no pool
  bool floatInput;
};

TEST(CudaConv, Int8PatchFusedPoolAndFloatInputMatchReference) {
  I8RT_REQUIRE_GPU();
  const std::vector<ConvCase>& cs = cases();
  // The kernel applies a non-decreasing activation after the pool's max (they commute); the
  // others (ABS, HARD_SWISH: not monotonic; SIGMOID: not piecewise linear) before it.
  auto withAct = [](ConvCase c, ActivationType act, const char* what) {
    c.act = act;
    c.what = what;
    return c;
  };
  const std::vector<FusedCase> fused = {
      {cs[0], {2, 2}, false}, {cs[0], {2, 2}, true}, {cs[1], {2, 2}, false},
      {cs[1], {2, 2}, true},  {cs[1], {}, true},     {cs[2], {3, 2}, false},
      {cs[3], {2, 2}, true},  {cs[5], {2, 3}, false}, {cs[6], {2, 2}, true},
      {cs[7], {1, 2}, false}, {cs[8], {2, 1}, true},  {cs[4], {2, 2}, false},
      {withAct(cs[1], ActivationType::kABS, "lenet_conv2_abs"), {2, 2}, false},
      {withAct(cs[0], ActivationType::kHARD_SWISH, "lenet_conv1_hard_swish"), {2, 2}, true},
      {withAct(cs[2], ActivationType::kABS, "c3_k5_3x3_pad1_abs"), {3, 2}, true},
  };
  uint32_t seed = 600;
  for (const FusedCase& f : fused) {
    const ConvCase& cc = f.cc;
    const Layer plain = makeConvLayer(cc, seed);
    Layer layer = makeConvLayer(cc, seed++);
    std::get<ConvolutionParams>(layer.params).fusedMaxPool = f.pool;
    // FP32 inputs of scale 3 with sx 0.02: some saturate at +-127 / -128.
    const HostTensor x = f.floatInput ? randomTensor(runShape(cc), DataType::kFLOAT, seed++, 3.f)
                                      : randomTensor(runShape(cc), DataType::kINT8, seed++);
    const float sx = 0.02f;
    const float sigma = std::sqrt(static_cast<float>(reductionOf(cc))) * 74.f * sx * 0.6f;
    for (DataType outType : {DataType::kINT8, DataType::kFLOAT}) {
      const float outScale = outType == DataType::kINT8 ? 3.f * sigma / 127.f : 0.f;
      const std::vector<float> ref = fusedOracle(cc, plain, x, sx, outType, outScale, f.pool);
      KernelSetup s = typedSetup(layer, cc, x.type, outType);
      s.inputScales = {sx};
      s.outputScales = {outScale};
      for (const char* old : {kImma, "cuda_conv2d_fp32_implicit_gemm"}) {
        if (!f.pool.empty()) {
          EXPECT_FALSE(findKernel(old)->supports(s, currentDevice()));
        }
      }
      if (f.floatInput) {
        EXPECT_FALSE(findKernel(kImma)->supports(s, currentDevice()));
      }
      for (const std::string& config : configsFor(kPatch, s)) {
        const std::string what = std::string(cc.what) + " pool " + cpu::shapeText(f.pool) +
                                 (f.floatInput ? " fp32-in" : " int8-in") +
                                 (outType == DataType::kINT8 ? " int8-out " : " float-out ") + config;
        SCOPED_TRACE(what);
        std::vector<HostTensor> got = runCuda(kPatch, config, s, {x});
        ASSERT_EQ(got.size(), 1u);
        // Transcendental activations (SIGMOID) may differ from glibc by an ulp.
        const bool exact = piecewiseLinear(cc.act);
        if (outType == DataType::kINT8)
          expectInt8Close(got[0].values(), ref, exact, what);
        else
          EXPECT_TRUE(allNear(got[0].values(), ref, exact ? 0.f : 1e-5f, exact ? 0.f : 1e-5f));
      }
    }
  }
}

// A plan's configuration string for the patch kernel is one of the strings configs() offers;
// anything else (a corrupt plan) is a clear error. No GPU needed: the string is checked before
// anything touches the device.
TEST(CudaConv, Int8PatchRejectsUnknownConfigurations) {
  const ConvCase& cc = cases()[1];
  const Layer layer = makeConvLayer(cc, 11);
  KernelSetup s = typedSetup(layer, cc, DataType::kINT8, DataType::kINT8);
  s.inputScales = {0.02f};
  s.outputScales = {0.1f};
  const Candidate* k = findKernel(kPatch);
  ASSERT_NE(k, nullptr);
  for (const char* bad : {"garbage", "rows0", "rows-8", "rows8,w16", "rows8,hwc,w8", "rows8,w8,hwc,x",
                          "rows100000"}) {
    try {
      k->create(s, bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("has no configuration '" + std::string(bad) + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(CudaConv, FusedPoolIsRefusedByTheOtherKernels) {
  I8RT_REQUIRE_GPU();
  const ConvCase& cc = cases()[1];
  Layer layer = makeConvLayer(cc, 3);
  std::get<ConvolutionParams>(layer.params).fusedMaxPool = {2, 2};
  const KernelSetup f = typedSetup(layer, cc, DataType::kFLOAT, DataType::kFLOAT);
  const KernelSetup h = typedSetup(layer, cc, DataType::kHALF, DataType::kHALF);
  KernelSetup q = typedSetup(layer, cc, DataType::kINT8, DataType::kINT8);
  q.inputScales = {0.1f};
  q.outputScales = {0.2f};
  EXPECT_FALSE(findKernel("cuda_conv2d_fp32_implicit_gemm")->supports(f, currentDevice()));
  EXPECT_FALSE(findKernel("cuda_conv2d_fp16_hmma_implicit_gemm")->supports(h, currentDevice()));
  EXPECT_FALSE(findKernel(kImma)->supports(q, currentDevice()));
  const Candidate* patch = findKernel(kPatch);
  EXPECT_TRUE(patch->supports(q, currentDevice()));
  EXPECT_FALSE(patch->supports(h, currentDevice()));
  EXPECT_FALSE(patch->supports(f, currentDevice()));  // FP32 input without a scale
  KernelSetup fq = f;
  fq.inputScales = {0.1f};
  EXPECT_TRUE(patch->supports(fq, currentDevice()));
  EXPECT_THROW(patch->create(q, "rows3"), Error);
  EXPECT_NE(patch->create(q, ""), nullptr);
}

TEST(CudaConv, SupportsRefusesWhatItCannotRun) {
  I8RT_REQUIRE_GPU();
  const DeviceInfo& d = currentDevice();
  const Candidate* fp32 = findKernel("cuda_conv2d_fp32_implicit_gemm");
  const Candidate* hmma = findKernel("cuda_conv2d_fp16_hmma_implicit_gemm");
  const Candidate* imma = findKernel("cuda_conv2d_int8_imma_implicit_gemm");
  ASSERT_TRUE(fp32 && hmma && imma);
  const ConvCase& cc = cases()[2];
  const Layer layer = makeConvLayer(cc, 1);

  KernelSetup f = typedSetup(layer, cc, DataType::kFLOAT, DataType::kFLOAT);
  KernelSetup h = typedSetup(layer, cc, DataType::kHALF, DataType::kHALF);
  KernelSetup q = typedSetup(layer, cc, DataType::kINT8, DataType::kINT8);
  q.inputScales = {0.1f};
  q.outputScales = {0.2f};
  EXPECT_TRUE(fp32->supports(f, d));
  EXPECT_TRUE(hmma->supports(h, d));
  EXPECT_TRUE(imma->supports(q, d));
  // Wrong types.
  EXPECT_FALSE(fp32->supports(h, d));
  EXPECT_FALSE(fp32->supports(q, d));
  EXPECT_FALSE(hmma->supports(f, d));
  EXPECT_FALSE(hmma->supports(q, d));
  EXPECT_FALSE(imma->supports(f, d));
  EXPECT_FALSE(imma->supports(h, d));
  KernelSetup mixed = typedSetup(layer, cc, DataType::kFLOAT, DataType::kHALF);
  EXPECT_FALSE(fp32->supports(mixed, d));
  EXPECT_FALSE(hmma->supports(mixed, d));
  KernelSetup halfOut = q;
  halfOut.outputTypes = {DataType::kHALF};
  EXPECT_FALSE(imma->supports(halfOut, d));
  KernelSetup noScale = q;
  noScale.inputScales = {0.f};
  EXPECT_FALSE(imma->supports(noScale, d));
  KernelSetup floatOut = q;
  floatOut.outputTypes = {DataType::kFLOAT};
  EXPECT_TRUE(imma->supports(floatOut, d));

  // 3-D convolution (5-D input) and 1-D convolution (3-D input).
  ConvolutionParams p3;
  p3.nbOutputMaps = 4;
  p3.kernel = {3, 3, 3};
  p3.weights.values = cpu::test::randomValues(4 * 2 * 27, 5);
  const Layer conv3d = cpu::test::makeLayer(std::move(p3), 1, "conv3d");
  KernelSetup s3 = cpu::test::makeSetup(conv3d, {{2, 2, 5, 5, 5}});
  EXPECT_FALSE(fp32->supports(s3, d));
  ConvolutionParams p1;
  p1.nbOutputMaps = 4;
  p1.kernel = {3};
  p1.weights.values = cpu::test::randomValues(4 * 2 * 3, 6);
  const Layer conv1d = cpu::test::makeLayer(std::move(p1), 1, "conv1d");
  KernelSetup s1 = cpu::test::makeSetup(conv1d, {{2, 2, 9}});
  EXPECT_FALSE(fp32->supports(s1, d));

  // An unknown config is an error, not a crash.
  EXPECT_THROW(fp32->create(f, "7x7"), Error);
  // The empty config picks a default tile.
  EXPECT_NE(fp32->create(f, ""), nullptr);
}

}  // namespace
}  // namespace int8rt::cuda::test

namespace int8rt::cuda::test {
namespace {

// Not a correctness test: prints the time of every config of the convolution kernels on
// LeNet's two convolutions at batch 100 and 8192: the median over 5 launches of a CUDA graph of
// 100 back-to-back enqueues, each run rotating over enough input/output buffers (>= 64 MB) that
// batch 8192 does not run from L2. Also the patch kernel with the fused 2x2 max pool, with and
// without an FP32 input.
double timeKernel(const Candidate& c, const KernelSetup& s, const std::string& config,
                  const Shape& xs, DataType inType, const Shape& ys, DataType outType) {
  std::unique_ptr<Kernel> k = c.create(s, config);
  const size_t xBytes = count(xs) * elementSize(inType), yBytes = count(ys) * elementSize(outType);
  const int sets = static_cast<int>(std::min<size_t>(16, 1 + (64u << 20) / (xBytes + yBytes)));
  std::vector<DeviceBuffer> xb, yb;
  std::vector<RunArgs> args(sets);
  for (int i = 0; i < sets; ++i) {
    xb.emplace_back(xBytes, "x");
    yb.emplace_back(yBytes, "y");
    checkCuda(cudaMemset(xb.back().get(), 1, xBytes), "memset");
    args[i].inputs.push_back({xb.back().get(), xs, inType});
    args[i].outputs.push_back({yb.back().get(), ys, outType});
  }
  cudaStream_t stream;
  checkCuda(cudaStreamCreate(&stream), "stream");
  for (RunArgs& a : args) a.stream = stream;
  constexpr int kRuns = 100;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  checkCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "capture");
  for (int i = 0; i < kRuns; ++i) k->enqueue(args[i % sets]);
  checkCuda(cudaStreamEndCapture(stream, &graph), "end capture");
  checkCuda(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
  checkCuda(cudaGraphLaunch(exec, stream), "warm-up");
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  std::vector<double> us;
  for (int rep = 0; rep < 5; ++rep) {
    cudaEventRecord(e0, stream);
    checkCuda(cudaGraphLaunch(exec, stream), "graph launch");
    cudaEventRecord(e1, stream);
    checkCuda(cudaEventSynchronize(e1), "timing");
    float ms = 0.f;
    cudaEventElapsedTime(&ms, e0, e1);
    us.push_back(1000.0 * ms / kRuns);
  }
  std::sort(us.begin(), us.end());
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaStreamDestroy(stream);
  return us[us.size() / 2];
}

TEST(CudaConv, LenetTimings) {
  I8RT_REQUIRE_GPU();
  struct Net {
    const char* what;
    int64_t c, h, k;
  };
  struct Variant {
    const char* name;
    DataType in, out;
    bool pool;
  };
  const Variant variants[] = {
      {"cuda_conv2d_fp32_implicit_gemm", DataType::kFLOAT, DataType::kFLOAT, false},
      {"cuda_conv2d_fp16_hmma_implicit_gemm", DataType::kHALF, DataType::kHALF, false},
      {kImma, DataType::kINT8, DataType::kINT8, false},
      {kPatch, DataType::kINT8, DataType::kINT8, false},
      {kPatch, DataType::kINT8, DataType::kINT8, true},
      {kPatch, DataType::kFLOAT, DataType::kINT8, true},
  };
  std::printf("TIMING device %s\n", currentDevice().name.c_str());
  for (const Net& net : {Net{"conv1", 1, 28, 20}, Net{"conv2", 20, 12, 50}}) {
    for (int64_t batch : {100, 8192}) {
      const ConvCase cc{net.what, batch, batch, net.c, net.h, net.h, net.k, 5, 5, {}, {}, {}, {}, 1,
                        ActivationType::kRELU};
      for (const Variant& v : variants) {
        Layer layer = makeConvLayer(cc, 7);
        if (v.pool) std::get<ConvolutionParams>(layer.params).fusedMaxPool = {2, 2};
        KernelSetup s = typedSetup(layer, cc, v.in, v.out);
        s.inputScales = {0.02f};
        s.outputScales = {0.05f};
        const Candidate* c = findKernel(v.name);
        ASSERT_TRUE(c && c->supports(s, currentDevice())) << v.name;
        for (const std::string& config : configsOf(*c, s, currentDevice())) {
          char label[256];
          std::snprintf(label, sizeof label, "%s batch %lld %s%s%s %s", net.what,
                        static_cast<long long>(batch), v.name, v.pool ? " +pool2x2" : "",
                        v.in == DataType::kFLOAT && v.out == DataType::kINT8 ? " +fp32-in" : "",
                        config.c_str());
          // I8RT_CONV_TIMING=<substring of a label> times only the matching runs (profiling).
          const char* only = std::getenv("I8RT_CONV_TIMING");
          if (only && !std::strstr(label, only)) continue;
          const double us = timeKernel(*c, s, config, runShape(cc), v.in, s.outputShapes[0], v.out);
          std::printf("TIMING %s: %.2f us\n", label, us);
        }
      }
    }
  }
}

}  // namespace
}  // namespace int8rt::cuda::test

// The gemm group (src/backends/cuda/gemm/): every FC and MatMul kernel, every configuration
// its configs() returns, against the CPU oracles at odd sizes, a run batch below the setup
// batch, with and without bias, with ReLU and other activations. FP32 within 1e-4, FP16 within
// 1e-2 (relative to |y| plus the magnitude sum |b| + sum |x||w|, which bounds the rounding
// of any summation order), INT8 exact where the math is exact (none / ReLU / leaky ReLU) and
// within 1 LSB otherwise (the device's expf may differ from glibc's by an ulp).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "cuda_test_util.h"

namespace int8rt::cuda::test {
namespace {

Layer fcLayer(int64_t k, const std::vector<float>& w, const std::vector<float>& bias, Activation act) {
  Layer l;
  l.name = "fc";
  FullyConnectedParams p;
  p.nbOutputs = k;
  p.weights.values = w;
  p.bias.values = bias;
  p.activation = act;
  l.params = p;
  l.inputs = {0};
  l.outputs = {1};
  return l;
}

KernelSetup setupFor(const Layer& l, const std::vector<Shape>& in, DataType inType, DataType outType,
                     float inScale = 0.f, float outScale = 0.f) {
  KernelSetup s;
  s.layer = &l;
  s.inputShapes = in;
  s.outputShapes = inferLayerShapes(l, in);
  s.inputTypes.assign(in.size(), inType);
  s.outputTypes.assign(s.outputShapes.size(), outType);
  s.inputScales.assign(in.size(), inScale);
  s.outputScales.assign(s.outputShapes.size(), outScale);
  return s;
}

std::vector<float> randomFloats(int64_t n, uint32_t seed) {
  return randomTensor({n}, DataType::kFLOAT, seed).values();
}

Shape withBatch(Shape s, int64_t n) {
  s[0] = n;
  return s;
}

// |bias| + sum |x||w| per output: the scale of the rounding error of any summation order.
std::vector<float> fcMagnitude(const std::vector<float>& x, const std::vector<float>& w,
                               const std::vector<float>& bias, int64_t n, int64_t c, int64_t k) {
  std::vector<float> m(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double s = bias.empty() ? 0.0 : std::fabs(bias[j]);
      for (int64_t q = 0; q < c; ++q) s += std::fabs(x[i * c + q] * w[j * c + q]);
      m[i * k + j] = static_cast<float>(s);
    }
  return m;
}

::testing::AssertionResult nearScaled(const std::vector<float>& got, const std::vector<float>& want,
                                      const std::vector<float>& mag, float rtol, float magTol) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "sizes differ";
  int bad = 0;
  auto r = ::testing::AssertionFailure();
  for (size_t i = 0; i < got.size(); ++i) {
    const float tol = rtol * std::fabs(want[i]) + magTol * mag[i] + 1e-30f;
    if (!(std::fabs(got[i] - want[i]) <= tol)) {
      if (bad < 5) r << "[" << i << "] " << got[i] << " vs " << want[i] << " (mag " << mag[i] << "); ";
      ++bad;
    }
  }
  if (!bad) return ::testing::AssertionSuccess();
  return r << bad << " of " << got.size() << " differ";
}

const char* kFp32Fc[] = {"cuda_fc_fp32_cublaslt", "cuda_fc_fp32_tiled"};
const char* kFp16Fc[] = {"cuda_fc_fp16_cublaslt", "cuda_fc_fp16_tiled"};
const char* kInt8Fc[] = {"cuda_fc_int8_cublaslt", "cuda_fc_int8_dp4a", "cuda_fc_int8_imma"};

// The configurations of `name` for `s`, or {} with a failure when it does not support s
// (cuBLASLt's INT8 may legitimately lack an algorithm for odd feature counts: reported only).
std::vector<std::string> configsFor(const std::string& name, const KernelSetup& s, bool mayLack) {
  const Candidate* c = findKernel(name);
  if (!c) {
    ADD_FAILURE() << "no kernel " << name;
    return {};
  }
  if (!c->supports(s, currentDevice())) {
    if (mayLack)
      std::printf("note: %s has no algorithm for input %s\n", name.c_str(),
                  shapeToString(s.inputShapes[0]).c_str());
    else
      ADD_FAILURE() << name << " does not support input " << shapeToString(s.inputShapes[0]);
    return {};
  }
  std::vector<std::string> cfg = configsOf(*c, s, currentDevice());
  EXPECT_FALSE(cfg.empty()) << name;
  return cfg;
}

struct FcCase {
  Shape x;  // setup shape (max batch)
  int64_t k;
  int64_t runBatch;
  bool bias;
  Activation act;
};

std::string describe(const FcCase& c) {
  return "x " + shapeToString(c.x) + " K " + std::to_string(c.k) + " run batch " +
         std::to_string(c.runBatch) + (c.bias ? " bias" : " no bias") + " act " +
         activationName(c.act.type);
}

std::vector<FcCase> oddCases() {
  const Activation none{}, relu{ActivationType::kRELU}, leaky{ActivationType::kLEAKY_RELU, 0.1f},
      sigmoid{ActivationType::kSIGMOID};
  std::vector<FcCase> cases;
  int i = 0;
  for (int64_t c : {1, 7, 33, 800})
    for (int64_t k : {1, 10, 13, 500}) {
      for (int64_t n : {1, 3, 100}) {
        const Activation acts[] = {none, relu, sigmoid, leaky};
        const Activation act = acts[i % 4];
        cases.push_back({{128, c}, k, n, i % 2 == 0, act});
        ++i;
      }
    }
  // Rank 4 input (LeNet's pool2 -> ip1), flattened per sample.
  cases.push_back({{128, 50, 4, 4}, 500, 100, true, relu});
  cases.push_back({{128, 7, 3, 3}, 13, 5, true, none});
  return cases;
}

void runFloatFc(DataType type, const char* const* names, const FcCase& fc, uint32_t seed,
                bool report) {
  const int64_t c = count(fc.x) / fc.x[0];
  std::vector<float> w = randomFloats(fc.k * c, seed);
  std::vector<float> bias = fc.bias ? randomFloats(fc.k, seed + 1) : std::vector<float>{};
  Layer l = fcLayer(fc.k, w, bias, fc.act);
  KernelSetup s = setupFor(l, {fc.x}, type, type);
  HostTensor x = randomTensor(withBatch(fc.x, fc.runBatch), type, seed + 2);
  const auto want = runCpu("fully_connected_ref", s, {x});
  ASSERT_EQ(want.size(), 1u);
  const auto mag = fcMagnitude(x.values(), w, bias, fc.runBatch, c, fc.k);
  const bool half = type == DataType::kHALF;
  for (int i = 0; i < 2; ++i)
    for (const std::string& cfg : configsFor(names[i], s, false)) {
      const auto got = runCuda(names[i], cfg, s, {x});
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(nearScaled(got[0].values(), want[0].values(), mag, half ? 1e-2f : 1e-4f,
                             half ? 1e-3f : 2e-5f))
          << names[i] << " config '" << cfg << "' " << describe(fc);
      if (report) std::printf("%s '%s': %s ok\n", names[i], cfg.c_str(), describe(fc).c_str());
    }
}

TEST(CudaGemm, FcFp32EveryKernelEveryConfig) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 100;
  for (const FcCase& c : oddCases()) runFloatFc(DataType::kFLOAT, kFp32Fc, c, seed += 7, false);
}

TEST(CudaGemm, FcFp16EveryKernelEveryConfig) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 200;
  for (const FcCase& c : oddCases()) runFloatFc(DataType::kHALF, kFp16Fc, c, seed += 7, false);
}

// INT8: adversarial data (inputs mostly -128 / +127 / -127, weights of equal magnitude so
// every quantized weight is +-127), both output types; the output scale comes from the
// oracle's float output so that requantization both rounds and saturates.
void runInt8Fc(const FcCase& fc, uint32_t seed, bool adversarial, int* exactRuns, int* lsbDiffs) {
  const int64_t c = count(fc.x) / fc.x[0];
  std::mt19937 rng(seed);
  std::vector<float> w = randomFloats(fc.k * c, seed);
  if (adversarial)
    for (float& v : w) v = v > 0 ? 0.5f : -0.5f;
  std::vector<float> bias = fc.bias ? randomFloats(fc.k, seed + 1) : std::vector<float>{};
  for (float& b : bias) b *= 20.f;
  Layer l = fcLayer(fc.k, w, bias, fc.act);
  HostTensor x = randomTensor(withBatch(fc.x, fc.runBatch), DataType::kINT8, seed + 2);
  if (adversarial) {
    std::vector<float> v = x.values();
    const float pick[] = {-128.f, 127.f, -127.f, -128.f};
    for (size_t i = 0; i < v.size(); ++i)
      if (rng() % 4 != 0) v[i] = pick[rng() % 4];
    x.setValues(v);
  }
  const float inScale = 0.05f;
  KernelSetup sf = setupFor(l, {fc.x}, DataType::kINT8, DataType::kFLOAT, inScale, 0.f);
  const auto wantF = runCpu("fully_connected_int8_ref", sf, {x});
  ASSERT_EQ(wantF.size(), 1u);
  float amax = 0.f;
  for (float v : wantF[0].values()) amax = std::fmax(amax, std::fabs(v));
  KernelSetup sq = setupFor(l, {fc.x}, DataType::kINT8, DataType::kINT8, inScale,
                            amax > 0.f ? amax / 100.f : 1.f);
  const auto wantQ = runCpu("fully_connected_int8_ref", sq, {x});
  const bool exactMath = fc.act.type == ActivationType::kNONE ||
                         fc.act.type == ActivationType::kRELU ||
                         fc.act.type == ActivationType::kLEAKY_RELU;
  for (int i = 0; i < 3; ++i) {
    const bool mayLack = i == 0;  // cuBLASLt IMMA wants aligned leading dims
    for (const KernelSetup* s : {&sf, &sq}) {
      const bool q = s == &sq;
      const auto& want = q ? wantQ : wantF;
      for (const std::string& cfg : configsFor(kInt8Fc[i], *s, mayLack)) {
        const auto got = runCuda(kInt8Fc[i], cfg, *s, {x});
        ASSERT_EQ(got.size(), 1u);
        const auto g = got[0].values(), e = want[0].values();
        int diffs = 0, worse = 0;
        for (size_t j = 0; j < g.size(); ++j) {
          if (g[j] == e[j]) continue;
          const float d = std::fabs(g[j] - e[j]);
          if (q ? d <= 1.f : d <= 1e-6f * std::fabs(e[j])) ++diffs;
          else ++worse;
        }
        EXPECT_EQ(worse, 0) << kInt8Fc[i] << " '" << cfg << "' " << (q ? "int8" : "float")
                            << " out, " << describe(fc);
        if (exactMath) {
          EXPECT_EQ(diffs, 0) << kInt8Fc[i] << " '" << cfg << "' must be exact: " << describe(fc);
        }
        *lsbDiffs += diffs;
        ++*exactRuns;
      }
    }
  }
}

TEST(CudaGemm, FcInt8EveryKernelEveryConfig) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 300;
  int runs = 0, diffs = 0;
  for (const FcCase& c : oddCases()) {
    runInt8Fc(c, seed += 7, false, &runs, &diffs);
    runInt8Fc(c, seed += 7, true, &runs, &diffs);
  }
  std::printf("INT8 FC: %d runs, %d outputs 1 LSB (or 1 float ulp-ish) off the CPU\n", runs, diffs);
}

// The fused softmax of cuda_fc_int8_imma (FullyConnectedParams::fusedSoftmax, up to 16
// outputs, FP32 out) against the CPU reference of the same fused layer, which is the unfused
// fully_connected_int8_ref + softmax_ref pair (softmax_row.h): odd batches and output counts,
// a run batch below the setup batch. The device sums in float, the CPU in double: 1e-5.
TEST(CudaGemm, FcInt8ImmaFusedSoftmaxMatchesReference) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 900;
  for (int64_t k : {1, 3, 10, 16})
    for (Shape xs : {Shape{7, 37}, Shape{100, 500}, Shape{33, 20, 2, 3}}) {
      for (int64_t runBatch : {xs[0], (xs[0] + 1) / 2}) {
        const int64_t c = count(xs) / xs[0];
        std::vector<float> bias = randomFloats(k, seed++);
        for (float& b : bias) b *= 4.f;
        Layer l = fcLayer(k, randomFloats(k * c, seed++), bias, Activation{ActivationType::kRELU});
        l.as<FullyConnectedParams>().fusedSoftmax = true;
        const HostTensor x = randomTensor(withBatch(xs, runBatch), DataType::kINT8, seed++);
        const KernelSetup s = setupFor(l, {xs}, DataType::kINT8, DataType::kFLOAT, 0.05f, 0.f);
        const std::string what = "k " + std::to_string(k) + " x " + cpu::shapeText(xs) + " run batch " +
                                 std::to_string(runBatch);
        SCOPED_TRACE(what);
        ASSERT_TRUE(findKernel("cuda_fc_int8_imma")->supports(s, currentDevice()));
        // No other FC kernel runs the fused layer (they would silently drop the softmax).
        for (const char* other : {"cuda_fc_int8_cublaslt", "cuda_fc_int8_dp4a"})
          EXPECT_FALSE(findKernel(other)->supports(s, currentDevice())) << other;
        const auto want = runCpu("fully_connected_int8_ref", s, {x}).at(0).values();
        const auto got = runCuda("cuda_fc_int8_imma", "", s, {x}).at(0).values();
        EXPECT_TRUE(allNear(got, want, 1e-5f, 1e-6f));
        // Each row is a distribution.
        for (int64_t n = 0; n < runBatch; ++n) {
          double sum = 0;
          for (int64_t j = 0; j < k; ++j) sum += got[static_cast<size_t>(n * k + j)];
          EXPECT_NEAR(sum, 1.0, 1e-5);
        }
      }
    }
  // More than 16 outputs, or an INT8 output, is not this kernel's.
  Layer wide = fcLayer(17, randomFloats(17 * 8, 1), {}, Activation{});
  wide.as<FullyConnectedParams>().fusedSoftmax = true;
  EXPECT_FALSE(findKernel("cuda_fc_int8_imma")
                   ->supports(setupFor(wide, {{4, 8}}, DataType::kINT8, DataType::kFLOAT, 0.1f),
                              currentDevice()));
  Layer q = fcLayer(10, randomFloats(10 * 8, 2), {}, Activation{});
  q.as<FullyConnectedParams>().fusedSoftmax = true;
  EXPECT_FALSE(findKernel("cuda_fc_int8_imma")
                   ->supports(setupFor(q, {{4, 8}}, DataType::kINT8, DataType::kINT8, 0.1f, 0.1f),
                              currentDevice()));
}

// LeNet's two FCs at batch 100 and 8192, every precision (the shapes the builder times).
TEST(CudaGemm, LeNetFcShapes) {
  I8RT_REQUIRE_GPU();
  const Activation relu{ActivationType::kRELU};
  int runs = 0, diffs = 0;
  for (int64_t batch : {100, 8192}) {
    const FcCase ip1{{batch, 50, 4, 4}, 500, batch, true, relu};
    const FcCase ip2{{batch, 500}, 10, batch, true, Activation{}};
    for (const FcCase& c : {ip1, ip2}) {
      runFloatFc(DataType::kFLOAT, kFp32Fc, c, 11, true);
      runFloatFc(DataType::kHALF, kFp16Fc, c, 12, true);
      runInt8Fc(c, 13, false, &runs, &diffs);
    }
  }
  EXPECT_EQ(diffs, 0);
}

// Microseconds per launch at LeNet's shapes, batch 100 and 8192, printed for the lead (not
// asserted). Run with INT8RT_CUDA_PDL=0 to see the launches without programmatic dependence.
TEST(CudaGemm, LeNetFcTimings) {
  I8RT_REQUIRE_GPU();
  const Activation relu{ActivationType::kRELU};
  struct Shape2 { Shape x; int64_t k; Activation act; };
  for (const Shape2& sh : {Shape2{{100, 800}, 500, relu}, Shape2{{100, 500}, 10, Activation{}},
                           Shape2{{8192, 800}, 500, relu}, Shape2{{8192, 500}, 10, Activation{}}}) {
    const int64_t batch = sh.x[0];
    const int64_t c = sh.x[1];
    std::vector<float> w = randomFloats(sh.k * c, 5), b = randomFloats(sh.k, 6);
    Layer l = fcLayer(sh.k, w, b, sh.act);
    struct Prec { DataType in, out; const char* const* names; int count; };
    for (const Prec& p : {Prec{DataType::kFLOAT, DataType::kFLOAT, kFp32Fc, 2},
                          Prec{DataType::kHALF, DataType::kHALF, kFp16Fc, 2},
                          Prec{DataType::kINT8, DataType::kINT8, kInt8Fc, 3}}) {
      KernelSetup s = setupFor(l, {sh.x}, p.in, p.out, 0.05f, 0.5f);
      for (int i = 0; i < p.count; ++i)
        for (const std::string& cfg : configsFor(p.names[i], s, true)) {
          std::unique_ptr<Kernel> k = findKernel(p.names[i])->create(s, cfg);
          DeviceBuffer xin(static_cast<size_t>(count(sh.x)) * 4), yout(static_cast<size_t>(batch * sh.k) * 4),
              ws(k->workspaceBytes());
          checkCuda(cudaMemset(xin.get(), 0, xin.bytes()), "memset");
          RunArgs a;
          a.inputs.push_back({xin.get(), sh.x, p.in});
          a.outputs.push_back({yout.get(), {batch, sh.k}, p.out});
          a.workspace = ws.get();
          cudaStream_t st;
          checkCuda(cudaStreamCreate(&st), "stream");
          a.stream = st;
          for (int r = 0; r < 3; ++r) k->enqueue(a);
          // Timed as a CUDA graph of `reps` launches (as contexts run the network), so that
          // host overhead per enqueue (cuBLASLt's is several us) does not hide the GPU time.
          const int reps = 100;
          cudaGraph_t graph;
          cudaGraphExec_t exec;
          checkCuda(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal), "capture");
          for (int r = 0; r < reps; ++r) k->enqueue(a);
          checkCuda(cudaStreamEndCapture(st, &graph), "end capture");
          checkCuda(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
          checkCuda(cudaGraphLaunch(exec, st), "graph warm-up");
          cudaEvent_t e0, e1;
          checkCuda(cudaEventCreate(&e0), "event");
          checkCuda(cudaEventCreate(&e1), "event");
          checkCuda(cudaEventRecord(e0, st), "record");
          checkCuda(cudaGraphLaunch(exec, st), "graph launch");
          checkCuda(cudaEventRecord(e1, st), "record");
          checkCuda(cudaEventSynchronize(e1), "sync");
          float ms = 0.f;
          checkCuda(cudaEventElapsedTime(&ms, e0, e1), "elapsed");
          std::printf("timing %s '%s' x[%lld,%lld] -> %lld: %.2f us/launch (graph)\n",
                      p.names[i], cfg.c_str(), static_cast<long long>(batch),
                      static_cast<long long>(c), static_cast<long long>(sh.k), 1000.f * ms / reps);
          cudaGraphExecDestroy(exec);
          cudaGraphDestroy(graph);
          cudaEventDestroy(e0);
          cudaEventDestroy(e1);
          cudaStreamDestroy(st);
        }
    }
  }
}

TEST(CudaGemm, BadConfigStringsThrow) {
  I8RT_REQUIRE_GPU();
  Layer l = fcLayer(13, randomFloats(13 * 32, 1), randomFloats(13, 2), Activation{});
  KernelSetup s = setupFor(l, {{8, 32}}, DataType::kFLOAT, DataType::kFLOAT);
  for (const char* bad : {"garbage", "", "id=0", "id=9999,tile=0,stages=0,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0"})
    EXPECT_THROW(findKernel("cuda_fc_fp32_cublaslt")->create(s, bad), Error) << bad;
  EXPECT_THROW(findKernel("cuda_fc_fp32_tiled")->create(s, "tile=3"), Error);
}

// ---- MatMul ----

struct MatMulCase {
  Shape a, b;
  bool tA, tB;
  bool supported;
};

TEST(CudaGemm, MatMulEveryKernelEveryConfig) {
  I8RT_REQUIRE_GPU();
  const MatMulCase cases[] = {
      {{7, 33}, {33, 13}, false, false, true},
      {{3, 7, 33}, {33, 13}, false, false, true},      // constant-like B broadcast
      {{13, 7}, {3, 13, 5}, true, false, true},        // A broadcast, transposed
      {{2, 3, 5, 7}, {2, 3, 4, 7}, false, true, true}, // full batch, B transposed
      {{2, 3, 7, 5}, {1, 1, 4, 7}, true, true, true},
      {{5, 7}, {7}, false, false, true},               // matrix x vector
      {{7}, {2, 7, 5}, false, false, true},            // vector x batched matrix
      {{1, 1}, {1, 1}, false, false, true},
      {{2, 1, 4, 5}, {3, 5, 6}, false, false, false},  // broadcast without a constant stride
  };
  uint32_t seed = 400;
  for (const MatMulCase& mc : cases)
    for (DataType t : {DataType::kFLOAT, DataType::kHALF}) {
      Layer l;
      l.name = "matmul";
      l.params = MatMulParams{mc.tA, mc.tB};
      l.inputs = {0, 1};
      l.outputs = {2};
      KernelSetup s = setupFor(l, {mc.a, mc.b}, t, t);
      const char* name = t == DataType::kFLOAT ? "cuda_matmul_fp32_cublaslt" : "cuda_matmul_fp16_cublaslt";
      const Candidate* c = findKernel(name);
      ASSERT_NE(c, nullptr);
      const bool sup = c->supports(s, currentDevice());
      EXPECT_EQ(sup, mc.supported) << name << " " << shapeToString(mc.a) << " x " << shapeToString(mc.b);
      if (!sup) continue;
      HostTensor a = randomTensor(mc.a, t, seed++), b = randomTensor(mc.b, t, seed++);
      const auto want = runCpu("matmul_ref", s, {a, b});
      // Magnitude: the same matmul of |a| and |b|.
      HostTensor aa(mc.a, DataType::kFLOAT), ab(mc.b, DataType::kFLOAT);
      std::vector<float> va = a.values(), vb = b.values();
      for (float& v : va) v = std::fabs(v);
      for (float& v : vb) v = std::fabs(v);
      aa.setValues(va);
      ab.setValues(vb);
      KernelSetup sf = setupFor(l, {mc.a, mc.b}, DataType::kFLOAT, DataType::kFLOAT);
      const auto mag = runCpu("matmul_ref", sf, {aa, ab});
      const bool half = t == DataType::kHALF;
      for (const std::string& cfg : configsOf(*c, s, currentDevice())) {
        const auto got = runCuda(name, cfg, s, {a, b});
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(nearScaled(got[0].values(), want[0].values(), mag[0].values(),
                               half ? 1e-2f : 1e-4f, half ? 1e-3f : 2e-5f))
            << name << " '" << cfg << "' " << shapeToString(mc.a) << (mc.tA ? "^T" : "") << " x "
            << shapeToString(mc.b) << (mc.tB ? "^T" : "");
      }
    }
}

// A run whose batch is below the setup's: the algorithm chosen at setup is re-checked.
TEST(CudaGemm, MatMulSmallerRunBatch) {
  I8RT_REQUIRE_GPU();
  Layer l;
  l.name = "matmul";
  l.params = MatMulParams{false, false};
  l.inputs = {0, 1};
  l.outputs = {2};
  KernelSetup s = setupFor(l, {{64, 9, 33}, {33, 13}}, DataType::kFLOAT, DataType::kFLOAT);
  HostTensor a = randomTensor({5, 9, 33}, DataType::kFLOAT, 1), b = randomTensor({33, 13}, DataType::kFLOAT, 2);
  const auto want = runCpu("matmul_ref", s, {a, b});
  const Candidate* c = findKernel("cuda_matmul_fp32_cublaslt");
  ASSERT_TRUE(c && c->supports(s, currentDevice()));
  for (const std::string& cfg : configsOf(*c, s, currentDevice())) {
    const auto got = runCuda(c->name, cfg, s, {a, b});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-4f, 1e-4f)) << cfg;
  }
}

}  // namespace
}  // namespace int8rt::cuda::test

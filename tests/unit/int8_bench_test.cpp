// Timing of the INT8 kernels on Caffe LeNet shapes (batch 100), per layer and for the whole
// INT8 network, plus the raw GEMM schemes. Runs only with INT8RT_INT8_BENCH=1 (a measurement,
// not a check): INT8RT_INT8_BENCH=1 unit_tests --gtest_filter='Int8Bench*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "backends/cpu/int8/int8_common.h"
#include "backends/cpu/int8/quantize.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using namespace int8test;

bool benchEnabled() {
  const char* e = std::getenv("INT8RT_INT8_BENCH");
  return e && std::string(e) == "1";
}

int envInt(const char* name, int dflt) {
  const char* e = std::getenv(name);
  return e ? std::atoi(e) : dflt;
}

// Wall time of fn in milliseconds over `reps` runs after warm-up runs: the median, or with
// INT8RT_BENCH_MIN=1 the minimum (on a shared, loaded machine the minimum is the run that was
// not descheduled, the better estimate of the kernel's own time).
double medianMs(const std::function<void()>& fn, int reps) {
  for (int i = 0; i < 5; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return envInt("INT8RT_BENCH_MIN", 0) ? t.front() : t[t.size() / 2];
}

struct Stage {
  std::string name;
  Layer layer;
  KernelSetup setup;
  std::unique_ptr<CpuKernel> kernel;
  RunArgs args;
  std::vector<uint8_t> ws;
  double macs = 0;
};

TEST(Int8Bench, LeNetBatch100) {
  if (!benchEnabled()) GTEST_SKIP() << "set INT8RT_INT8_BENCH=1 to time the INT8 kernels";
  INT8_REQUIRE_AVX2();
  const int64_t N = envInt("INT8RT_BENCH_BATCH", 100);
  const int threads = envInt("INT8RT_BENCH_THREADS", 2), reps = envInt("INT8RT_BENCH_REPS", 200);
  ThreadPool pool(threads);

  // Activation buffers (bytes), sized for the largest stage.
  std::vector<float> input = randomFloats(N * 784, 1, 0.f, 0.996f);
  std::vector<std::vector<uint8_t>> buf(8);
  const float sIn = 0.996f / 127, s1 = 0.06f, s2 = 0.12f, s3 = 0.08f;

  std::vector<std::unique_ptr<Stage>> stages;
  auto add = [&](const std::string& name, LayerParams p, Shape in, float inScale, float outScale,
                 const char* kernel, int inBuf, int outBuf, double macs) {
    auto st = std::make_unique<Stage>();
    st->name = name;
    st->layer = makeLayer(std::move(p), 1, name);
    st->setup = makeSetup(st->layer, {in}, {inScale}, outScale);
    const KernelCandidate* k = findInt8Kernel(kernel);
    ASSERT_TRUE(k && k->supports(st->setup, cpuFeatures())) << kernel;
    st->kernel = k->create(st->setup);
    const Shape out = st->setup.outputShapes[0];
    const size_t elem = outScale > 0 ? 1 : 4;
    buf[outBuf].assign(static_cast<size_t>(count(out)) * elem + 64, 0);
    st->ws.resize(st->kernel->workspaceBytes() + 128);
    st->args.inputs.push_back({buf[inBuf].data(), in, DataType::kINT8});
    st->args.outputs.push_back(
        {buf[outBuf].data(), out, outScale > 0 ? DataType::kINT8 : DataType::kFLOAT});
    st->args.pool = &pool;
    st->args.workspace =
        st->ws.data() + (64 - reinterpret_cast<uintptr_t>(st->ws.data()) % 64) % 64;
    st->macs = macs;
    stages.push_back(std::move(st));
  };
  auto conv = [](int64_t k, int64_t c, uint32_t seed) {
    ConvolutionParams p;
    p.nbOutputMaps = k;
    p.kernel = {5, 5};
    p.weights.values = randomFloats(k * c * 25, seed, -0.3f, 0.3f);
    p.bias.values = randomFloats(k, seed + 1, -0.1f, 0.1f);
    return p;
  };
  auto maxPool = [] {
    PoolingParams p;
    p.window = {2, 2};
    p.stride = {2, 2};
    p.rounding = PoolRounding::kCEIL;
    return p;
  };
  auto fc = [](int64_t k, int64_t c, bool relu, uint32_t seed) {
    FullyConnectedParams p;
    p.nbOutputs = k;
    p.weights.values = randomFloats(k * c, seed, -0.1f, 0.1f);
    p.bias.values = randomFloats(k, seed + 1, -0.1f, 0.1f);
    if (relu) p.activation.type = ActivationType::kRELU;
    return p;
  };
  buf[0].assign(static_cast<size_t>(N * 784) + 64, 0);
  add("conv1", conv(20, 1, 10), {N, 1, 28, 28}, sIn, s1, "convolution_int8_im2col_gemm_4x16_avx2",
      0, 1, 20.0 * 24 * 24 * 25);
  add("pool1", maxPool(), {N, 20, 24, 24}, s1, s1, "pooling_max_int8_2d_avx2", 1, 2, 0);
  add("conv2", conv(50, 20, 20), {N, 20, 12, 12}, s1, s2, "convolution_int8_im2col_gemm_4x16_avx2",
      2, 3, 50.0 * 8 * 8 * 500);
  add("pool2", maxPool(), {N, 50, 8, 8}, s2, s2, "pooling_max_int8_2d_avx2", 3, 4, 0);
  add("fc1+relu", fc(500, 800, true, 30), {N, 800}, s2, s3, "fully_connected_int8_gemm_4x16_avx2",
      4, 5, 500.0 * 800);
  add("fc2", fc(10, 500, false, 40), {N, 500}, s3, 0.f, "fully_connected_int8_gemm_4x16_avx2", 5, 6,
      10.0 * 500);
  if (HasFatalFailure()) return;

  auto quantizeInput = [&] {
    quantizeTensor(input.data(), reinterpret_cast<int8_t*>(buf[0].data()), N * 784, sIn, &pool);
  };
  auto network = [&] {
    quantizeInput();
    for (auto& st : stages) st->kernel->run(st->args);
  };
  network();  // fills every buffer with realistic data before the per-layer timings

  std::printf("\nINT8 LeNet, batch %lld, %d threads, %s of %d runs (%s)\n",
              static_cast<long long>(N), threads, envInt("INT8RT_BENCH_MIN", 0) ? "min" : "median",
              reps, cpuFeatures().describe().c_str());
  std::printf("%-10s %12s %12s %10s\n", "layer", "ms/batch", "us/image", "GMAC/s");
  double sum = 0;
  const double q = medianMs(quantizeInput, reps);
  sum += q;
  std::printf("%-10s %12.4f %12.3f %10s\n", "quantize", q, 1000 * q / N, "-");
  for (auto& st : stages) {
    const double ms = medianMs([&] { st->kernel->run(st->args); }, reps);
    sum += ms;
    if (st->macs > 0)
      std::printf("%-10s %12.4f %12.3f %10.1f\n", st->name.c_str(), ms, 1000 * ms / N,
                  st->macs * N / (ms * 1e6));
    else
      std::printf("%-10s %12.4f %12.3f %10s\n", st->name.c_str(), ms, 1000 * ms / N, "-");
  }
  const double whole = medianMs(network, reps);
  std::printf("%-10s %12.4f %12.3f   (layers summed: %.3f us/image)\n", "network", whole,
              1000 * whole / N, 1000 * sum / N);
  std::printf("network ms/image: %.5f (target <= 0.020)\n", whole / N);
}

// One thread, conv2-sized GEMM (52 x 64 x 500, the packed B of one image): each scheme's MAC
// rate, to compare with the 32 MACs/cycle/core two-multiply-uop bound of AVX2 without VNNI.
TEST(Int8Bench, GemmSchemes) {
  if (!benchEnabled()) GTEST_SKIP() << "set INT8RT_INT8_BENCH=1 to time the INT8 kernels";
  INT8_REQUIRE_AVX2();
  const int64_t m = 52, n = 64, r = 500, kGroups = r / 4;
  std::vector<int8_t> a = randomInt8(m * r, 1, -127, 127), x = randomInt8(n * r, 2, 0, 127);
  alignas(64) static int8_t pa[52 * 500], pb[64 * 500];
  alignas(64) static int16_t pa16[52 * 500], pb16[64 * 500];
  i8::packA(a.data(), m, r, r, pa);
  for (int b = 0; b < 4; ++b)
    i8::packRowsAvx2(x.data() + b * 16 * r, 16, r, r, kGroups, pb + b * 16 * r);
  i8::widenInt8Avx2(pa, pa16, m * r);
  i8::widenInt8Avx2(pb, pb16, n * r);
  std::vector<int32_t> c(m * n);
  i8::Int8Epilogue ep;
  ep.accOut = c.data();
  ep.rowStride = n;
  i8::GemmOperands op;
  op.a8 = pa, op.a16 = pa16, op.rows = m, op.b8 = pb, op.b16 = pb16, op.cols = n;
  op.kGroups = kGroups;
  const int inner = 200;
  for (auto [scheme, name] :
       {std::pair{i8::GemmScheme::kU8, "U8"}, std::pair{i8::GemmScheme::kS16, "S16"},
        std::pair{i8::GemmScheme::kSign, "SIGN"}}) {
    const double ms = medianMs(
        [&] {
          for (int i = 0; i < inner; ++i) i8::gemmInt8Avx2(op, ep, scheme);
        },
        50);
    std::printf("gemm %-4s 52x64x500: %.2f us per call, %.1f GMAC/s (1 thread)\n", name,
                1000 * ms / inner, double(m) * n * r * inner / (ms * 1e6));
  }
}

// The same LeNet conv / FC layers through the first FP32 candidate of the registry that supports
// them, next to the INT8 kernels: the speed-up INT8 buys on this CPU.
TEST(Int8Bench, VersusFp32) {
  if (!benchEnabled()) GTEST_SKIP() << "set INT8RT_INT8_BENCH=1 to time the INT8 kernels";
  INT8_REQUIRE_AVX2();
  const int64_t N = envInt("INT8RT_BENCH_BATCH", 100);
  const int threads = envInt("INT8RT_BENCH_THREADS", 2), reps = envInt("INT8RT_BENCH_REPS", 200);
  ThreadPool pool(threads);
  struct Case {
    const char* name;
    LayerParams p;
    Shape in;
    double macs;
  };
  auto conv = [](int64_t k, int64_t c) {
    ConvolutionParams p;
    p.nbOutputMaps = k;
    p.kernel = {5, 5};
    p.weights.values = randomFloats(k * c * 25, 3, -0.3f, 0.3f);
    p.bias.values = randomFloats(k, 4, -0.1f, 0.1f);
    return p;
  };
  FullyConnectedParams fc;
  fc.nbOutputs = 500;
  fc.weights.values = randomFloats(500 * 800, 5, -0.1f, 0.1f);
  fc.bias.values = randomFloats(500, 6);
  fc.activation.type = ActivationType::kRELU;
  std::vector<Case> cases = {{"conv1", conv(20, 1), {N, 1, 28, 28}, 20.0 * 576 * 25},
                             {"conv2", conv(50, 20), {N, 20, 12, 12}, 50.0 * 64 * 500},
                             {"fc1+relu", fc, {N, 800}, 400000.0}};
  std::printf("\n%-9s %-40s %10s %10s  (batch %lld, %d threads)\n", "layer", "kernel", "us/image",
              "GMAC/s", static_cast<long long>(N), threads);
  for (Case& c : cases) {
    Layer layer = makeLayer(c.p, 1, c.name);
    for (bool int8 : {false, true}) {
      KernelSetup setup = makeSetup(layer, {c.in}, {0.05f}, 0.1f);
      if (!int8) {
        setup.inputTypes = {DataType::kFLOAT};
        setup.outputTypes = {DataType::kFLOAT};
      }
      const KernelCandidate* k = nullptr;
      for (const auto& cand : cpuKernelRegistry())
        if (cand.kind == layer.kind() &&
            cand.precision == (int8 ? DataType::kINT8 : DataType::kFLOAT) &&
            cand.supports(setup, cpuFeatures())) {
          k = &cand;
          break;
        }
      ASSERT_NE(k, nullptr) << c.name;
      auto kernel = k->create(setup);
      const size_t elem = int8 ? 1 : 4;
      std::vector<uint8_t> in(static_cast<size_t>(count(c.in)) * elem + 64);
      if (int8) {
        auto q = randomInt8(count(c.in), 7);
        std::memcpy(in.data(), q.data(), q.size());
      } else {
        auto f = randomFloats(count(c.in), 7);
        std::memcpy(in.data(), f.data(), f.size() * 4);
      }
      const Shape out = setup.outputShapes[0];
      std::vector<uint8_t> y(static_cast<size_t>(count(out)) * elem + 64);
      std::vector<uint8_t> ws(kernel->workspaceBytes() + 128);
      RunArgs args;
      args.inputs.push_back({in.data(), c.in, setup.inputTypes[0]});
      args.outputs.push_back({y.data(), out, setup.outputTypes[0]});
      args.pool = &pool;
      args.workspace = ws.data() + (64 - reinterpret_cast<uintptr_t>(ws.data()) % 64) % 64;
      const double ms = medianMs([&] { kernel->run(args); }, reps);
      std::printf("%-9s %-40s %10.3f %10.1f\n", c.name, k->name, 1000 * ms / N,
                  c.macs * N / (ms * 1e6));
    }
  }
}

}  // namespace
}  // namespace int8rt::cpu

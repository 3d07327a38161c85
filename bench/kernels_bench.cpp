// CPU kernel benchmarks (Google Benchmark): every supported candidate of each LeNet layer at
// batch 100, and the whole LeNet chain (fastest kernel per layer) in us/image.
// Build (not part of the default build), from the repository root after building the library:
//   g++ -std=c++20 -O2 -Iinclude -Isrc bench/kernels_bench.cpp build/libint8rt.a -lbenchmark \
//       -lpthread -o kernels_bench
// Run: INT8RT_BENCH_THREADS=2 ./kernels_bench [--benchmark_filter=LeNet] (default 2 threads).
// Each benchmark runs many short repetitions and reports their median and min: on a shared
// machine the min is the closest to the uncontended time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "int8rt/network.h"

namespace int8rt {
namespace {

constexpr int64_t kBatch = 100;

int benchThreads() {
  const char* v = std::getenv("INT8RT_BENCH_THREADS");
  return v ? std::atoi(v) : 2;
}

ThreadPool& pool() {
  static ThreadPool p(benchThreads());
  return p;
}

std::vector<float> randomValues(int64_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// One LeNet layer: its definition, shapes at batch 100 and buffers.
struct BenchLayer {
  std::string name;
  Layer layer;
  Shape in, out;
  std::vector<float> x, y;
  KernelSetup setup;
};

ConvolutionParams conv(int64_t c, int64_t k, uint32_t seed) {
  ConvolutionParams p;
  p.nbOutputMaps = k;
  p.kernel = {5, 5};
  p.weights.values = randomValues(k * c * 25, seed, 0.2f);
  p.bias.values = randomValues(k, seed + 1, 0.1f);
  return p;
}

PoolingParams maxPool() {
  PoolingParams p;
  p.window = {2, 2};
  p.stride = {2, 2};
  p.rounding = PoolRounding::kCEIL;
  return p;
}

FullyConnectedParams fc(int64_t c, int64_t k, bool relu, uint32_t seed) {
  FullyConnectedParams p;
  p.nbOutputs = k;
  p.weights.values = randomValues(k * c, seed, 0.05f);
  p.bias.values = randomValues(k, seed + 1, 0.1f);
  if (relu) p.activation.type = ActivationType::kRELU;
  return p;
}

std::vector<BenchLayer>& lenet() {
  static std::vector<BenchLayer> layers = [] {
    std::vector<std::pair<std::string, LayerParams>> defs = {{"conv1", conv(1, 20, 1)},
                                                             {"pool1", maxPool()},
                                                             {"conv2", conv(20, 50, 3)},
                                                             {"pool2", maxPool()},
                                                             {"ip1+relu", fc(800, 500, true, 5)},
                                                             {"ip2", fc(500, 10, false, 7)},
                                                             {"prob", SoftMaxParams{}}};
    std::vector<BenchLayer> v;
    v.reserve(defs.size());  // setups point at the layers
    Shape shape{kBatch, 1, 28, 28};
    for (auto& [name, params] : defs) {
      BenchLayer b;
      b.name = name;
      b.layer.name = name;
      b.layer.params = params;
      b.layer.inputs = {0};
      b.layer.outputs = {1};
      b.in = shape;
      b.out = inferLayerShapes(b.layer, {shape}).at(0);
      shape = b.out;
      v.push_back(std::move(b));
    }
    for (size_t i = 0; i < v.size(); ++i) {
      BenchLayer& b = v[i];
      b.x = i == 0 ? randomValues(count(b.in), 11, 1.f) : std::vector<float>();
      b.y.assign(static_cast<size_t>(count(b.out)), 0.f);
      b.setup.layer = &b.layer;
      b.setup.inputShapes = {b.in};
      b.setup.outputShapes = {b.out};
      b.setup.inputTypes = {DataType::kFLOAT};
      b.setup.outputTypes = {DataType::kFLOAT};
      b.setup.inputScales = {0.f};
      b.setup.outputScales = {0.f};
    }
    return v;
  }();
  return layers;
}

// Input of layer i: the network input or the previous layer's output.
float* inputOf(size_t i) { return i == 0 ? lenet()[0].x.data() : lenet()[i - 1].y.data(); }

RunArgs argsFor(size_t i) {
  BenchLayer& b = lenet()[i];
  RunArgs a;
  a.inputs = {{inputOf(i), b.in, DataType::kFLOAT}};
  a.outputs = {{b.y.data(), b.out, DataType::kFLOAT}};
  a.pool = &pool();
  return a;
}

double timeOnce(CpuKernel& k, const RunArgs& a, int reps) {
  k.run(a);
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) k.run(a);
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
         reps;
}

// The fastest supported candidate per layer, chosen by timing like the builder does.
std::vector<std::unique_ptr<CpuKernel>>& bestKernels(std::vector<std::string>* names = nullptr) {
  static std::vector<std::string> chosen;
  static std::vector<std::unique_ptr<CpuKernel>> kernels = [] {
    std::vector<std::unique_ptr<CpuKernel>> ks;
    for (size_t i = 0; i < lenet().size(); ++i) {
      const BenchLayer& b = lenet()[i];
      std::unique_ptr<CpuKernel> best;
      double bestUs = 1e300;
      std::string bestName;
      for (const KernelCandidate& c : cpuKernelRegistry()) {
        if (c.kind != b.layer.kind() || c.precision != DataType::kFLOAT ||
            !c.supports(b.setup, cpuFeatures()))
          continue;
        auto k = c.create(b.setup);
        double us = 1e300;
        for (int t = 0; t < 5; ++t) us = std::min(us, timeOnce(*k, argsFor(i), 3));
        if (us < bestUs) bestUs = us, best = std::move(k), bestName = c.name;
      }
      chosen.push_back(bestName);
      ks.push_back(std::move(best));
    }
    return ks;
  }();
  if (names) *names = chosen;
  return kernels;
}

void BM_Layer(benchmark::State& state, size_t layer, const KernelCandidate* c) {
  // Fill the inputs of this layer by running the chain before it once.
  for (size_t i = 0; i < layer; ++i) bestKernels()[i]->run(argsFor(i));
  auto k = c->create(lenet()[layer].setup);
  RunArgs a = argsFor(layer);
  for (auto _ : state) k->run(a);
  state.counters["us/image"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBatch,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_LeNet(benchmark::State& state) {
  auto& ks = bestKernels();
  std::vector<RunArgs> args;
  for (size_t i = 0; i < ks.size(); ++i) args.push_back(argsFor(i));
  for (auto _ : state)
    for (size_t i = 0; i < ks.size(); ++i) ks[i]->run(args[i]);
  state.counters["us/image"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBatch,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void configure(benchmark::internal::Benchmark* b, double minTime, int repetitions) {
  b->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      ->MinTime(minTime)
      ->Repetitions(repetitions)
      ->ComputeStatistics(
          "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
      ->ReportAggregatesOnly(true);
}

void registerAll() {
  for (size_t i = 0; i < lenet().size(); ++i)
    for (const KernelCandidate& c : cpuKernelRegistry()) {
      const BenchLayer& b = lenet()[i];
      if (c.kind != b.layer.kind() || c.precision != DataType::kFLOAT ||
          !c.supports(b.setup, cpuFeatures()))
        continue;
      configure(benchmark::RegisterBenchmark(
                    ("Layer/" + b.name + "/" + c.name).c_str(),
                    [i, cand = &c](benchmark::State& s) { BM_Layer(s, i, cand); }),
                0.02, 10);
    }
  std::vector<std::string> names;
  bestKernels(&names);
  std::string label;
  for (size_t i = 0; i < names.size(); ++i) label += lenet()[i].name + "=" + names[i] + " ";
  benchmark::AddCustomContext("lenet_kernels", label);
  benchmark::AddCustomContext("threads", std::to_string(pool().size()));
  configure(benchmark::RegisterBenchmark("LeNet/batch100", BM_LeNet), 0.03, 40);
}

}  // namespace
}  // namespace int8rt

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  int8rt::registerAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

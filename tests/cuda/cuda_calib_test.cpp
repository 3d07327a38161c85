// GPU calibration (issue 4 item 6): the device scan and 2048-bin |x| histogram must equal the
// CPU's exactly, bin for bin (same bin function, IEEE division, integer counts), so every
// histogram algorithm gives the CPU's amax on the same data; NaN/Inf is an error naming the
// tensor; and a calibration run on a CUDA engine writes a cache of the CPU's format.
#include <cuda_runtime_api.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda_calib_bridge.h"
#include "builder/calibrate_network.h"
#include "cuda_test_util.h"
#include "quant/calibration_cache.h"
#include "quant/calibration_collector.h"
#include "quant/histogram.h"
#include "unit/int8_test_net.h"

namespace int8rt {
namespace {

using cudacalib::DeviceBinned;
using cudacalib::DeviceTensorStatistics;
using cudacalib::RangeState;

// A host vector copied to the device, and a non-default stream (the engine's is never 0).
struct OnDevice {
  cuda::DeviceBuffer buffer;
  explicit OnDevice(const std::vector<float>& v) : buffer(v.size() * sizeof(float), "test tensor") {
    buffer.upload(v.data(), v.size() * sizeof(float));
  }
  const float* data() const { return buffer.as<float>(); }
};

struct Stream {
  cudaStream_t s = nullptr;
  Stream() { cuda::checkCuda(cudaStreamCreate(&s), "cudaStreamCreate"); }
  ~Stream() { cudaStreamDestroy(s); }
};

RangeState stateOf(const AbsHistogram& h) {
  RangeState st;
  st.range = h.range();
  st.started = h.rangeStarted();
  st.fixed = h.rangeFixed();
  return st;
}

// Adds v to `cpu` with add() and to `gpu` through the device kernels and addBinned(); expects
// the two histograms identical afterwards.
void addAndCompare(DeviceTensorStatistics& stats, AbsHistogram& cpu, AbsHistogram& gpu,
                   const std::vector<float>& v, void* stream, const std::string& what) {
  SCOPED_TRACE(what);
  OnDevice d(v);
  auto binned = std::make_unique<DeviceBinned>();
  stats.histogram(d.data(), v.size(), stream, stateOf(gpu), *binned);
  const AbsScan host = scanAbs(v.data(), v.size());
  ASSERT_EQ(binned->scan.maxAbs, host.maxAbs);
  ASSERT_EQ(binned->scan.zeros, host.zeros);
  ASSERT_TRUE(binned->scan.finite);
  cpu.add(v.data(), v.size());
  gpu.addBinned(binned->counts, v.size(), binned->scan, binned->range);
  ASSERT_EQ(cpu.range(), gpu.range());
  ASSERT_EQ(cpu.doublings(), gpu.doublings());
  ASSERT_EQ(cpu.total(), gpu.total());
  ASSERT_EQ(cpu.zeros(), gpu.zeros());
  int differing = 0;
  for (int j = 0; j < AbsHistogram::kBins; ++j) {
    if (cpu.counts()[j] != gpu.counts()[j] && differing++ < 5)
      ADD_FAILURE() << "bin " << j << ": cpu " << cpu.counts()[j] << ", gpu " << gpu.counts()[j];
  }
  ASSERT_EQ(differing, 0);
}

std::vector<float> normalBatch(std::mt19937& rng, size_t n, float sigma, double zeros) {
  std::normal_distribution<float> normal(0.f, sigma);
  std::bernoulli_distribution zero(zeros);
  std::vector<float> v(n);
  for (float& x : v) x = zero(rng) ? (rng() & 1 ? 0.f : -0.f) : normal(rng);
  return v;
}

TEST(CudaCalib, ScanEqualsScanAbs) {
  I8RT_REQUIRE_GPU();
  auto stats = cudacalib::createDeviceTensorStatistics();
  Stream stream;
  std::mt19937 rng(1);
  for (size_t n : {size_t(1), size_t(31), size_t(257), size_t(1000003)}) {
    std::vector<float> v = normalBatch(rng, n, 3.f, 0.25);
    const AbsScan want = scanAbs(v.data(), n);
    OnDevice d(v);
    const AbsScan got = stats->scan(d.data(), n, stream.s);
    EXPECT_EQ(got.maxAbs, want.maxAbs) << n;
    EXPECT_EQ(got.zeros, want.zeros) << n;
    EXPECT_TRUE(got.finite) << n;
    // Non-finite anywhere (last element: the tail of the grid-stride loop) is seen.
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
      v[n - 1] = bad;
      OnDevice b(v);
      EXPECT_FALSE(stats->scan(b.data(), n, stream.s).finite) << n;
    }
  }
}

TEST(CudaCalib, HistogramEqualsCpuBinForBinThroughRangeDoubling) {
  I8RT_REQUIRE_GPU();
  auto stats = cudacalib::createDeviceTensorStatistics();
  Stream stream;
  std::mt19937 rng(2);
  AbsHistogram cpu, gpu;
  // Growing maxima (one and several doublings per batch), then smaller batches, odd sizes.
  const float sigmas[] = {0.3f, 0.31f, 0.9f, 7.f, 1.f, 250.f, 0.001f, 251.f};
  size_t n = 50021;
  for (float sigma : sigmas) {
    addAndCompare(*stats, cpu, gpu, normalBatch(rng, n, sigma, 0.4), stream.s,
                  "sigma " + std::to_string(sigma));
    n = n * 3 / 2 + 1;
  }
  EXPECT_GE(gpu.doublings(), 8);
}

TEST(CudaCalib, ValuesOnAndNextToBinEdges) {
  I8RT_REQUIRE_GPU();
  auto stats = cudacalib::createDeviceTensorStatistics();
  Stream stream;
  // A power-of-two range (edges exact) and awkward ones (k * w rounds): every edge k * w and
  // its float neighbours, both signs, plus the max itself and zeros.
  for (float range : {16.f, 3.7f, 0.1f, 1e-30f, 123456.79f}) {
    const float w = range / 2048.f;
    std::vector<float> v{range, -0.f, 0.f};
    for (int k = 0; k <= 2048; ++k) {
      const float edge = std::fmin(static_cast<float>(k) * w, range);
      v.push_back(edge);
      v.push_back(-std::nextafter(edge, 0.f));
      v.push_back(std::fmin(std::nextafter(edge, range * 2), range));
    }
    AbsHistogram cpu, gpu;
    addAndCompare(*stats, cpu, gpu, v, stream.s, "range " + std::to_string(range));
    // A second batch of the same values through the now started histogram.
    addAndCompare(*stats, cpu, gpu, v, stream.s, "again, range " + std::to_string(range));
  }
}

TEST(CudaCalib, ZerosOnlyTinyRangesAndFixedRanges) {
  I8RT_REQUIRE_GPU();
  auto stats = cudacalib::createDeviceTensorStatistics();
  Stream stream;
  std::mt19937 rng(3);
  {
    AbsHistogram cpu, gpu;  // R stays 0, then a batch sets it
    addAndCompare(*stats, cpu, gpu, std::vector<float>(4097, 0.f), stream.s, "zeros");
    addAndCompare(*stats, cpu, gpu, normalBatch(rng, 9999, 2.f, 0.5), stream.s, "after zeros");
  }
  {
    AbsHistogram cpu, gpu;  // R / 2048 underflows to 0: non-zeros in the last bin
    const float tiny = std::numeric_limits<float>::denorm_min();
    addAndCompare(*stats, cpu, gpu, {tiny, -tiny, 0.f, tiny}, stream.s, "subnormal range");
  }
  {
    AbsHistogram cpu = AbsHistogram::withRange(1.5f), gpu = AbsHistogram::withRange(1.5f);
    addAndCompare(*stats, cpu, gpu, normalBatch(rng, 77777, 2.f, 0.1), stream.s, "fixed range");
    EXPECT_EQ(gpu.range(), 1.5f);
  }
}

TEST(CudaCalib, LargeConcentratedCounts) {
  I8RT_REQUIRE_GPU();
  auto stats = cudacalib::createDeviceTensorStatistics();
  Stream stream;
  // 48M values, almost all in one bin and many exact zeros: per-block shared counters and the
  // 64-bit merge, and a post-ReLU-like spike.
  const size_t n = size_t(48) << 20;
  std::vector<float> v(n, 0.0123f);
  for (size_t i = 0; i < n; i += 3) v[i] = 0.f;
  for (size_t i = 1; i < n; i += 1001) v[i] = static_cast<float>(i % 977) * 0.01f;
  AbsHistogram cpu, gpu;
  addAndCompare(*stats, cpu, gpu, v, stream.s, "48M values");
}

// One collector per side, the same batches of three tensors (different shapes and scales).
void compareCollectors(const CollectorOptions& base, const std::string& what) {
  SCOPED_TRACE(what);
  const std::vector<std::string> names{"data", "conv1", "prob"};
  const std::vector<Shape> shapes{{4, 3, 17, 13}, {4, 33, 9, 7}, {4, 10}};
  const float sigmas[] = {1.f, 5.f, 0.2f};
  CollectorOptions cpuOptions = base, gpuOptions = base;
  cpuOptions.onDevice = false;
  gpuOptions.onDevice = true;
  CalibrationCollector cpu(cpuOptions, names), gpu(gpuOptions, names);
  ASSERT_TRUE(gpu.observesDevice());
  ASSERT_FALSE(cpu.observesDevice());
  Stream stream;
  for (int pass = 0; pass < cpu.passes(); ++pass) {
    cpu.beginPass(pass);
    gpu.beginPass(pass);
    std::mt19937 rng(40);  // the same batches in every pass
    for (int batch = 0; batch < 5; ++batch) {
      for (size_t t = 0; t < names.size(); ++t) {
        size_t n = 1;
        for (int64_t d : shapes[t]) n *= static_cast<size_t>(d);
        // The max grows with the batch: doublings on the way.
        std::vector<float> v = normalBatch(rng, n, sigmas[t] * (1.f + batch), t == 1 ? 0.5 : 0.0);
        cpu.observe(names[t], shapes[t], v.data());
        OnDevice d(v);
        gpu.observeDevice(names[t], shapes[t], d.data(), stream.s);
      }
    }
    cpu.endPass();
    gpu.endPass();
  }
  const std::vector<float> a = cpu.amaxes(), b = gpu.amaxes();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_GT(a[i], 0.f) << names[i];
    EXPECT_EQ(a[i], b[i]) << names[i];
    EXPECT_EQ(cpu.entropyBins(names[i]), gpu.entropyBins(names[i])) << names[i];
  }
}

TEST(CudaCalib, EveryAlgorithmGivesTheCpuAmax) {
  I8RT_REQUIRE_GPU();
  const std::pair<CalibrationAlgo, const char*> algos[] = {
      {CalibrationAlgo::kENTROPY_CALIBRATION_2, "entropy2"},
      {CalibrationAlgo::kENTROPY_CALIBRATION, "entropy"},
      {CalibrationAlgo::kENTROPY_GLOBAL, "entropy-global"},
      {CalibrationAlgo::kPERCENTILE, "percentile"},
      {CalibrationAlgo::kMSE, "mse"},
      {CalibrationAlgo::kMINMAX_CALIBRATION, "minmax"},
      {CalibrationAlgo::kLEGACY_CALIBRATION, "legacy"}};
  for (const auto& [algo, name] : algos) {
    CollectorOptions o;
    o.algo = algo;
    o.percentile = 99.9;
    o.quantile = 0.9999;
    compareCollectors(o, name);
  }
}

TEST(CudaCalib, NanOrInfIsAnErrorNamingTheTensor) {
  I8RT_REQUIRE_GPU();
  Stream stream;
  for (CalibrationAlgo algo : {CalibrationAlgo::kENTROPY_CALIBRATION_2,
                               CalibrationAlgo::kMINMAX_CALIBRATION,
                               CalibrationAlgo::kLEGACY_CALIBRATION}) {
    CollectorOptions o;
    o.algo = algo;
    o.onDevice = true;
    CalibrationCollector c(o, {"conv1"});
    c.beginPass(0);
    std::vector<float> v(1000, 0.5f);
    OnDevice good(v);
    c.observeDevice("conv1", {10, 100}, good.data(), stream.s);
    v[777] = algo == CalibrationAlgo::kMINMAX_CALIBRATION ? std::numeric_limits<float>::infinity()
                                                           : std::nanf("");
    OnDevice bad(v);
    try {
      c.observeDevice("conv1", {10, 100}, bad.data(), stream.s);
      ADD_FAILURE() << "no error for " << calibrationAlgoName(algo);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'conv1'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("NaN or Inf"), std::string::npos) << e.what();
    }
  }
}

// The whole step on a CUDA engine (needs the runtime's CUDA engine and FP32 kernels for a
// conv/relu/pool/fc/softmax net). The input tensor is the same data on both sides: its scale
// must be identical. Later tensors come from GPU arithmetic (FP32 within ~1e-6 relative of the
// CPU, other summation order), so a value near a bin edge may change bin: their entropy result
// may move by one bin (docs/calibration.md).
TEST(CudaCalib, CalibrateNetworkOnTheGpuWritesTheCpuCache) {
  I8RT_REQUIRE_GPU();
  auto net = int8net::smallNet();
  auto batches = int8net::randomBatches(4, 8, 7);
  int8net::MemoryCalibrator cpuCal(batches, 8), gpuCal(batches, 8);
  CalibrateOptions options;
  options.reportBins = true;
  auto cpu = calibrateNetwork(*net, cpuCal, options);
  ASSERT_TRUE(cpu.isOk()) << cpu.status().message();
  options.device = DeviceType::kCUDA;
  auto gpu = calibrateNetwork(*net, gpuCal, options);
  ASSERT_TRUE(gpu.isOk()) << gpu.status().message();
  CalibrationTable a = parseCalibrationTable(cpu->cache, "cpu cache");
  CalibrationTable b = parseCalibrationTable(gpu->cache, "gpu cache");
  EXPECT_EQ(a.algorithm, b.algorithm);
  EXPECT_EQ(cpu->cache.substr(0, cpu->cache.find('\n')), gpu->cache.substr(0, gpu->cache.find('\n')));
  ASSERT_EQ(a.scales.size(), b.scales.size());
  ASSERT_EQ(cpu->tensors.size(), gpu->tensors.size());
  int sameScales = 0;
  for (size_t i = 0; i < a.scales.size(); ++i) {
    EXPECT_EQ(a.scales[i].first, b.scales[i].first);
    sameScales += a.scales[i].second == b.scales[i].second;
    const TensorCalibration& c = cpu->tensors[i];
    const TensorCalibration& g = gpu->tensors[i];
    if (c.name == "data") {
      EXPECT_EQ(a.scales[i].second, b.scales[i].second) << "the input: same data, same scale";
      EXPECT_EQ(c.bins, g.bins);
      continue;
    }
    if (c.bins >= 0 && g.bins >= 0) {
      EXPECT_LE(std::abs(c.bins - g.bins), 1) << c.name;
    }
    // One bin of the range, plus FP32 noise in the range itself.
    const float oneBin = c.amax / (static_cast<float>(c.bins > 0 ? c.bins : 128) + 0.5f);
    EXPECT_NEAR(g.amax, c.amax, oneBin * 1.01f + 1e-4f * c.amax) << c.name;
  }
  std::cout << "[ calib ] " << sameScales << " of " << a.scales.size()
            << " scales bit-identical to the CPU's" << (cpu->cache == gpu->cache ? " (same cache bytes)" : "")
            << "\n";
}

}  // namespace
}  // namespace int8rt

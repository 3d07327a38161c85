// cuda_bench: LeNet (models/lenet/lenet.onnx) on the GPU, FP32 / FP16 / INT8 CUDA engines,
// timed on the device. bench/run_cuda_bench.sh runs it next to PyTorch (bench/lenet_torch_cuda.py).
//
//   cuda_bench [--model FILE] [--data DIR] [--calib-cache FILE] [--iterations N] [--big-batch N]
//              [--big-iterations N]
//
// Measurements (issue 4, Targets):
// - batch 100: ms per batch, the median of --iterations enqueues of one execution context, each
//   between two CUDA events on its stream (graphs on, the engine's default; and graphs off,
//   INT8RT_CUDA_GRAPHS=0 when the context is created), and the mean of the same enqueues run
//   back to back (stream_ms/batch: what a pipeline feeding the GPU without pause sees).
// - batch --big-batch (8192): images/s from the median event-timed enqueue, the inputs rotated
//   through enough device buffers to exceed twice the L2 cache, so that every run reads its
//   input from device memory and not from the cache.
// - the device's copy bandwidth: a large cudaMemcpy device to device, bytes read + written per
//   second; the bound "FP32 input read once" = bandwidth / 3136 bytes per image (issue 4 counts
//   it so: about 1.1 M images/s on an H100), and the fraction of it each engine achieves.
// - top-1 on the 10,000 test images (batch600..699 of --data) when they are there.
// Calibration (INT8): EntropyCalibration2 on 10 batches of 50 from batch 0 of --data/batches, or
// the cache --calib-cache (read when valid, written after calibrating when --data has batches).
// Output: one line per measurement of `key=value` fields (the first word says what), then a table.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "eval/score.h"
#include "quant/cache_only_calibrator.h"

namespace int8rt::bench {
namespace {

constexpr int64_t kImageBytes = 1 * 28 * 28 * 4;  // one FP32 input image

void checkCuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) die(std::string("cuda_bench: ") + what + ": " + cudaGetErrorString(e));
}

struct Settings {
  std::string model = "models/lenet/lenet.onnx";
  std::string data = "data/int8/fashion";
  std::string calibCache;
  int iterations = 2000;
  int bigBatch = 8192;
  int bigIterations = 200;
  std::vector<std::string> precisions = {"fp32", "fp16", "int8"};
};

// "int8" or "fp16,int8": the engines to time (a kernel's tuning needs only its own).
std::vector<std::string> splitPrecisions(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string p; std::getline(in, p, ',');) {
    if (p != "fp32" && p != "fp16" && p != "int8") die("cuda_bench: --precisions takes fp32, fp16, int8; not '" + p + "'");
    out.push_back(p);
  }
  if (out.empty()) die("cuda_bench: --precisions needs at least one of fp32, fp16, int8");
  return out;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("cuda_bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") s.model = value();
    else if (a == "--data") s.data = value();
    else if (a == "--calib-cache") s.calibCache = value();
    else if (a == "--iterations") s.iterations = std::atoi(value().c_str());
    else if (a == "--big-batch") s.bigBatch = std::atoi(value().c_str());
    else if (a == "--big-iterations") s.bigIterations = std::atoi(value().c_str());
    else if (a == "--precisions") s.precisions = splitPrecisions(value());
    else die("usage: cuda_bench [--model FILE] [--data DIR] [--calib-cache FILE] [--iterations N] "
             "[--big-batch N] [--big-iterations N] [--precisions fp32,fp16,int8]");
  }
  if (s.iterations < 10 || s.bigBatch < 100 || s.bigIterations < 10)
    die("cuda_bench: --iterations >= 10, --big-batch >= 100, --big-iterations >= 10");
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// A device allocation freed on scope exit.
struct DeviceMemory {
  void* ptr = nullptr;
  explicit DeviceMemory(size_t bytes) { checkCuda(cudaMalloc(&ptr, bytes), "cudaMalloc"); }
  ~DeviceMemory() { cudaFree(ptr); }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  float* f() const { return static_cast<float*>(ptr); }
};

struct Card {
  cudaDeviceProp prop{};
  double copyBytesPerSecond = 0;  // read + written
};

// Large device-to-device copies: bytes read + written per second, the best of a few rounds.
double measureCopyBandwidth(cudaStream_t stream) {
  size_t freeBytes = 0, totalBytes = 0;
  checkCuda(cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
  const size_t bytes = std::min<size_t>(size_t(1) << 30, freeBytes / 4);
  DeviceMemory a(bytes), b(bytes);
  checkCuda(cudaMemsetAsync(a.ptr, 1, bytes, stream), "cudaMemset");
  cudaEvent_t start, stop;
  checkCuda(cudaEventCreate(&start), "cudaEventCreate");
  checkCuda(cudaEventCreate(&stop), "cudaEventCreate");
  double best = 0;
  const int copies = 10;
  for (int round = 0; round < 4; ++round) {  // round 0 warms up
    checkCuda(cudaEventRecord(start, stream), "cudaEventRecord");
    for (int i = 0; i < copies; ++i)
      checkCuda(cudaMemcpyAsync(i % 2 ? a.ptr : b.ptr, i % 2 ? b.ptr : a.ptr, bytes,
                                cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync");
    checkCuda(cudaEventRecord(stop, stream), "cudaEventRecord");
    checkCuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    checkCuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    if (round > 0) best = std::max(best, 2.0 * double(bytes) * copies / (ms / 1000.0));
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return best;
}

// The test images (batch600..699), or none when --data lacks them.
struct TestImages {
  std::vector<float> images;
  std::string dir;
  bool present() const { return !images.empty(); }
  explicit TestImages(const std::string& batches) : dir(batches) {
    if (!fileExists(batches + "/batch699")) return;
    BatchStream s(batches, 100, 100);
    s.reset(600);
    while (s.next()) images.insert(images.end(), s.getBatch(), s.getBatch() + 100 * 784);
  }
  // `count` images for an input buffer: the test images from `offset` on, wrapping; values in
  // [0, 1) from a fixed sequence when there are none (timing does not depend on the values).
  std::vector<float> fill(int64_t count, int64_t offset) const {
    std::vector<float> v(size_t(count) * 784);
    uint32_t x = 12345u + uint32_t(offset);
    for (size_t i = 0; i < v.size(); ++i) {
      if (present()) {
        v[i] = images[(size_t(offset) * 784 + i) % images.size()];
      } else {
        x = x * 1664525u + 1013904223u;
        v[i] = float(x >> 8) / float(1 << 24);
      }
    }
    return v;
  }
};

std::unique_ptr<IInt8Calibrator> makeCalibrator(const Settings& s, bool haveBatches) {
  if (haveBatches) {
    BatchStreamCalibrator::Options o;
    o.dir = s.data + "/batches";
    o.batchSize = 50;
    o.nbBatches = 10;
    o.firstBatch = 0;
    o.cachePath = s.calibCache;  // read when valid, else written after calibrating
    return std::make_unique<BatchStreamCalibrator>(o);
  }
  if (s.calibCache.empty()) {
    std::fprintf(stderr, "cuda_bench: no INT8 run: it needs calibration data (%s/batches: run "
                 "scripts/prepare_fashion.sh) or --calib-cache FILE\n", s.data.c_str());
    return nullptr;
  }
  CacheOnlyCalibrator::Options o;
  o.cachePath = s.calibCache;
  o.needDataHint = "give --data DIR with batch files to calibrate";
  return std::make_unique<CacheOnlyCalibrator>(o);
}

std::unique_ptr<Engine> buildCudaEngine(const Network& net, int64_t maxBatch, const std::string& precision,
                                        IInt8Calibrator* calibrator) {
  BuilderConfig config;
  config.device = DeviceType::kCUDA;
  config.maxBatchSize = maxBatch;
  config.fp16 = precision == "fp16";
  config.int8 = precision == "int8";
  config.calibrator = config.int8 ? calibrator : nullptr;
  auto plan = orDie(buildSerializedNetwork(net, config), precision + " build, batch " + std::to_string(maxBatch));
  return orDie(deserializeEngine(plan, "built plan"), "load");
}

struct Timing {
  double medianMs = 0;  // per enqueue, between CUDA events
  double streamMs = 0;  // per enqueue, back to back
  int calls = 0;
};

// Event-timed enqueues of `context`, input rotated through `inputs`; the first `warmup` calls
// (graph capture among them) are not counted.
Timing timeEnqueues(ExecutionContext& context, int64_t batch, const std::vector<float*>& inputs,
                    float* output, int iterations, cudaStream_t stream) {
  // Every input pointer once at least: the context captures a graph per set of bindings.
  const int warmup = std::max({10, iterations / 10, 2 * int(inputs.size())});
  std::vector<cudaEvent_t> events(size_t(iterations) + 1);
  for (auto& e : events) checkCuda(cudaEventCreate(&e), "cudaEventCreate");
  auto enqueue = [&](int i) {
    void* bindings[2] = {inputs[size_t(i) % inputs.size()], output};
    Status s = context.enqueue(batch, bindings, stream);
    if (!s.isOk()) die("enqueue: " + s.message());
  };
  for (int i = 0; i < warmup; ++i) enqueue(i);
  checkCuda(cudaStreamSynchronize(stream), "warm-up");
  // One event between consecutive enqueues: call i runs from event i to event i + 1.
  checkCuda(cudaEventRecord(events[0], stream), "cudaEventRecord");
  for (int i = 0; i < iterations; ++i) {
    enqueue(i);
    checkCuda(cudaEventRecord(events[size_t(i) + 1], stream), "cudaEventRecord");
  }
  checkCuda(cudaStreamSynchronize(stream), "timed runs");
  std::vector<double> ms(iterations);
  for (int i = 0; i < iterations; ++i) {
    float t = 0;
    checkCuda(cudaEventElapsedTime(&t, events[i], events[size_t(i) + 1]), "cudaEventElapsedTime");
    ms[i] = t;
  }
  float total = 0;
  checkCuda(cudaEventElapsedTime(&total, events.front(), events.back()), "cudaEventElapsedTime");
  for (auto& e : events) cudaEventDestroy(e);
  return {median(ms), total / iterations, iterations};
}

// A context with CUDA graphs on (the default) or off (INT8RT_CUDA_GRAPHS=0 while it is created).
std::unique_ptr<ExecutionContext> makeContext(const Engine& engine, bool graphs) {
  if (!graphs) setenv("INT8RT_CUDA_GRAPHS", "0", 1);
  auto context = engine.createExecutionContext();
  if (!graphs) unsetenv("INT8RT_CUDA_GRAPHS");
  return context;
}

double top1(const Engine& engine, const TestImages& test) {
  if (!test.present()) return -1;
  BatchStream stream(test.dir, 100, 100);
  stream.reset(600);
  auto context = engine.createExecutionContext();
  return scoreEngine(engine, *context, stream, 100).top1Rate();
}

struct Row {
  std::string precision;
  double ms100 = 0, ms100NoGraphs = 0, stream100 = 0, imagesPerSecond = 0, top1 = -1;
};

}  // namespace
}  // namespace int8rt::bench

int main(int argc, char** argv) {
  using namespace int8rt;
  using namespace int8rt::bench;
  Settings s = parse(argc, argv);
  int deviceCount = 0;
  if (cudaGetDeviceCount(&deviceCount) != cudaSuccess || deviceCount == 0)
    die("cuda_bench: no CUDA device");
  Card card;
  checkCuda(cudaGetDeviceProperties(&card.prop, 0), "cudaGetDeviceProperties");
  cudaStream_t stream;
  checkCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  card.copyBytesPerSecond = measureCopyBandwidth(stream);
  const double bound = card.copyBytesPerSecond / double(kImageBytes);
  std::printf("card name=%s\n", card.prop.name);
  std::printf("card sm=%d%d sms=%d l2_bytes=%d memory_bytes=%zu\n", card.prop.major, card.prop.minor,
              card.prop.multiProcessorCount, card.prop.l2CacheSize, card.prop.totalGlobalMem);
  std::printf("copy gbytes/s=%.1f bound_images/s=%.0f image_bytes=%lld\n",
              card.copyBytesPerSecond / 1e9, bound, (long long)kImageBytes);
  std::fflush(stdout);

  auto net = orDie(parseModel(s.model, ""), s.model);
  const TestImages test(s.data + "/batches");
  const bool haveBatches = fileExists(s.data + "/batches/batch9");
  auto calibrator = makeCalibrator(s, haveBatches);

  // Batch 100: one input buffer (the same images every call, as the sample's timing loop).
  // Batch big: enough input buffers to exceed twice the L2 cache.
  const int64_t bigBytes = int64_t(s.bigBatch) * kImageBytes;
  const int bigBuffers = int(std::max<int64_t>(2, 2 * int64_t(card.prop.l2CacheSize) / bigBytes + 1));
  // The context keeps 8 graphs (one per binding set): more buffers would recapture every call.
  if (bigBuffers > 8)
    std::fprintf(stderr, "cuda_bench: warning: %d rotation buffers of batch %d exceed the 8 graphs "
                 "a context keeps; use a larger --big-batch\n", bigBuffers, s.bigBatch);
  DeviceMemory small(100 * kImageBytes), smallOut(100 * 10 * 4);
  {
    auto v = test.fill(100, 0);
    checkCuda(cudaMemcpy(small.ptr, v.data(), v.size() * 4, cudaMemcpyHostToDevice), "upload");
  }
  std::vector<std::unique_ptr<DeviceMemory>> big;
  std::vector<float*> bigInputs;
  for (int b = 0; b < bigBuffers; ++b) {
    big.push_back(std::make_unique<DeviceMemory>(size_t(bigBytes)));
    auto v = test.fill(s.bigBatch, int64_t(b) * 977);
    checkCuda(cudaMemcpy(big.back()->ptr, v.data(), v.size() * 4, cudaMemcpyHostToDevice), "upload");
    bigInputs.push_back(big.back()->f());
  }
  DeviceMemory bigOut(size_t(s.bigBatch) * 10 * 4);
  std::printf("rotation buffers=%d bytes_each=%lld total_over_l2=%.2f\n", bigBuffers,
              (long long)bigBytes, double(bigBytes) * bigBuffers / card.prop.l2CacheSize);

  std::vector<Row> rows;
  for (const std::string& precision : s.precisions) {
    if (precision == "fp16" && !platformHasFastFp16(DeviceType::kCUDA)) continue;
    if (precision == "int8" && (!platformHasFastInt8(DeviceType::kCUDA) || !calibrator)) continue;
    Row row;
    row.precision = precision;
    auto engine = buildCudaEngine(*net, 100, precision, calibrator.get());
    row.top1 = top1(*engine, test);
    for (bool graphs : {true, false}) {
      auto context = makeContext(*engine, graphs);
      Timing t = timeEnqueues(*context, 100, {small.f()}, smallOut.f(), s.iterations, stream);
      std::printf("int8rt %s batch=100 graphs=%s ms/batch=%.5f stream_ms/batch=%.5f calls=%d top1=%.4f\n",
                  precision.c_str(), graphs ? "on" : "off", t.medianMs, t.streamMs, t.calls, row.top1);
      std::fflush(stdout);
      (graphs ? row.ms100 : row.ms100NoGraphs) = t.medianMs;
      if (graphs) row.stream100 = t.streamMs;
    }
    auto bigEngine = buildCudaEngine(*net, s.bigBatch, precision, calibrator.get());
    auto context = makeContext(*bigEngine, true);
    Timing t = timeEnqueues(*context, s.bigBatch, bigInputs, bigOut.f(), s.bigIterations, stream);
    row.imagesPerSecond = s.bigBatch / (t.medianMs / 1000.0);
    std::printf("int8rt %s batch=%d graphs=on ms/batch=%.5f stream_ms/batch=%.5f images/s=%.0f "
                "bound_fraction=%.3f buffers=%d calls=%d\n",
                precision.c_str(), s.bigBatch, t.medianMs, t.streamMs, row.imagesPerSecond,
                row.imagesPerSecond / bound, bigBuffers, t.calls);
    for (const Engine* e : {engine.get(), bigEngine.get()}) {
      std::printf("kernels %s batch=%lld:", precision.c_str(), (long long)e->maxBatchSize());
      for (const LayerInfo& l : e->layerInfo())
        std::printf(" %s=%s%s%s(%s)", l.name.c_str(), l.kernel.c_str(), l.config.empty() ? "" : "/",
                    l.config.c_str(), l.precision.c_str());
      std::printf("\n");
    }
    std::fflush(stdout);
    rows.push_back(row);
  }

  std::printf("\nLeNet on %s (sm_%d%d, %d SMs, L2 %d MB), copy %.0f GB/s, input-read bound %.2f M images/s\n",
              card.prop.name, card.prop.major, card.prop.minor, card.prop.multiProcessorCount,
              card.prop.l2CacheSize >> 20, card.copyBytesPerSecond / 1e9, bound / 1e6);
  std::printf("%-6s %14s %14s %14s %16s %8s %8s\n", "prec", "ms/b100 graph", "ms/b100 nograph",
              "stream ms/b100", ("images/s b" + std::to_string(s.bigBatch)).c_str(), "bound", "top-1");
  for (const Row& r : rows)
    std::printf("%-6s %14.5f %14.5f %14.5f %16.0f %7.1f%% %8.4f\n", r.precision.c_str(), r.ms100,
                r.ms100NoGraphs, r.stream100, r.imagesPerSecond, 100 * r.imagesPerSecond / bound, r.top1);
  cudaStreamDestroy(stream);
  return 0;
}

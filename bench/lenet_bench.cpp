// lenet_bench: inference time of int8rt's LeNet engines, FP32 and INT8 (EntropyCalibration2 on
// the sample's 500 calibration images), at batch 100 and batch 1, on the Fashion-MNIST test
// images. bench/run_lenet_bench.sh runs it next to PyTorch (bench/lenet_torch.py).
//
//   lenet_bench [--data DIR] [--threads N] [--rounds N] [--timed-batches N] [--single-images N]
//
// Timing: inference only (ExecutionContext::execute on data already in memory), one sample per
// call, the median of all calls after one warm-up pass, as lenet_torch.py does. Batch 100: the
// first --timed-batches test batches per round. Batch 1: the first --single-images test images
// per round, through an engine built for batch 1 (its own tactics, as a batch-1 deployment would
// have). Accuracy (top-1): all 10,000 test images at batch 100.
// Output: one `key=value` line per measurement, then the kernels each engine chose.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.h"
#include "data/batch_stream.h"
#include "eval/score.h"

namespace int8rt::bench {
namespace {

struct Settings {
  FashionData data;
  int threads = 2;
  int rounds = 5;
  int timedBatches = 20;
  int singleImages = 500;
};

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("lenet_bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--data") s.data.dir = value();
    else if (a == "--threads") s.threads = std::atoi(value().c_str());
    else if (a == "--rounds") s.rounds = std::atoi(value().c_str());
    else if (a == "--timed-batches") s.timedBatches = std::atoi(value().c_str());
    else if (a == "--single-images") s.singleImages = std::atoi(value().c_str());
    else die("usage: lenet_bench [--data DIR] [--threads N] [--rounds N] [--timed-batches N] "
             "[--single-images N]");
  }
  if (s.threads < 1 || s.rounds < 1 || s.timedBatches < 1 || s.timedBatches > 100 ||
      s.singleImages < 1 || s.singleImages > 10000)
    die("lenet_bench: --threads, --rounds >= 1, --timed-batches in 1..100, --single-images in 1..10000");
  return s;
}

// The 10,000 test images (batch600..batch699) in memory, so that timing reads no files.
struct TestSet {
  std::vector<float> images, labels;
  int imageSize = 0;
  explicit TestSet(const FashionData& data) {
    BatchStream s(data.batches(), 100, 100);
    s.reset(600);
    imageSize = s.getImageSize();
    while (s.next()) {
      images.insert(images.end(), s.getBatch(), s.getBatch() + 100 * imageSize);
      labels.insert(labels.end(), s.getLabels(), s.getLabels() + 100);
    }
    if (labels.size() != 10000) die(data.batches() + ": expected 10,000 test images in batch600..699");
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;  // an accuracy-only pass times nothing
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Timing {
  double msPerImage = 0;
  size_t calls = 0;
};

// Runs the first `images` test images in calls of `batch`, rounds + 1 times (the first is a
// warm-up); `correct` (when given) counts the top-1 hits of the warm-up pass.
Timing time(const Engine& engine, const TestSet& test, int batch, int images, int rounds,
            int64_t* correct = nullptr) {
  auto context = engine.createExecutionContext();
  const int classes = static_cast<int>(volume(engine.bindingShapeForBatch(1, 1)));
  std::vector<float> in(size_t(batch) * test.imageSize), out(size_t(batch) * classes);
  void* bindings[2] = {in.data(), out.data()};
  std::vector<double> ms;
  for (int round = 0; round <= rounds; ++round) {
    for (int first = 0; first + batch <= images; first += batch) {
      std::memcpy(in.data(), test.images.data() + size_t(first) * test.imageSize, in.size() * 4);
      const auto t0 = std::chrono::steady_clock::now();
      Status s = context->execute(batch, bindings);
      const auto t1 = std::chrono::steady_clock::now();
      if (!s.isOk()) die("execute: " + s.message());
      if (round > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      else if (correct)
        for (int n = 0; n < batch; ++n)
          *correct += inTopK(out.data() + n * classes, classes, int(test.labels[first + n]), 1);
    }
  }
  return {median(ms) / batch, ms.size()};
}

// Top-1 on all 10,000 test images at batch 100.
double accuracy(const Engine& engine, const TestSet& test) {
  int64_t correct = 0;
  time(engine, test, 100, 10000, 0, &correct);
  return correct / 10000.0;
}

void report(const char* precision, int batch, const Timing& t, double top1) {
  std::printf("int8rt %s batch=%d ms/image=%.6f calls=%zu top1=%.4f\n", precision, batch,
              t.msPerImage, t.calls, top1);
  std::fflush(stdout);
}

void kernels(const char* what, const Engine& engine) {
  std::printf("kernels %s:", what);
  for (const LayerInfo& l : engine.layerInfo())
    std::printf(" %s=%s(%s)", l.name.c_str(), l.kernel.c_str(), l.precision.c_str());
  std::printf("\n");
}

}  // namespace
}  // namespace int8rt::bench

int main(int argc, char** argv) {
  using namespace int8rt;
  using namespace int8rt::bench;
  Settings s = parse(argc, argv);
  // The execution contexts' thread pools size themselves from INT8RT_THREADS.
  setenv("INT8RT_THREADS", std::to_string(s.threads).c_str(), 1);
  std::unique_ptr<Network> net = s.data.network();
  TestSet test(s.data);

  auto calibrator = fashionCalibrator(s.data, CalibrationAlgo::kENTROPY_CALIBRATION_2);
  const auto fp32 = buildEngine(*net, 100, nullptr, s.threads);
  const auto int8 = buildEngine(*net, 100, calibrator.get(), s.threads);
  std::printf("int8rt calibration EntropyCalibration2 images=500 seconds=%.4f\n", calibrator->seconds());
  // Batch-1 engines calibrate again on the same data: the same scales (calibration is
  // deterministic), and each engine gets the tactics of its own batch size.
  const auto fp32one = buildEngine(*net, 1, nullptr, s.threads);
  const auto int8one = buildEngine(*net, 1, calibrator.get(), s.threads);

  const double fp32Top1 = accuracy(*fp32, test), int8Top1 = accuracy(*int8, test);
  const int timed = 100 * s.timedBatches;
  report("fp32", 100, time(*fp32, test, 100, timed, s.rounds), fp32Top1);
  report("int8", 100, time(*int8, test, 100, timed, s.rounds), int8Top1);
  report("fp32", 1, time(*fp32one, test, 1, s.singleImages, s.rounds), fp32Top1);
  report("int8", 1, time(*int8one, test, 1, s.singleImages, s.rounds), int8Top1);
  kernels("fp32 batch 100", *fp32);
  kernels("int8 batch 100", *int8);
  kernels("int8 batch 1", *int8one);
  return 0;
}

// The calibration step end to end with a stand-in forward pass: cache use and reuse, mismatch
// recalibration, two passes with and without rewind, the batch-file calibrator, and the time a
// LeNet-sized calibration takes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "quant/batch_stream_calibrator.h"
#include "quant/calibration_cache.h"
#include "quant/calibration_driver.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

// Serves in-memory batches of one input "data"; the cache lives in a string.
class MemoryCalibrator : public IInt8Calibrator {
 public:
  MemoryCalibrator(CalibrationAlgo algo, std::vector<std::vector<float>> batches, int batchSize,
                   bool canRewind)
      : algo_(algo), batches_(std::move(batches)), batchSize_(batchSize), canRewind_(canRewind) {}
  int getBatchSize() const override { return batchSize_; }
  bool getBatch(void* bindings[], const char* names[], int nbBindings) override {
    if (next_ >= batches_.size()) return false;
    EXPECT_EQ(nbBindings, 1);
    EXPECT_STREQ(names[0], "data");
    bindings[0] = batches_[next_++].data();
    ++served;
    return true;
  }
  const void* readCalibrationCache(size_t& length) override {
    length = cache.size();
    return cache.empty() ? nullptr : cache.data();
  }
  void writeCalibrationCache(const void* ptr, size_t length) override {
    cache.assign(static_cast<const char*>(ptr), length);
    ++writes;
  }
  CalibrationAlgo getAlgorithm() const override { return algo_; }
  bool rewind() override {
    if (canRewind_) next_ = 0;
    return canRewind_;
  }
  std::string cacheName() const override { return "mem.cache"; }

  std::string cache;
  int served = 0;
  int writes = 0;

 private:
  CalibrationAlgo algo_;
  std::vector<std::vector<float>> batches_;
  int batchSize_;
  bool canRewind_;
  size_t next_ = 0;
};

// "Network": data [N, 4] -> twice = 2 * data -> relu = max(0, twice).
struct Toy {
  CalibrationRun run;
  int forwards = 0;
  std::vector<std::string> log;
  CalibrationForward forward;
  Toy() {
    run.inputNames = {"data"};
    run.inputShapes = {{-1, 4}};
    run.tensors = {"data", "twice", "relu"};
    run.log = [this](const std::string& m) { log.push_back(m); };
    forward = [this](int64_t batch, const std::vector<const float*>& in, ITensorObserver& obs) {
      ++forwards;
      const size_t n = static_cast<size_t>(batch) * 4;
      std::vector<float> twice(n), relu(n);
      for (size_t i = 0; i < n; ++i) {
        twice[i] = 2.f * in[0][i];
        relu[i] = std::max(0.f, twice[i]);
      }
      obs.observe("data", {batch, 4}, in[0]);
      obs.observe("twice", {batch, 4}, twice.data());
      obs.observe("relu", {batch, 4}, relu.data());
    };
  }
  bool logged(const std::string& fragment) const {
    for (const auto& m : log)
      if (m.find(fragment) != std::string::npos) return true;
    return false;
  }
};

std::vector<std::vector<float>> toyBatches() {
  return {{0.5f, -1.f, 0.25f, 0.f, 1.f, 0.f, -0.5f, 0.75f},
          {-3.f, 0.f, 0.125f, 1.5f, 0.f, 0.f, 0.f, 2.f}};
}

TEST(CalibDriver, CalibratesWritesTheCacheThenReusesIt) {
  Toy toy;
  MemoryCalibrator cal(CalibrationAlgo::kMINMAX_CALIBRATION, toyBatches(), 2, true);
  const CalibrationOutcome first = runCalibration(cal, toy.run, toy.forward);
  EXPECT_FALSE(first.fromCache);
  EXPECT_EQ(first.batches, 2);
  EXPECT_EQ(toy.forwards, 2);
  EXPECT_EQ(first.amax, (std::vector<float>{3.f, 6.f, 4.f}));
  EXPECT_EQ(first.scales[0], 3.f / 127.f);
  const std::string expected = "TRT-" + std::to_string(cacheVersion()) +
                               "-MinMaxCalibration\ndata: " + scaleToHex(3.f / 127.f) +
                               "\ntwice: " + scaleToHex(6.f / 127.f) +
                               "\nrelu: " + scaleToHex(4.f / 127.f) + "\n";
  EXPECT_EQ(cal.cache, expected);

  const CalibrationOutcome second = runCalibration(cal, toy.run, toy.forward);
  EXPECT_TRUE(second.fromCache);
  EXPECT_EQ(toy.forwards, 2);  // no data pass
  EXPECT_EQ(second.scales, first.scales);
  EXPECT_EQ(cal.writes, 1);
}

TEST(CalibDriver, MismatchedAlgorithmRecalibratesWithAWarning) {
  Toy toy;
  MemoryCalibrator cal(CalibrationAlgo::kENTROPY_CALIBRATION_2, toyBatches(), 2, true);
  cal.cache = "TRT-8601-MinMaxCalibration\ndata: 3c000889\n";
  const CalibrationOutcome out = runCalibration(cal, toy.run, toy.forward);
  EXPECT_FALSE(out.fromCache);
  EXPECT_TRUE(toy.logged("recalibrating")) << toy.log.size();
  EXPECT_EQ(cal.cache.rfind("TRT-100-EntropyCalibration2\n", 0), 0u) << cal.cache;
}

TEST(CalibDriver, CacheWithUnknownAndMissingTensors) {
  Toy toy;
  MemoryCalibrator cal(CalibrationAlgo::kENTROPY_CALIBRATION_2, toyBatches(), 2, true);
  cal.cache = "TRT-8601-EntropyCalibration2\ndata: 3c000889\nghost: 3c010a14\nrelu: 0\n";
  const CalibrationOutcome out = runCalibration(cal, toy.run, toy.forward);
  EXPECT_TRUE(out.fromCache);
  EXPECT_EQ(toy.forwards, 0);
  EXPECT_EQ(scaleToHex(out.scales[0]), "3c000889");
  EXPECT_LT(out.scales[1], 0.f);   // missing: no scale
  EXPECT_EQ(out.scales[2], 0.f);   // a zero scale is a scale (no INT8 representation)
  EXPECT_TRUE(toy.logged("ghost"));
  EXPECT_TRUE(toy.logged("8601"));  // version warning
  EXPECT_TRUE(toy.logged("'twice'"));
}

TEST(CalibDriver, CorruptCacheIsAnErrorNamingFileAndLine) {
  Toy toy;
  MemoryCalibrator cal(CalibrationAlgo::kENTROPY_CALIBRATION_2, toyBatches(), 2, true);
  cal.cache = "TRT-8601-EntropyCalibration2\ndata: 3c000889\nrelu: nope\n";
  try {
    runCalibration(cal, toy.run, toy.forward);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mem.cache:3:"), std::string::npos) << e.what();
  }
}

TEST(CalibDriver, TwoPassAlgorithmReplaysBatchesWhenTheCalibratorCannotRewind) {
  Toy a, b;
  MemoryCalibrator rewinds(CalibrationAlgo::kENTROPY_GLOBAL, toyBatches(), 2, true);
  MemoryCalibrator once(CalibrationAlgo::kENTROPY_GLOBAL, toyBatches(), 2, false);
  const CalibrationOutcome x = runCalibration(rewinds, a.run, a.forward);
  const CalibrationOutcome y = runCalibration(once, b.run, b.forward);
  EXPECT_EQ(rewinds.served, 4);  // both passes from the calibrator
  EXPECT_EQ(once.served, 2);     // second pass from the driver's copies
  EXPECT_EQ(a.forwards, 4);
  EXPECT_EQ(b.forwards, 4);
  EXPECT_EQ(x.scales, y.scales);
  EXPECT_EQ(once.cache.rfind("TRT-100-EntropyGlobalCalibration\n", 0), 0u);
}

TEST(CalibDriver, NoBatchesIsAnError) {
  Toy toy;
  MemoryCalibrator cal(CalibrationAlgo::kENTROPY_CALIBRATION_2, {}, 2, true);
  EXPECT_THROW(runCalibration(cal, toy.run, toy.forward), Error);
}

TEST(CalibBatchStream, ServesBatchesChecksDimsAndKeepsTheCacheFile) {
  quanttest::Scratch dir;
  for (int f = 0; f < 2; ++f) {
    BatchFile file;
    file.n = 30;
    file.c = 1;
    file.h = 2;
    file.w = 2;
    for (int i = 0; i < 30 * 4; ++i) file.data.push_back(static_cast<float>(f * 1000 + i));
    writeBatchFile(dir.file("batch" + std::to_string(f)), file);
  }
  BatchStreamCalibrator::Options o;
  o.dir = dir.path();
  o.batchSize = 20;
  o.nbBatches = 2;
  o.firstBatch = 1;  // images 20..59: straddles the two files
  o.cachePath = dir.file("CalibrationTabletoy");
  BatchStreamCalibrator cal(o);
  EXPECT_TRUE(cal.checkInputs({"data"}, {{20, 1, 2, 2}}).isOk());
  EXPECT_TRUE(cal.checkInputs({"data"}, {{20, 4}}).isOk());  // same volume, flattened
  const Status wrong = cal.checkInputs({"data"}, {{20, 1, 28, 28}});
  ASSERT_FALSE(wrong.isOk());
  EXPECT_NE(wrong.message().find("1x2x2 (4 floats per image)"), std::string::npos)
      << wrong.message();
  EXPECT_NE(wrong.message().find("1x28x28 (784 floats per sample)"), std::string::npos)
      << wrong.message();
  EXPECT_FALSE(cal.checkInputs({"a", "b"}, {{20, 4}, {20, 4}}).isOk());
  EXPECT_FALSE(cal.checkInputVolume(784).isOk());
  EXPECT_TRUE(cal.checkInputVolume(4).isOk());

  void* bindings[1] = {nullptr};
  const char* names[1] = {"data"};
  ASSERT_TRUE(cal.getBatch(bindings, names, 1));
  EXPECT_EQ(static_cast<float*>(bindings[0])[0], 80.f);  // image 20 of file 0
  ASSERT_TRUE(cal.getBatch(bindings, names, 1));
  EXPECT_EQ(static_cast<float*>(bindings[0])[0], 1040.f);  // image 40 = image 10 of file 1
  EXPECT_FALSE(cal.getBatch(bindings, names, 1));
  EXPECT_TRUE(cal.rewind());
  EXPECT_TRUE(cal.getBatch(bindings, names, 1));

  size_t length = 99;
  EXPECT_EQ(cal.readCalibrationCache(length), nullptr);
  EXPECT_EQ(length, 0u);
  const std::string text = "TRT-100-EntropyCalibration2\ndata: 3c000889\n";
  cal.writeCalibrationCache(text.data(), text.size());
  EXPECT_EQ(readFileText(o.cachePath), text);
  const void* back = cal.readCalibrationCache(length);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(std::string(static_cast<const char*>(back), length), text);
  EXPECT_EQ(cal.cacheName(), o.cachePath);

  BatchStreamCalibrator positional(dir.path(), 25, 0, 0, CalibrationAlgo::kMINMAX_CALIBRATION, "");
  EXPECT_EQ(positional.getBatchSize(), 25);
  EXPECT_EQ(positional.getAlgorithm(), CalibrationAlgo::kMINMAX_CALIBRATION);
  int served = 0;
  while (positional.getBatch(bindings, names, 1)) ++served;
  EXPECT_EQ(served, 2);  // 60 images, nbBatches 0: until the files run out (no partial batch)

  o.dir = dir.file("missing");
  EXPECT_FALSE(BatchStreamCalibrator::create(o).isOk());
}

TEST(CalibDriver, LeNetSizedCalibrationTakesUnderASecond) {
  // 500 images in 10 batches of 50 through LeNet's tensor shapes, EntropyCalibration2: the
  // histograms and the KL search are what is timed (the stand-in forward pass only hands over
  // precomputed activations).
  struct T {
    std::string name;
    int64_t perImage;
    bool relu;
  };
  const std::vector<T> tensors = {{"data", 784, true},      {"conv1", 20 * 24 * 24, false},
                                  {"pool1", 20 * 12 * 12, false}, {"conv2", 50 * 8 * 8, false},
                                  {"pool2", 50 * 4 * 4, false},   {"ip1", 500, false},
                                  {"relu1", 500, true},           {"ip2", 10, false},
                                  {"prob", 10, true}};
  const int batch = 50;
  std::mt19937 rng(8);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<std::vector<float>> acts;
  for (const T& t : tensors) {
    std::vector<float> v(static_cast<size_t>(t.perImage) * batch);
    for (float& x : v) x = t.relu ? std::max(0.f, dist(rng)) : dist(rng) * 3.f;
    acts.push_back(std::move(v));
  }
  CalibrationRun run;
  run.inputNames = {"data"};
  run.inputShapes = {{-1, 1, 28, 28}};
  for (const T& t : tensors) run.tensors.push_back(t.name);
  int calls = 0;
  CalibrationForward forward = [&](int64_t n, const std::vector<const float*>&,
                                   ITensorObserver& obs) {
    ++calls;
    for (size_t i = 0; i < tensors.size(); ++i)
      obs.observe(tensors[i].name, {n, tensors[i].perImage}, acts[i].data());
  };
  std::vector<std::vector<float>> batches(10, std::vector<float>(784 * batch, 0.5f));
  for (CalibrationAlgo algo :
       {CalibrationAlgo::kENTROPY_CALIBRATION_2, CalibrationAlgo::kMINMAX_CALIBRATION,
        CalibrationAlgo::kLEGACY_CALIBRATION, CalibrationAlgo::kPERCENTILE, CalibrationAlgo::kMSE,
        CalibrationAlgo::kENTROPY_GLOBAL}) {
    MemoryCalibrator cal(algo, batches, batch, true);
    calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const CalibrationOutcome out = runCalibration(cal, run, forward);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ calibration ] LeNet shapes, 500 images, %s: %.3f s\n",
                calibrationAlgoName(algo), s);
    EXPECT_EQ(calls, 10 * calibrationPasses(algo));
    for (float scale : out.scales) EXPECT_GT(scale, 0.f);
    if (algo == CalibrationAlgo::kENTROPY_CALIBRATION_2) {
      EXPECT_LT(s, 1.0);
    }
  }
}

}  // namespace
}  // namespace int8rt

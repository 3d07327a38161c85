// Shared by calibration_table and lenet_bench: the LeNet of data/int8/fashion/ (made by
// scripts/prepare_fashion.sh), engines built through the public API, and a calibrator wrapper
// that measures how long the builder's calibration step takes.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "quant/batch_stream_calibrator.h"

namespace int8rt::bench {

[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

template <class T>
T orDie(Result<T> r, const std::string& what) {
  if (!r) die(what + ": " + r.status().message());
  return std::move(r.value());
}

// data/int8/fashion/: deploy.prototxt + fashion.caffemodel, batches/ (0..599 train, 600..699 test).
struct FashionData {
  std::string dir = "data/int8/fashion";
  std::string batches() const { return dir + "/batches"; }
  std::unique_ptr<Network> network() const {
    auto net = orDie(parseCaffe(dir + "/deploy.prototxt", dir + "/fashion.caffemodel"), dir);
    net->name = "fashion";
    return net;
  }
};

// Forwards to a calibrator and times the builder's calibration step: from its first question
// (readCalibrationCache) to the cache it hands back (writeCalibrationCache). That covers the
// FP32 passes over the batches and the algorithm, not tactic timing or weight packing.
class TimedCalibrator : public IInt8Calibrator {
 public:
  explicit TimedCalibrator(std::unique_ptr<IInt8Calibrator> inner) : inner_(std::move(inner)) {}
  int getBatchSize() const override { return inner_->getBatchSize(); }
  bool getBatch(void* b[], const char* n[], int k) override { return inner_->getBatch(b, n, k); }
  const void* readCalibrationCache(size_t& length) override {
    start_ = Clock::now();
    return inner_->readCalibrationCache(length);
  }
  void writeCalibrationCache(const void* p, size_t length) override {
    seconds_ = std::chrono::duration<double>(Clock::now() - start_).count();
    inner_->writeCalibrationCache(p, length);
  }
  CalibrationAlgo getAlgorithm() const override { return inner_->getAlgorithm(); }
  double getQuantile() const override { return inner_->getQuantile(); }
  double getRegressionCutoff() const override { return inner_->getRegressionCutoff(); }
  double getPercentile() const override { return inner_->getPercentile(); }
  bool rewind() override { return inner_->rewind(); }
  Status checkInputs(const std::vector<std::string>& names, const std::vector<Shape>& shapes) override {
    return inner_->checkInputs(names, shapes);
  }
  std::string cacheName() const override { return inner_->cacheName(); }
  double seconds() const { return seconds_; }  // < 0 until a calibration wrote its cache

 private:
  using Clock = std::chrono::steady_clock;
  std::unique_ptr<IInt8Calibrator> inner_;
  Clock::time_point start_;
  double seconds_ = -1;
};

// The sample's calibration data: batches of 50, 10 of them from batch 0 (images 0..499 of the
// training set), always calibrating (no cache is read or written to disk).
inline std::unique_ptr<TimedCalibrator> fashionCalibrator(const FashionData& data, CalibrationAlgo algo) {
  BatchStreamCalibrator::Options o;
  o.dir = data.batches();
  o.batchSize = 50;
  o.nbBatches = 10;
  o.firstBatch = 0;
  o.algo = algo;
  o.readCache = false;
  return std::make_unique<TimedCalibrator>(std::make_unique<BatchStreamCalibrator>(o));
}

// Builds and loads an engine; calibrator null = FP32.
inline std::unique_ptr<Engine> buildEngine(const Network& net, int64_t maxBatch,
                                           IInt8Calibrator* calibrator, int threads) {
  BuilderConfig config;
  config.maxBatchSize = maxBatch;
  config.int8 = calibrator != nullptr;
  config.calibrator = calibrator;
  config.threads = threads;
  auto plan = orDie(buildSerializedNetwork(net, config), "build");
  return orDie(deserializeEngine(plan, "built plan"), "load");
}

}  // namespace int8rt::bench

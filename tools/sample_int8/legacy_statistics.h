// The statistics of TensorRT's legacy calibrator, collected once: every |x| of every tensor over
// the calibration batches. The legacy amax of any (cutoff, quantile) is a pure function of them
// (quant/algorithms.h: legacyAmax), so `search` runs the network over the calibration data once
// and then only recomputes caches, instead of recalibrating at every grid point.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/network.h"
#include "quant/algorithms.h"

namespace int8rt::sample {

class LegacyStatistics {
 public:
  // Runs nbBatches batches of batchSize images from batch firstBatch of `batchDir` through the
  // FP32 network the way the builder calibrates (unoptimized, so every tensor of the original
  // network is seen, in the cache's order). Throws Error on a mismatch of data and network.
  LegacyStatistics(const Network& network, const std::string& batchDir, int batchSize,
                   int nbBatches, int firstBatch);

  // The cache text the legacy calibrator writes for these parameters (header `0`, cutoff and
  // quantile, then one scale per observed tensor): byte for byte what a calibration with a
  // BatchStreamCalibrator over the same batches writes.
  std::string cacheFor(double cutoff, double quantile) const;

  int batches() const { return batches_; }
  double seconds() const { return seconds_; }  // running the batches and sorting the values

 private:
  std::vector<std::pair<std::string, std::unique_ptr<AbsValueSet>>> tensors_;  // cache order
  int batches_ = 0;
  double seconds_ = 0;
};

// A legacy calibrator that serves a ready cache and no batches: every search point's build
// takes its scales from the cache (the builder checks that the header's cutoff and quantile
// are this calibrator's) and never runs the calibration data again.
class PrecomputedLegacyCalibrator : public IInt8LegacyCalibrator {
 public:
  PrecomputedLegacyCalibrator(std::string cache, int batchSize, double cutoff, double quantile)
      : cache_(std::move(cache)), batchSize_(batchSize), cutoff_(cutoff), quantile_(quantile) {}
  int getBatchSize() const override { return batchSize_; }
  bool getBatch(void*[], const char*[], int) override { return false; }
  const void* readCalibrationCache(size_t& length) override {
    length = cache_.size();
    return cache_.data();
  }
  void writeCalibrationCache(const void*, size_t) override {}
  double getQuantile() const override { return quantile_; }
  double getRegressionCutoff() const override { return cutoff_; }
  std::string cacheName() const override { return "search cache"; }

 private:
  std::string cache_;
  int batchSize_;
  double cutoff_, quantile_;
};

}  // namespace int8rt::sample

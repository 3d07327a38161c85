// A calibrator that has a calibration cache and no calibration data: what a build given only a
// cache file needs. It serves no batches, so it must be able to use its cache: a cache file that
// is missing, malformed, or made for another algorithm (or other parameters) is an error when
// the builder reads it, where a calibrator with data would recalibrate.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "int8rt/calibrator.h"

namespace int8rt {

class CacheOnlyCalibrator : public IInt8Calibrator {
 public:
  struct Options {
    std::string cachePath;
    CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
    double quantile = 0.999999;  // legacy: must match the cache's parameters
    double cutoff = 1.0;
    double percentile = 99.99;   // percentile: part of the cache's algorithm name
    // Appended to the errors that only calibration data would avoid, e.g. the option to pass.
    std::string needDataHint = "calibration data is needed";
  };
  explicit CacheOnlyCalibrator(Options options) : options_(std::move(options)) {}

  int getBatchSize() const override { return 1; }  // never asked for a batch
  bool getBatch(void* bindings[], const char* names[], int nbBindings) override { return false; }
  // Throws Error "<path>: <reason>; <hint>" when the file is missing or unusable for this
  // calibrator's algorithm, and "<path>:<line>: <reason>" when it is malformed.
  const void* readCalibrationCache(size_t& length) override;
  // The builder writes back only what it calibrated, which this calibrator never does.
  void writeCalibrationCache(const void* ptr, size_t length) override {}
  CalibrationAlgo getAlgorithm() const override { return options_.algo; }
  double getQuantile() const override { return options_.quantile; }
  double getRegressionCutoff() const override { return options_.cutoff; }
  double getPercentile() const override { return options_.percentile; }
  // Reached only if the cache could not be used after all: refuse to calibrate without data.
  Status checkInputs(const std::vector<std::string>& names,
                     const std::vector<Shape>& shapes) override;
  std::string cacheName() const override { return options_.cachePath; }

 private:
  Options options_;
  std::vector<uint8_t> cache_;
};

}  // namespace int8rt

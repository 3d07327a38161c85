// The INT8 calibrator interface: the builder pulls calibration batches from it, runs them through
// the FP32 network and turns what every tensor held into a scale. Shaped like TensorRT's
// IInt8Calibrator family so that a TensorRT calibrator ports with renames only (nvinfer1:: →
// int8rt::, device pointers → host pointers). The cache text itself is CONTRACTS.md §4.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

// TensorRT's CalibrationAlgoType values first (same order), then int8rt's own, which no
// TensorRT version reads: kPERCENTILE, kMSE and kENTROPY_GLOBAL write caches under their own
// algorithm names.
enum class CalibrationAlgo : int {
  kLEGACY_CALIBRATION = 0,    // quantile of |x| over all data, optional regression (cutoff < 1)
  kENTROPY_CALIBRATION = 1,   // KL search on the tensors left after fusion, no scale sharing
  kENTROPY_CALIBRATION_2 = 2, // KL search, every tensor, scale sharing (TensorRT's default)
  kMINMAX_CALIBRATION = 3,    // exact max|x|
  kPERCENTILE = 4,            // int8rt: percentile of |x| (getPercentile(), default 99.99)
  kMSE = 5,                   // int8rt: threshold minimising the expected int8 quantization MSE
  kENTROPY_GLOBAL = 6,        // int8rt: KL search on one histogram over [0, global max] (2 passes)
};

// Command-line names: entropy2, entropy, minmax, legacy, percentile, mse, entropy-global.
const char* calibrationAlgoName(CalibrationAlgo algo);
// The algorithm part of a cache header: EntropyCalibration2, EntropyCalibration,
// MinMaxCalibration, LegacyCalibration, PercentileCalibration, MSECalibration,
// EntropyGlobalCalibration.
const char* calibrationAlgoCacheName(CalibrationAlgo algo);
// Parses a command-line name (case-sensitive); the error lists the valid names.
Result<CalibrationAlgo> parseCalibrationAlgo(const std::string& name);
// The number of times the builder must run the calibration data through the network: 2 for
// kENTROPY_GLOBAL (global max first, then the histogram), 1 otherwise.
int calibrationPasses(CalibrationAlgo algo);

class IInt8Calibrator {
 public:
  virtual ~IInt8Calibrator() = default;

  // Samples per batch returned by getBatch (> 0).
  virtual int getBatchSize() const = 0;

  // Fetches the next batch: for each i < nbBindings, sets bindings[i] to FP32 host memory holding
  // getBatchSize() samples of the network input names[i] (batch-major, the input's dims), valid
  // until the next call. Returns false when there are no more batches. (TensorRT hands device
  // pointers here; int8rt's FP32 calibration pass reads host memory whatever the device.)
  virtual bool getBatch(void* bindings[], const char* names[], int nbBindings) = 0;

  // A previously written cache, or nullptr (length 0) to calibrate. The memory stays owned by
  // the calibrator and must stay valid until the build ends.
  virtual const void* readCalibrationCache(size_t& length) = 0;
  // Receives the cache text after a calibration; store it where readCalibrationCache finds it.
  virtual void writeCalibrationCache(const void* ptr, size_t length) = 0;

  virtual CalibrationAlgo getAlgorithm() const = 0;

  // Legacy calibration parameters (used only by kLEGACY_CALIBRATION). The quantile in (0, 1] of
  // |x| over all calibration data; TensorRT's sample uses 1 - 10^-index.
  virtual double getQuantile() const { return 0.999999; }
  // In [0, 1]: 1 takes the quantile as it is; below 1, int8rt fits the tail of |x| above
  // cutoff * max (see src/quant/legacy.cpp: int8rt's own method, not TensorRT's).
  virtual double getRegressionCutoff() const { return 1.0; }
  // kPERCENTILE only: the percentile in (0, 100] of |x|.
  virtual double getPercentile() const { return 99.99; }

  // ---- int8rt extensions (defaults keep TensorRT calibrators working unchanged) ----

  // Restarts from the first calibration batch; true when done. The builder calls it before each
  // pass over the data (so also before the first); when it returns false and the algorithm
  // needs two passes, the builder keeps its own copy of the batches of the first pass.
  virtual bool rewind() { return false; }
  // Called once before the first getBatch with the network inputs (full shapes, dim 0 = batch;
  // -1 where dynamic). An error stops the build with its message, e.g. when the calibration data
  // does not have the network's input dims.
  virtual Status checkInputs(const std::vector<std::string>& names,
                             const std::vector<Shape>& shapes) {
    return Status::ok();
  }
  // What error messages call the cache (a file name when there is one).
  virtual std::string cacheName() const { return "calibration cache"; }
};

// Convenience bases fixing the algorithm, as in TensorRT.
class IInt8EntropyCalibrator2 : public IInt8Calibrator {
 public:
  CalibrationAlgo getAlgorithm() const override { return CalibrationAlgo::kENTROPY_CALIBRATION_2; }
};
class IInt8EntropyCalibrator : public IInt8Calibrator {
 public:
  CalibrationAlgo getAlgorithm() const override { return CalibrationAlgo::kENTROPY_CALIBRATION; }
};
class IInt8MinMaxCalibrator : public IInt8Calibrator {
 public:
  CalibrationAlgo getAlgorithm() const override { return CalibrationAlgo::kMINMAX_CALIBRATION; }
};
class IInt8LegacyCalibrator : public IInt8Calibrator {
 public:
  CalibrationAlgo getAlgorithm() const override { return CalibrationAlgo::kLEGACY_CALIBRATION; }
  double getQuantile() const override = 0;
  double getRegressionCutoff() const override = 0;
  // TensorRT's legacy calibrator also exchanged a histogram cache; int8rt accepts these
  // overrides so that such code compiles, but does not call them yet.
  virtual const void* readHistogramCache(size_t& length) {
    length = 0;
    return nullptr;
  }
  virtual void writeHistogramCache(const void* ptr, size_t length) {}
};

}  // namespace int8rt

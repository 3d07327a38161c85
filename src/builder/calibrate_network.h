// Calibration on its own: the scales an INT8 build of a network would use, from the
// calibrator's cache or a calibration run, with the numbers a user wants to see (amax, scale,
// entropy bins kept) and the cache text. The builder's INT8 step goes through the same code
// (int8_scales.cpp), so a cache `int8rt calibrate` writes is the one a build would write.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

struct TensorCalibration {
  std::string name;
  float amax = 0.f;   // after the algorithm's scale sharing
  float scale = 0.f;  // amax / 127
  int bins = -1;      // entropy algorithms with CalibrateOptions::reportBins: bins kept (m)
};

struct CalibrationReport {
  CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
  std::vector<TensorCalibration> tensors;  // every tensor with a scale, topological order
  bool fromCache = false;
  int batches = 0;    // per pass; 0 when read from the cache
  int batchSize = 0;
  double seconds = 0;
  std::string cache;  // the cache text handed to the calibrator; empty when read from it
};

struct CalibrateOptions {
  int threads = 0;                                // for the FP32 calibration engine
  std::function<void(const std::string&)> log;    // warnings and progress lines
  std::function<void(int batchesDone)> progress;  // after every calibration batch
  bool reportBins = false;                        // fill TensorCalibration::bins
  // Where the FP32 calibration engine runs. kCUDA: a CUDA engine, its tensors' statistics made
  // on the GPU (docs/calibration.md, "Calibration on the GPU"); same scales, same cache.
  DeviceType device = DeviceType::kCPU;
};

// `network` as given to the builder. Errors as the builder's INT8 step reports them (malformed
// cache naming file and line, calibration data the network cannot take, NaN activations).
Result<CalibrationReport> calibrateNetwork(const Network& network, IInt8Calibrator& calibrator,
                                           const CalibrateOptions& options);

// The same, throwing Error, on a network already in canonical order (what the builder holds).
CalibrationReport calibrateCanonical(const Network& canonical, IInt8Calibrator& calibrator,
                                     const CalibrateOptions& options);

}  // namespace int8rt

// The calibration step of an INT8 build, start to finish, for the builder to call: use the
// calibrator's cache when it is valid for the calibrator's algorithm, else pull every batch
// through the FP32 network (twice for kENTROPY_GLOBAL), compute each tensor's scale, and hand
// the new cache back to the calibrator. The FP32 forward pass is the builder's, passed in.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/runtime.h"

namespace int8rt {

struct CalibrationRun {
  std::vector<std::string> inputNames;  // network inputs, in binding order
  std::vector<Shape> inputShapes;       // their declared shapes (dim 0 = batch, -1 if dynamic)
  std::vector<std::string> tensors;     // tensors to calibrate, in cache (topological) order
  std::function<void(const std::string&)> log;  // warnings and progress; null = silent
  // Applied to the computed amax (in `tensors` order, negative = none) before the scales and the
  // cache are made: the builder passes EntropyCalibration2's scale sharing, so that the cache
  // holds the scales the engine uses (as TensorRT's caches do: a max-pool output repeats its
  // input's scale). Null leaves them as computed.
  std::function<std::vector<float>(const std::vector<float>&)> adjust;
  // Called after each batch's forward pass with the number of batches done so far, all passes
  // counted (a progress bar; kENTROPY_GLOBAL runs each batch twice). Null = silent.
  std::function<void(int done)> progress;
  // Fill CalibrationOutcome::bins (an extra KL search per tensor: for reports, not builds).
  bool reportBins = false;
  // The forward pass is a CUDA engine's: the collector observes its tensors in device memory
  // (CollectorOptions::onDevice). The scales and the cache are the same as on the host.
  bool onDevice = false;
};

// Runs `batch` samples through the FP32 network: inputs[i] holds input i (run.inputNames order),
// and every tensor of the run must be shown to `observer` (ExecutionContext::setObserver).
using CalibrationForward = std::function<void(int64_t batch, const std::vector<const float*>& inputs,
                                              ITensorObserver& observer)>;

struct CalibrationOutcome {
  std::vector<float> scales;  // per run.tensors; negative = no scale (missing from the cache,
                              // or never produced by the forward pass)
  std::vector<float> amax;    // the same as amax (scale * 127 for cache scales)
  // With run.reportBins, the bins kept (m) of each tensor's entropy search; -1 for other
  // algorithms, cache scales, and tensors whose amax `adjust` replaced (a shared scale).
  std::vector<int> bins;
  std::string cache;          // the cache text handed to the calibrator (empty from the cache)
  bool fromCache = false;
  int batches = 0;            // batches per pass (0 from the cache)
  double seconds = 0.0;       // wall time of the whole step
};

// Throws Error with a message naming the cache file and line, the tensor or the input at fault:
// a malformed cache, inputs the calibrator refuses, no batches, NaN/Inf activations. A cache
// made for another algorithm (or other legacy parameters) is not an error: it is logged as a
// warning and calibration runs. Unknown names in a cache are ignored with a warning; failing
// to write the new cache is a warning too.
CalibrationOutcome runCalibration(IInt8Calibrator& calibrator, const CalibrationRun& run,
                                  const CalibrationForward& forward);

}  // namespace int8rt

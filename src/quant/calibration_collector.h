// Sees every tensor of the FP32 calibration runs and keeps, per tensor to calibrate, what the
// algorithm needs; then computes each tensor's amax. One object per calibration.
//
// Use: for (p = 0; p < passes(); ++p) { beginPass(p); run every batch with this observer;
// endPass(); } then amaxes(). Only kENTROPY_GLOBAL has two passes: global max, then one
// histogram over [0, max] (batch-order independent; not TensorRT-compatible).
// Not thread-safe: the runtime must call observe() from one thread at a time.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/runtime.h"

namespace int8rt {

struct CollectorOptions {
  CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
  double percentile = 99.99;   // kPERCENTILE
  double quantile = 0.999999;  // kLEGACY_CALIBRATION
  double cutoff = 1.0;         // kLEGACY_CALIBRATION
  // Observe a CUDA engine's tensors in device memory (observesDevice()): the scan and the
  // histogram run on the GPU and only their results come back (backends/cuda_calib_bridge.h);
  // the result equals the host path's bin for bin. Legacy, which keeps every value, copies the
  // tensor to the host instead.
  bool onDevice = false;
};

class CalibrationCollector : public ITensorObserver {
 public:
  // tensors: the names to calibrate (others seen by observe() are ignored). Throws Error on
  // duplicate names or out-of-range parameters.
  CalibrationCollector(const CollectorOptions& options, std::vector<std::string> tensors);
  ~CalibrationCollector() override;

  int passes() const;
  void beginPass(int pass);
  // Throws Error naming the tensor when its data holds NaN or Inf.
  void observe(const std::string& tensorName, const Shape& shape, const float* data) override;
  bool observesDevice() const override { return options_.onDevice; }
  // The same as observe() for a tensor in device memory produced on `stream` (cudaStream_t).
  void observeDevice(const std::string& tensorName, const Shape& shape, const float* deviceData,
                     void* stream) override;
  void endPass();

  // One amax per constructor tensor, in that order; -1 for a tensor never observed (no scale).
  // Call after the last endPass().
  std::vector<float> amaxes() const;
  // Diagnostics for tests and `calibrate --verbose`: the bins kept (m) of an entropy result,
  // -1 for other algorithms or unseen tensors.
  int entropyBins(const std::string& tensor) const;
  const std::vector<std::string>& tensors() const { return names_; }

 private:
  struct Stats;
  struct Device;
  Stats* statsFor(const std::string& tensorName);
  CollectorOptions options_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::unique_ptr<Stats>> stats_;
  int pass_ = -1;
  std::unique_ptr<Device> device_;  // created at the first observeDevice()
};

}  // namespace int8rt

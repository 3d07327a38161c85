// What calibration (src/quant/) may ask of the GPU: the statistics of one FP32 tensor in device
// memory, computed where the data is, so that only 2048 counts and a few numbers cross the bus.
// The CUDA build implements it in src/backends/cuda/calib/, a build without CUDA in
// src/backends/no_cuda/ (create() throws "this build has no CUDA backend").
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "quant/histogram.h"

namespace int8rt::cudacalib {

// The state of an AbsHistogram before a batch: the device applies absHistogramRangeFor() to it
// and the batch's max, exactly as the host will afterwards (AbsHistogram::addBinned checks it).
struct RangeState {
  float range = 0.f;
  bool started = false;
  bool fixed = false;
};

// One tensor batch's histogram as the device made it.
struct DeviceBinned {
  AbsScan scan;        // max |x|, exact zeros, finite (bit for bit scanAbs())
  float range = 0.f;   // the range the values were binned with (valid when scan.finite)
  uint64_t counts[kAbsHistogramBins] = {};  // exact zeros in bin 0; all 0 unless scan.finite
};

// Device scratch for one calibration (a few KiB of device and pinned memory, reused tensor after
// tensor). Every call enqueues on `stream` (a cudaStream_t, null = default) after the work that
// produced the data, waits for its own results and returns them: the data may be reused by the
// engine as soon as the call returns. Not thread-safe. Throws int8rt::Error on CUDA errors.
class DeviceTensorStatistics {
 public:
  virtual ~DeviceTensorStatistics() = default;
  // max |x|, exact-zero count and the finite flag of n floats (MinMax needs no more).
  virtual AbsScan scan(const float* deviceData, size_t n, void* stream) = 0;
  // The scan, then (when finite) the 2048-bin |x| histogram at the range absHistogramRangeFor()
  // gives for `state` and the batch max: one round trip.
  virtual void histogram(const float* deviceData, size_t n, void* stream, const RangeState& state,
                         DeviceBinned& out) = 0;
  // Copies n floats to host memory (algorithms that need every value: legacy).
  virtual void download(const float* deviceData, size_t n, void* stream, float* host) = 0;
};

// Throws int8rt::Error when this build has no CUDA backend.
std::unique_ptr<DeviceTensorStatistics> createDeviceTensorStatistics();

}  // namespace int8rt::cudacalib

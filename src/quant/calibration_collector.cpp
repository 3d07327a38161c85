// Per-tensor statistics for each calibration algorithm, and the amax they give.
#include "quant/calibration_collector.h"

#include <algorithm>
#include <optional>

#include "backends/cuda_calib_bridge.h"
#include "core/error.h"
#include "quant/algorithms.h"
#include "quant/histogram.h"

namespace int8rt {

struct CalibrationCollector::Stats {
  bool seen = false;
  float maxAbs = 0.f;                   // exact, all passes of kMINMAX / pass 0 of global
  std::optional<AbsHistogram> hist;     // histogram algorithms
  std::optional<AbsValueSet> values;    // legacy
};

// The GPU side of a device-observing collector: the bridge's scratch and one result buffer
// (16 KiB of counts: kept, not on the stack).
struct CalibrationCollector::Device {
  std::unique_ptr<cudacalib::DeviceTensorStatistics> statistics =
      cudacalib::createDeviceTensorStatistics();
  cudacalib::DeviceBinned binned;
  std::vector<float> hostCopy;  // legacy's copy of a tensor
};

namespace {

bool usesHistogram(CalibrationAlgo a) {
  return a == CalibrationAlgo::kENTROPY_CALIBRATION_2 ||
         a == CalibrationAlgo::kENTROPY_CALIBRATION || a == CalibrationAlgo::kPERCENTILE ||
         a == CalibrationAlgo::kMSE;
}

int64_t elementCount(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    check(d >= 0, "calibration: tensor shape with a negative dim");
    n *= d;
  }
  return n;
}

}  // namespace

CalibrationCollector::CalibrationCollector(const CollectorOptions& options,
                                           std::vector<std::string> tensors)
    : options_(options), names_(std::move(tensors)) {
  if (options_.algo == CalibrationAlgo::kPERCENTILE)
    check(options_.percentile > 0.0 && options_.percentile <= 100.0,
          "percentile must be in (0, 100], got ", options_.percentile);
  if (options_.algo == CalibrationAlgo::kLEGACY_CALIBRATION) {
    check(options_.quantile > 0.0 && options_.quantile <= 1.0,
          "legacy quantile must be in (0, 1], got ", options_.quantile);
    check(options_.cutoff >= 0.0 && options_.cutoff <= 1.0,
          "legacy regression cutoff must be in [0, 1], got ", options_.cutoff);
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    check(index_.emplace(names_[i], i).second, "calibration: tensor '", names_[i],
          "' listed twice");
    stats_.push_back(std::make_unique<Stats>());
  }
}

CalibrationCollector::~CalibrationCollector() = default;

CalibrationCollector::Stats* CalibrationCollector::statsFor(const std::string& tensorName) {
  auto it = index_.find(tensorName);
  if (it == index_.end()) return nullptr;
  check(pass_ >= 0, "calibration: observe() before beginPass()");
  return stats_[it->second].get();
}

int CalibrationCollector::passes() const { return calibrationPasses(options_.algo); }

void CalibrationCollector::beginPass(int pass) {
  check(pass == pass_ + 1 && pass < passes(), "calibration: pass ", pass, " out of order");
  pass_ = pass;
  if (options_.algo == CalibrationAlgo::kENTROPY_GLOBAL && pass == 1) {
    // Second pass: one histogram per tensor over [0, the global max of pass 0].
    for (auto& s : stats_)
      if (s->seen) s->hist = AbsHistogram::withRange(s->maxAbs);
  }
}

void CalibrationCollector::observe(const std::string& tensorName, const Shape& shape,
                                   const float* data) {
  Stats* found = statsFor(tensorName);
  if (!found) return;
  Stats& s = *found;
  const size_t n = static_cast<size_t>(elementCount(shape));
  const AbsScan scan = scanAbs(data, n);
  check(scan.finite, "calibration: tensor '", tensorName,
        "' holds NaN or Inf values in a calibration batch");
  const CalibrationAlgo algo = options_.algo;
  if (algo == CalibrationAlgo::kENTROPY_GLOBAL && pass_ == 1) {
    // A tensor first seen in the second pass has no range: the runs differ, which is a bug.
    check(s.hist.has_value(), "calibration: tensor '", tensorName,
          "' appeared only in the second pass");
    s.hist->add(data, n, scan);
    return;
  }
  s.seen = true;
  s.maxAbs = std::max(s.maxAbs, scan.maxAbs);
  if (usesHistogram(algo)) {
    if (!s.hist) s.hist.emplace();
    s.hist->add(data, n, scan);
  } else if (algo == CalibrationAlgo::kLEGACY_CALIBRATION) {
    if (!s.values) s.values.emplace();
    s.values->add(data, n);
  }
}

void CalibrationCollector::observeDevice(const std::string& tensorName, const Shape& shape,
                                         const float* deviceData, void* stream) {
  Stats* found = statsFor(tensorName);
  if (!found) return;
  Stats& s = *found;
  const size_t n = static_cast<size_t>(elementCount(shape));
  if (!device_) device_ = std::make_unique<Device>();
  const CalibrationAlgo algo = options_.algo;
  if (algo == CalibrationAlgo::kLEGACY_CALIBRATION) {
    // Legacy keeps every |x|: the values must come to the host anyway.
    device_->hostCopy.resize(n);
    device_->statistics->download(deviceData, n, stream, device_->hostCopy.data());
    observe(tensorName, shape, device_->hostCopy.data());
    return;
  }
  auto checkFinite = [&](const AbsScan& scan) {
    check(scan.finite, "calibration: tensor '", tensorName,
          "' holds NaN or Inf values in a calibration batch");
  };
  const bool globalSecondPass = algo == CalibrationAlgo::kENTROPY_GLOBAL && pass_ == 1;
  if (!globalSecondPass && !usesHistogram(algo)) {
    // MinMax, and pass 0 of the global entropy mode: the max is all they keep.
    const AbsScan scan = device_->statistics->scan(deviceData, n, stream);
    checkFinite(scan);
    s.seen = true;
    s.maxAbs = std::max(s.maxAbs, scan.maxAbs);
    return;
  }
  if (globalSecondPass)
    check(s.hist.has_value(), "calibration: tensor '", tensorName,
          "' appeared only in the second pass");
  else if (!s.hist)
    s.hist.emplace();
  AbsHistogram& h = *s.hist;
  cudacalib::RangeState state;
  state.range = h.range();
  state.started = h.rangeStarted();
  state.fixed = h.rangeFixed();
  cudacalib::DeviceBinned& binned = device_->binned;
  device_->statistics->histogram(deviceData, n, stream, state, binned);
  checkFinite(binned.scan);
  h.addBinned(binned.counts, n, binned.scan, binned.range);
  if (globalSecondPass) return;
  s.seen = true;
  s.maxAbs = std::max(s.maxAbs, binned.scan.maxAbs);
}

void CalibrationCollector::endPass() {
  check(pass_ >= 0, "calibration: endPass() before beginPass()");
  if (pass_ == passes() - 1 && options_.algo == CalibrationAlgo::kLEGACY_CALIBRATION)
    for (auto& s : stats_)
      if (s->values) s->values->finalize();
}

std::vector<float> CalibrationCollector::amaxes() const {
  check(pass_ == passes() - 1, "calibration: amaxes() before the last pass");
  std::vector<float> out(names_.size(), -1.f);
  for (size_t i = 0; i < names_.size(); ++i) {
    const Stats& s = *stats_[i];
    if (!s.seen) continue;
    switch (options_.algo) {
      case CalibrationAlgo::kENTROPY_CALIBRATION_2:
      case CalibrationAlgo::kENTROPY_CALIBRATION:
      case CalibrationAlgo::kENTROPY_GLOBAL:
        out[i] = entropyCalibrate(*s.hist).amax;
        break;
      case CalibrationAlgo::kMINMAX_CALIBRATION:
        out[i] = s.maxAbs;
        break;
      case CalibrationAlgo::kPERCENTILE:
        out[i] = percentileAmax(*s.hist, options_.percentile);
        break;
      case CalibrationAlgo::kMSE:
        out[i] = mseAmax(*s.hist);
        break;
      case CalibrationAlgo::kLEGACY_CALIBRATION:
        out[i] = legacyAmax(*s.values, options_.quantile, options_.cutoff);
        break;
    }
  }
  return out;
}

int CalibrationCollector::entropyBins(const std::string& tensor) const {
  auto it = index_.find(tensor);
  if (it == index_.end()) return -1;
  const Stats& s = *stats_[it->second];
  const CalibrationAlgo a = options_.algo;
  if (!s.hist || !(a == CalibrationAlgo::kENTROPY_CALIBRATION_2 ||
                   a == CalibrationAlgo::kENTROPY_CALIBRATION ||
                   a == CalibrationAlgo::kENTROPY_GLOBAL))
    return -1;
  return entropyBestBins(s.hist->counts().data());
}

}  // namespace int8rt

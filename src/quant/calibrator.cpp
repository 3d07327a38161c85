// Names of the calibration algorithms: command-line names and cache-header names.
#include "int8rt/calibrator.h"

#include <array>

namespace int8rt {
namespace {

struct AlgoNames {
  CalibrationAlgo algo;
  const char* cli;
  const char* cache;
};

// One table so that the CLI names, the cache names and the parser cannot drift apart.
constexpr std::array<AlgoNames, 7> kAlgoNames{{
    {CalibrationAlgo::kENTROPY_CALIBRATION_2, "entropy2", "EntropyCalibration2"},
    {CalibrationAlgo::kENTROPY_CALIBRATION, "entropy", "EntropyCalibration"},
    {CalibrationAlgo::kMINMAX_CALIBRATION, "minmax", "MinMaxCalibration"},
    {CalibrationAlgo::kLEGACY_CALIBRATION, "legacy", "LegacyCalibration"},
    {CalibrationAlgo::kPERCENTILE, "percentile", "PercentileCalibration"},
    {CalibrationAlgo::kMSE, "mse", "MSECalibration"},
    {CalibrationAlgo::kENTROPY_GLOBAL, "entropy-global", "EntropyGlobalCalibration"},
}};

const AlgoNames* find(CalibrationAlgo algo) {
  for (const auto& n : kAlgoNames)
    if (n.algo == algo) return &n;
  return nullptr;
}

}  // namespace

const char* calibrationAlgoName(CalibrationAlgo algo) {
  const AlgoNames* n = find(algo);
  return n ? n->cli : "unknown";
}

const char* calibrationAlgoCacheName(CalibrationAlgo algo) {
  const AlgoNames* n = find(algo);
  return n ? n->cache : "UnknownCalibration";
}

Result<CalibrationAlgo> parseCalibrationAlgo(const std::string& name) {
  std::string valid;
  for (const auto& n : kAlgoNames) {
    if (name == n.cli) return n.algo;
    valid += valid.empty() ? "" : "|";
    valid += n.cli;
  }
  return Status::error("unknown calibration algorithm '" + name + "' (expected " + valid + ")");
}

int calibrationPasses(CalibrationAlgo algo) {
  return algo == CalibrationAlgo::kENTROPY_GLOBAL ? 2 : 1;
}

}  // namespace int8rt

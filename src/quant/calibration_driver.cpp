// Cache check, data passes and cache write of an INT8 build's calibration.
#include "quant/calibration_driver.h"

#include <chrono>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "quant/algorithms.h"
#include "quant/calibration_cache.h"
#include "quant/calibration_collector.h"

namespace int8rt {
namespace {

void say(const CalibrationRun& run, const std::string& message) {
  if (run.log) run.log(message);
}

// "a, b, c and 4 more": keeps warnings one line long on big networks.
std::string listSome(const std::vector<std::string>& names, size_t shown = 5) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

// The cache's scales for run.tensors, or false when the cache must not be used.
bool useCache(IInt8Calibrator& calibrator, const CalibrationRun& run, const CacheKey& key,
              CalibrationOutcome& outcome) {
  size_t length = 0;
  const void* data = calibrator.readCalibrationCache(length);
  if (!data || length == 0) return false;
  const std::string source = calibrator.cacheName();
  std::vector<std::string> warnings;
  const CalibrationTable table = parseCalibrationTable(
      std::string_view(static_cast<const char*>(data), length), source, &warnings);
  for (const auto& w : warnings) say(run, "warning: " + w);
  if (auto why = cacheMismatch(table, key)) {
    say(run, "warning: " + source + ": " + *why + "; recalibrating");
    return false;
  }
  std::unordered_map<std::string, float> byName;
  for (const auto& [name, scale] : table.scales) byName.emplace(name, scale);
  std::unordered_set<std::string> wanted(run.tensors.begin(), run.tensors.end());
  std::vector<std::string> unknown, missing;
  for (const auto& [name, scale] : table.scales)
    if (!wanted.count(name)) unknown.push_back(name);
  outcome.scales.assign(run.tensors.size(), -1.f);
  outcome.amax.assign(run.tensors.size(), -1.f);
  for (size_t i = 0; i < run.tensors.size(); ++i) {
    auto it = byName.find(run.tensors[i]);
    if (it == byName.end()) {
      missing.push_back(run.tensors[i]);
      continue;
    }
    outcome.scales[i] = it->second;
    outcome.amax[i] = amaxFromScale(it->second);
  }
  if (!unknown.empty())
    say(run, "warning: " + source + ": ignoring " + std::to_string(unknown.size()) +
                 " tensor(s) the network does not have: " + listSome(unknown));
  if (!missing.empty())
    say(run, "warning: " + source + ": no scale for " + std::to_string(missing.size()) +
                 " tensor(s): " + listSome(missing));
  outcome.fromCache = true;
  say(run, "calibration: using " + source + " (" + table.algorithm + ", " +
               std::to_string(table.scales.size()) + " scales)");
  return true;
}

}  // namespace

CalibrationOutcome runCalibration(IInt8Calibrator& calibrator, const CalibrationRun& run,
                                  const CalibrationForward& forward) {
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](CalibrationOutcome& o) {
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
  };
  check(run.inputNames.size() == run.inputShapes.size(),
        "calibration: input names and shapes differ in number");
  const CacheKey key = cacheKeyOf(calibrator);
  CalibrationOutcome outcome;
  if (useCache(calibrator, run, key, outcome)) return finish(outcome);

  const int batchSize = calibrator.getBatchSize();
  check(batchSize > 0, "calibration: the calibrator's batch size must be positive, got ",
        batchSize);
  std::vector<Shape> shapes = run.inputShapes;
  std::vector<size_t> floatsPerBatch;
  for (size_t i = 0; i < shapes.size(); ++i) {
    check(!shapes[i].empty(), "calibration: network input '", run.inputNames[i], "' is a scalar");
    shapes[i][0] = batchSize;
    int64_t v = 1;
    for (int64_t d : shapes[i]) {
      check(d >= 0, "calibration: network input '", run.inputNames[i],
            "' has a dynamic dim besides the batch");
      v *= d;
    }
    floatsPerBatch.push_back(static_cast<size_t>(v));
  }
  const Status accepted = calibrator.checkInputs(run.inputNames, shapes);
  check(accepted.isOk(), accepted.message());

  CollectorOptions options;
  options.algo = key.algo;
  options.percentile = key.percentile;
  options.quantile = key.quantile;
  options.cutoff = key.cutoff;
  options.onDevice = run.onDevice;
  CalibrationCollector collector(options, run.tensors);

  const int nIn = static_cast<int>(run.inputNames.size());
  int forwards = 0;
  auto step = [&](const std::vector<const float*>& inputs) {
    forward(batchSize, inputs, collector);
    if (run.progress) run.progress(++forwards);
  };
  std::vector<const char*> names;
  for (const auto& n : run.inputNames) names.push_back(n.c_str());
  // Copies of the first pass's batches, kept only for a second pass the calibrator cannot rewind.
  std::vector<std::vector<std::vector<float>>> kept;
  bool rewindable = true;
  int firstPassBatches = 0;
  for (int pass = 0; pass < collector.passes(); ++pass) {
    collector.beginPass(pass);
    const bool rewound = calibrator.rewind();
    if (pass == 0) rewindable = rewound;
    const bool replay = pass > 0 && !rewindable;
    const bool keep = pass == 0 && !rewindable && collector.passes() > 1;
    int batches = 0;
    if (replay) {
      for (const auto& batch : kept) {
        std::vector<const float*> inputs;
        for (const auto& buf : batch) inputs.push_back(buf.data());
        step(inputs);
        ++batches;
      }
    } else {
      std::vector<void*> bindings(nIn, nullptr);
      while (calibrator.getBatch(bindings.data(), names.data(), nIn)) {
        std::vector<const float*> inputs;
        for (int i = 0; i < nIn; ++i) {
          check(bindings[i] != nullptr, "calibration: the calibrator gave no data for input '",
                run.inputNames[i], "'");
          inputs.push_back(static_cast<const float*>(bindings[i]));
        }
        if (keep) {
          kept.emplace_back();
          for (int i = 0; i < nIn; ++i)
            kept.back().emplace_back(inputs[i], inputs[i] + floatsPerBatch[i]);
        }
        step(inputs);
        ++batches;
      }
    }
    collector.endPass();
    if (pass == 0) {
      check(batches > 0, "calibration: the calibrator returned no batches");
      firstPassBatches = batches;
      say(run, "calibration: " + std::to_string(batches) + " batches of " +
                   std::to_string(batchSize) + " with " + calibrationAlgoCacheName(key.algo));
    } else {
      check(batches == firstPassBatches, "calibration: pass ", pass + 1, " saw ", batches,
            " batches, the first saw ", firstPassBatches);
    }
  }

  const std::vector<float> computed = collector.amaxes();
  outcome.amax = run.adjust ? run.adjust(computed) : computed;
  if (run.reportBins) {
    outcome.bins.assign(run.tensors.size(), -1);
    for (size_t i = 0; i < run.tensors.size(); ++i)
      if (outcome.amax[i] == computed[i]) outcome.bins[i] = collector.entropyBins(run.tensors[i]);
  }
  outcome.scales.assign(run.tensors.size(), -1.f);
  outcome.batches = firstPassBatches;
  CalibrationTable table = makeCalibrationTable(key);
  std::vector<std::string> unseen;
  for (size_t i = 0; i < run.tensors.size(); ++i) {
    if (outcome.amax[i] < 0.f) {
      unseen.push_back(run.tensors[i]);
      continue;
    }
    outcome.scales[i] = scaleFromAmax(outcome.amax[i]);
    table.scales.emplace_back(run.tensors[i], outcome.scales[i]);
  }
  if (!unseen.empty())
    say(run, "warning: calibration: no data for " + std::to_string(unseen.size()) +
                 " tensor(s), they get no scale: " + listSome(unseen));
  if (!table.scales.empty()) {
    const std::string text = writeCalibrationTable(table);
    outcome.cache = text;
    try {
      calibrator.writeCalibrationCache(text.data(), text.size());
    } catch (const std::exception& e) {
      say(run, std::string("warning: could not write the calibration cache: ") + e.what());
    }
  }
  return finish(outcome);
}

}  // namespace int8rt

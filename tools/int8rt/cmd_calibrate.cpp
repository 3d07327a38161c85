// int8rt calibrate: run calibration only and write the calibration cache, with a progress bar
// and a table of what every tensor got. The cache is the one `build --int8 --calib` would write
// with the same options (both go through calibrateNetwork).
#include <algorithm>
#include <cstdio>

#include "builder/calibrate_network.h"
#include "commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "engine_source.h"
#include "progress_bar.h"
#include "quant/calibration_cache.h"

namespace int8rt::cli {

namespace {

bool isEntropy(CalibrationAlgo a) {
  return a == CalibrationAlgo::kENTROPY_CALIBRATION_2 || a == CalibrationAlgo::kENTROPY_CALIBRATION ||
         a == CalibrationAlgo::kENTROPY_GLOBAL;
}

void printTable(const CalibrationReport& r) {
  int width = 6;
  for (const auto& t : r.tensors) width = std::max(width, static_cast<int>(t.name.size()));
  const bool bins = isEntropy(r.algo);
  if (bins) std::printf("%-*s  %12s  %-8s  bins kept\n", width, "tensor", "amax", "scale");
  else std::printf("%-*s  %12s  scale\n", width, "tensor", "amax");
  for (const auto& t : r.tensors) {
    std::printf(bins ? "%-*s  %12.6g  %-8s" : "%-*s  %12.6g  %s", width, t.name.c_str(), t.amax,
                scaleToHex(t.scale).c_str());
    // A tensor that took another's scale (max-pool output) has no search of its own to show.
    if (bins && t.bins >= 0) std::printf("  %9d", t.bins);
    else if (bins) std::printf("  %9s", "shared");
    std::printf("\n");
  }
}

}  // namespace

int cmdCalibrate(const Args& args) {
  return runCommand("calibrate", [&] {
    std::vector<OptionSpec> specs = {
        {"model", "FILE", "model: .onnx, or a Caffe deploy .prototxt"},
        {"weights", "FILE", "Caffe .caffemodel (with a .prototxt model)"},
        {"output", "CACHE", "calibration cache to write (required)"},
    };
    for (auto& s : calibrationOptionSpecs()) specs.push_back(s);
    specs.push_back({"device", "cpu|cuda", "where the FP32 calibration engine runs (default cpu; "
                                          "the cache is the same)"});
    specs.push_back({"threads", "N", "threads for the FP32 calibration runs (default: all cores)"});
    specs.push_back({"verbose", "", "print calibration progress messages"});
    Options o("calibrate", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("calibrate", "--model FILE [--weights FILE] --calib DIR "
                                "--output CACHE [options]", specs).c_str(), stdout);
      return 0;
    }
    const std::string out = o.require("output");
    const DeviceType device = deviceFrom(o);  // a bad --device is a usage error before any work
    BatchStreamCalibrator::Options data = calibrationDataFrom(o);
    data.cachePath.clear();  // the cache stays in memory until it is complete
    data.readCache = false;  // calibrate is asked to calibrate, whatever exists at --output
    auto net = loadNetwork(o);
    const int batches = calibrationBatchCount(data);
    BatchStreamCalibrator calibrator(data);

    std::printf("calibrating '%s' with %s: %d batches of %d from batch %d of %s\n",
                net->name.c_str(), cacheAlgorithmName(cacheKeyOf(calibrator)).c_str(), batches,
                data.batchSize, data.firstBatch, data.dir.c_str());
    std::fflush(stdout);
    const int passes = calibrationPasses(data.algo);
    ProgressBar bar("calibrating", batches * passes, passes > 1 ? "batches (2 passes)" : "batches");
    CalibrateOptions options;
    options.threads = static_cast<int>(o.integer("threads", 0, 0, 1024));
    options.device = device;
    options.log = commandLog(o.has("verbose"));
    options.progress = [&](int done) { bar.update(done); };
    options.reportBins = true;
    auto r = calibrateNetwork(*net, calibrator, options);
    bar.finish();
    if (!r) fail(r.status().message());
    if (r->cache.empty()) fail(o.get("model"), ": calibration gave no tensor a scale");
    writeFileAtomic(out, r->cache);
    printTable(r.value());
    std::printf("%zu tensors, %d batches of %d in %.3f s; wrote %s\n", r->tensors.size(),
                r->batches, r->batchSize, r->seconds, out.c_str());
    return 0;
  });
}

}  // namespace int8rt::cli

// sample_int8's arguments: `<network> [batch=N] [start=N] [score=N] [search] [legacy]
// [device=cpu|cuda] [--datadir=DIR]...` with the limits of CONTRACTS.md §6.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "int8rt/builder.h"

namespace int8rt::sample {

struct SampleOptions {
  std::string network;
  int batch = 100;   // scoring batch size, <= 128
  int start = 100;   // first scoring batch (earlier ones were used for calibration)
  int score = 400;   // scoring batches
  bool search = false;
  bool legacy = false;
  bool help = false;
  // device=cpu|cuda; absent: the GPU when one is present (resolveDevice), else the CPU.
  std::optional<DeviceType> device;
  std::vector<std::string> dataDirs;  // --datadir, searched first, in order
  // Calibration: batches of 50, 10 of them, from batch 0.
  int calibrationBatchSize = 50;
  int calibrationBatches = 10;
  int firstCalibrationBatch = 0;
  // `legacy`: cutoff 1 (the quantile as it is) and quantile 0.999999 (index 6 of
  // 1 - 10^-index): the library's IInt8Calibrator defaults, which CONTRACTS §3 quotes as giving
  // the exact max on MNIST. `search` replaces both with the best grid point.
  double legacyCutoff = 1.0;
  double legacyQuantile = 0.999999;
  // `search` validation data: images after the calibration images, in batches of the calibration
  // batch size (so the range starts on a batch boundary), at most this many batches and never
  // reaching `start` (sample_search.h).
  int maxValidationBatches = 40;
};

// Throws int8rt::Error with a one-line message on a bad or unknown argument.
SampleOptions parseSampleOptions(const std::vector<std::string>& args);
std::string sampleUsage();

// The device the runs use: device= when given, else CUDA when this build has the CUDA backend
// and a usable GPU is present, else the CPU.
DeviceType resolveDevice(const SampleOptions& opt);

struct SampleFiles {
  std::string dir;  // where deploy.prototxt was found
  std::string prototxt, caffemodel, batches, calibrationCache;
};

// data/int8/<network>/, then data/<network>/, with --datadir directories first.
SampleFiles locateSampleFiles(const SampleOptions& opt);

}  // namespace int8rt::sample

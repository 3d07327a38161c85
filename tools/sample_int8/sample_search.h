// sample_int8 `search`: the 2-D grid search over the legacy calibrator's (cutoff, quantile) that
// TensorRT's sample ran (CONTRACTS.md §3), with quantile = 1 - 10^-index:
//   1. cutoff 1, index 2..8 step 1;
//   2. cutoff 0.40..0.70 step 0.05 x index 2..8 step 1;
//   3. around the best so far: cutoff +-0.04 step 0.01 x index +-0.5 step 0.1 (cutoffs outside
//      [0, 1] and indices <= 0 skipped).
// Each point is an INT8 engine (no tactic timing) scored by top-1 on validation images; the
// best moves only on a strict improvement, so ties keep the earlier point. A point evaluated
// once is not evaluated again. Each point prints one line; the best prints last.
//
// Validation images: the ones right after the calibration images (10 batches of 50 from batch
// 0: images 0..499), in batches of the calibration batch size, at most
// SampleOptions::maxValidationBatches of them (40: images 500..2499) and never reaching the
// first scoring image start*batch. So calibration, validation and scoring data are disjoint.
#pragma once
#include <cstdint>

#include "sample_options.h"

namespace int8rt::sample {

struct ValidationRange {
  int batchSize = 0;   // the calibration batch size
  int firstBatch = 0;  // in batches of batchSize
  int batches = 0;
  int64_t firstImage() const { return int64_t(firstBatch) * batchSize; }
  int64_t images() const { return int64_t(batches) * batchSize; }
};

// Throws Error when no whole validation batch fits between the calibration images and `start`.
ValidationRange validationRange(const SampleOptions& opt, int64_t availableImages);
// The same for the images in files.batches (main checks it before the first run).
ValidationRange validationRange(const SampleOptions& opt, const SampleFiles& files);

struct SearchOutcome {
  double cutoff = 1.0;
  double quantile = 0.99;
  double index = 2.0;
  double top1 = 0;  // on the validation images
  int points = 0;   // engines built and scored
  double seconds = 0;
};

// Prints the search (header, a line per point, the best) on stdout and returns the best point.
SearchOutcome searchLegacyGrid(const SampleOptions& opt, const SampleFiles& files);

}  // namespace int8rt::sample

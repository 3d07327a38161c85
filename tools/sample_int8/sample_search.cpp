#include "sample_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include "core/error.h"
#include "data/batch_stream.h"
#include "eval/score.h"
#include "int8rt/builder.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "legacy_statistics.h"

namespace int8rt::sample {

namespace {

// Grid coordinates are integers (cutoff in hundredths, index in tenths) so that stepping never
// accumulates rounding error and a point revisited by the refinement is recognised exactly.
struct GridPoint {
  int cutoff100;
  int index10;
  double cutoff() const { return cutoff100 / 100.0; }
  double index() const { return index10 / 10.0; }
  double quantile() const { return 1.0 - std::pow(10.0, -index()); }
  bool operator<(const GridPoint& o) const {
    return std::make_pair(cutoff100, index10) < std::make_pair(o.cutoff100, o.index10);
  }
};

class GridSearch {
 public:
  GridSearch(const Network& net, const LegacyStatistics& stats, const SampleFiles& files,
             const ValidationRange& range, DeviceType device)
      : net_(net), stats_(stats), range_(range), device_(device),
        stream_(files.batches, range.batchSize, range.batches) {}

  void evaluate(const GridPoint& p) {
    if (p.cutoff100 < 0 || p.cutoff100 > 100 || p.index10 <= 0 || scores_.count(p)) return;
    const ScoreResult r = score(p);
    scores_[p] = r.top1;
    std::printf("search: cutoff %.2f, quantile %.10g (index %.1f): top1 %.4f (%lld/%lld)\n",
                p.cutoff(), p.quantile(), p.index(), r.top1Rate(),
                static_cast<long long>(r.top1), static_cast<long long>(r.images));
    std::fflush(stdout);
    if (!best_ || r.top1 > scores_[*best_]) best_ = p;  // strict improvements only
  }

  GridPoint best() const { return *best_; }
  int64_t bestTop1() const { return scores_.at(*best_); }
  int points() const { return static_cast<int>(scores_.size()); }

 private:
  ScoreResult score(const GridPoint& p) {
    PrecomputedLegacyCalibrator calibrator(stats_.cacheFor(p.cutoff(), p.quantile()),
                                           range_.batchSize, p.cutoff(), p.quantile());
    BuilderConfig config;
    config.maxBatchSize = range_.batchSize;
    config.device = device_;
    config.int8 = true;
    config.calibrator = &calibrator;
    config.timingIterations = 0;  // accuracy does not depend on which tactic wins
    auto plan = buildSerializedNetwork(net_, config);
    if (!plan) fail("search point cutoff ", p.cutoff(), ", index ", p.index(), ": ",
                    plan.status().message());
    auto engine = deserializeEngine(plan.value(), "search plan");
    if (!engine) fail(engine.status().message());
    auto context = engine.value()->createExecutionContext();
    stream_.reset(range_.firstBatch);
    return scoreEngine(*engine.value(), *context, stream_, range_.batches);
  }

  const Network& net_;
  const LegacyStatistics& stats_;
  ValidationRange range_;
  DeviceType device_;  // where the search engines run (statistics are collected on the CPU)
  BatchStream stream_;
  std::map<GridPoint, int64_t> scores_;  // top-1 count per evaluated point
  std::optional<GridPoint> best_;
};

}  // namespace

ValidationRange validationRange(const SampleOptions& opt, int64_t availableImages) {
  ValidationRange r;
  r.batchSize = opt.calibrationBatchSize;
  r.firstBatch = opt.firstCalibrationBatch + opt.calibrationBatches;
  const int64_t limit = std::min<int64_t>(int64_t(opt.start) * opt.batch, availableImages);
  const int64_t fit = (limit - r.firstImage()) / r.batchSize;
  if (fit < 1)
    fail("search: no validation images between the calibration images (0..", r.firstImage() - 1,
         ") and the first scoring image (", int64_t(opt.start) * opt.batch,
         "): raise start= so that at least ", r.batchSize, " images lie between them");
  r.batches = static_cast<int>(std::min<int64_t>(fit, opt.maxValidationBatches));
  return r;
}

ValidationRange validationRange(const SampleOptions& opt, const SampleFiles& files) {
  return validationRange(opt, BatchStream(files.batches, opt.batch, 0).totalImages());
}

SearchOutcome searchLegacyGrid(const SampleOptions& opt, const SampleFiles& files) {
  const auto start = std::chrono::steady_clock::now();
  const ValidationRange range = validationRange(opt, files);
  auto net = parseCaffe(files.prototxt, files.caffemodel);
  if (!net) fail(net.status().message());
  net.value()->name = opt.network;

  std::printf("Legacy calibration search: calibration %d batches of %d from batch %d, "
              "validation images %lld..%lld (%d batches of %d)\n",
              opt.calibrationBatches, opt.calibrationBatchSize, opt.firstCalibrationBatch,
              static_cast<long long>(range.firstImage()),
              static_cast<long long>(range.firstImage() + range.images() - 1), range.batches,
              range.batchSize);
  LegacyStatistics stats(*net.value(), files.batches, opt.calibrationBatchSize,
                         opt.calibrationBatches, opt.firstCalibrationBatch);
  std::printf("search: collected the calibration statistics in %.3f s\n", stats.seconds());

  GridSearch grid(*net.value(), stats, files, range, resolveDevice(opt));
  for (int index = 20; index <= 80; index += 10) grid.evaluate({100, index});
  for (int cutoff = 40; cutoff <= 70; cutoff += 5)
    for (int index = 20; index <= 80; index += 10) grid.evaluate({cutoff, index});
  const GridPoint centre = grid.best();
  for (int cutoff = centre.cutoff100 - 4; cutoff <= centre.cutoff100 + 4; ++cutoff)
    for (int index = centre.index10 - 5; index <= centre.index10 + 5; ++index)
      grid.evaluate({cutoff, index});

  SearchOutcome out;
  const GridPoint best = grid.best();
  out.cutoff = best.cutoff();
  out.index = best.index();
  out.quantile = best.quantile();
  out.top1 = double(grid.bestTop1()) / range.images();
  out.points = grid.points();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("Best search value: cutoff %.2f, quantile %.10g (index %.1f), validation top1 %.4f "
              "(%d points in %.1f s)\n",
              out.cutoff, out.quantile, out.index, out.top1, out.points, out.seconds);
  std::fflush(stdout);
  return out;
}

}  // namespace int8rt::sample

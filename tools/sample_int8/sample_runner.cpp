#include "sample_runner.h"

#include <iostream>

#include "core/error.h"
#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"
#include "sample_calibration.h"

namespace int8rt::sample {

namespace {

const char* name(Precision p) {
  return p == Precision::kFP32 ? "FP32" : p == Precision::kFP16 ? "FP16" : "INT8";
}

// Dots as the original sample prints them: one per 10 batches, a newline per 800.
void progress(int batchIndex) {
  int done = batchIndex + 1;
  if (done % 10 == 0) std::cout << "." << std::flush;
  if (done % 800 == 0) std::cout << std::endl;
}

}  // namespace

RunOutcome runPrecision(const SampleOptions& opt, const SampleFiles& files, Precision p) {
  std::cout << name(p) << " run:" << opt.score << " batches of size " << opt.batch
            << " starting at " << opt.start << std::endl;
  RunOutcome out;
  const DeviceType device = resolveDevice(opt);
  if (p == Precision::kFP16 && !platformHasFastFp16(device)) return out;
  if (p == Precision::kINT8 && !platformHasFastInt8(device)) return out;

  BatchStream stream(files.batches, opt.batch, 0);
  int64_t needed = static_cast<int64_t>(opt.start + opt.score) * opt.batch;
  if (needed > stream.totalImages())
    fail(files.batches, ": (start+score)*batch = ", needed, " images needed, only ",
         stream.totalImages(), " available");

  auto net = parseCaffe(files.prototxt, files.caffemodel);
  if (!net) fail(net.status().message());
  net.value()->name = opt.network;
  BuilderConfig config;
  config.maxBatchSize = opt.batch;
  config.device = device;
  config.fp16 = p == Precision::kFP16;
  std::unique_ptr<IInt8Calibrator> calibrator;
  if (p == Precision::kINT8) {
    calibrator = makeSampleCalibrator(opt, files);
    if (!calibrator) return out;
    config.int8 = true;
    config.calibrator = calibrator.get();
  }
  auto plan = buildSerializedNetwork(*net.value(), config);
  if (!plan) fail(plan.status().message());
  auto engine = deserializeEngine(plan.value(), "built plan");
  if (!engine) fail(engine.status().message());
  auto context = engine.value()->createExecutionContext();

  stream.reset(opt.start);
  out.score = scoreEngine(*engine.value(), *context, stream, opt.score, progress);
  if (out.score.batches % 800 != 0) std::cout << std::endl;
  out.created = true;
  std::cout << "Top1: " << out.score.top1Rate() << ", Top5: " << out.score.top5Rate() << std::endl;
  std::cout << "Processing " << out.score.images << " images averaged " << out.score.msPerImage()
            << " ms/image and " << out.score.msPerBatch() << " ms/batch." << std::endl;
  return out;
}

}  // namespace int8rt::sample

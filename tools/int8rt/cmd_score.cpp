// int8rt score: top-1, top-5 and inference time of a model or plan on labelled batch files;
// with --compare, of the FP32 and the INT8 engine of a model on the same batches.
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "data/batch_stream.h"
#include "engine_source.h"
#include "eval/score.h"

namespace int8rt::cli {

namespace {

struct Range {
  std::string dir;
  int batch = 100, start = 0, count = 0;
};

// The batches to score, checked against what the directory holds.
Range rangeFrom(const Options& o) {
  Range r;
  r.dir = o.require("batches");
  r.batch = static_cast<int>(o.integer("batch", 100, 1, 1 << 16));
  r.start = static_cast<int>(o.integer("start", 0, 0, 1 << 30));
  r.count = static_cast<int>(o.integer("count", 0, 0, 1 << 30));
  BatchStream stream(r.dir, r.batch, 0);
  int64_t available = stream.totalImages() / r.batch - r.start;
  if (available <= 0) fail(r.dir, ": no batches of ", r.batch, " left after skipping ", r.start);
  if (r.count == 0) r.count = static_cast<int>(available);
  if (r.count > available)
    fail(r.dir, ": ", r.count, " batches of ", r.batch, " requested from batch ", r.start,
         ", only ", available, " available");
  return r;
}

ScoreResult score(const Engine& engine, const Range& range, const char* what) {
  BatchStream stream(range.dir, range.batch, 0);
  stream.reset(range.start);
  auto context = engine.createExecutionContext();
  std::fprintf(stderr, "scoring %s%d batches of %d starting at %d\n", what, range.count,
               range.batch, range.start);
  return scoreEngine(engine, *context, stream, range.count, [&](int b) {
    if ((b + 1) % 10 == 0) std::fputc('.', stderr);
    if ((b + 1) % 800 == 0 || b + 1 == range.count) std::fputc('\n', stderr);
  });
}

double imagesPerSecond(const ScoreResult& r) { return r.totalMs > 0 ? r.images / (r.totalMs / 1000) : 0.0; }

void printRow(const char* name, double top1, double top5, double msPerImage, double perSecond) {
  std::printf("%-10s %+8.4f %+8.4f %+12.5f %+12.0f\n", name, top1, top5, msPerImage, perSecond);
}

// FP32 and INT8 engines of one model on the same batches, one row each and their difference.
int compare(const Options& o, const Range& range) {
  if (o.has("plan")) throw UsageError("--compare builds both engines from --model, not --plan");
  auto net = loadNetwork(o);
  BuildSetup fp32 = buildSetupFrom(o, *net, false, Precision::kFp32);
  BuildSetup int8 = buildSetupFrom(o, *net, false, Precision::kInt8);
  fp32.config.maxBatchSize = int8.config.maxBatchSize = range.batch;
  auto fp32Engine = buildEngine(o, *net, fp32);
  auto int8Engine = buildEngine(o, *net, int8);
  ScoreResult a = score(*fp32Engine, range, "FP32: ");
  ScoreResult b = score(*int8Engine, range, "INT8: ");
  std::printf("images %lld\n", static_cast<long long>(a.images));
  std::printf("%-10s %8s %8s %12s %12s\n", "precision", "top-1", "top-5", "ms/image", "images/s");
  std::printf("%-10s %8.4f %8.4f %12.5f %12.0f\n", "FP32", a.top1Rate(), a.top5Rate(),
              a.msPerImage(), imagesPerSecond(a));
  std::printf("%-10s %8.4f %8.4f %12.5f %12.0f\n", "INT8", b.top1Rate(), b.top5Rate(),
              b.msPerImage(), imagesPerSecond(b));
  printRow("INT8-FP32", b.top1Rate() - a.top1Rate(), b.top5Rate() - a.top5Rate(),
           b.msPerImage() - a.msPerImage(), imagesPerSecond(b) - imagesPerSecond(a));
  return 0;
}

}  // namespace

int cmdScore(const Args& args) {
  return runCommand("score", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"plan", "FILE", "score a plan instead of building from --model"});
    specs.push_back({"batches", "DIR", "directory of batch files batch0, batch1, ... (required)"});
    specs.push_back({"batch", "N", "images per inference batch (default 100)"});
    specs.push_back({"start", "N", "first batch to score (default 0)"});
    specs.push_back({"count", "N", "batches to score (default: all that remain)"});
    specs.push_back({"compare", "", "score the FP32 and the INT8 engine of --model on the same "
                                    "batches (INT8 scales from --calib, --calib-cache or "
                                    "--dynamic-range)"});
    Options o("score", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("score", "(--plan FILE | --model FILE [--weights FILE]) "
                                "--batches DIR [options]", specs).c_str(), stdout);
      return 0;
    }
    deviceFrom(o);  // a bad --device is a usage error before any file is read
    Range range = rangeFrom(o);
    if (o.has("compare")) return compare(o, range);
    auto engine = obtainEngine(o, range.batch, false);
    ScoreResult r = score(*engine, range, "");
    std::printf("images %lld  top-1 %.4f  top-5 %.4f  %.5f ms/image  %.4f ms/batch  %.0f images/s\n",
                static_cast<long long>(r.images), r.top1Rate(), r.top5Rate(), r.msPerImage(),
                r.msPerBatch(), imagesPerSecond(r));
    return 0;
  });
}

}  // namespace int8rt::cli

// int8rt score: top-1, top-5 and inference time of a model or plan on labelled batch files.
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "data/batch_stream.h"
#include "engine_source.h"
#include "eval/score.h"

namespace int8rt::cli {

int cmdScore(const Args& args) {
  return runCommand("score", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"plan", "FILE", "score a plan instead of building from --model"});
    specs.push_back({"batches", "DIR", "directory of batch files batch0, batch1, ... (required)"});
    specs.push_back({"batch", "N", "images per inference batch (default 100)"});
    specs.push_back({"start", "N", "first batch to score (default 0)"});
    specs.push_back({"count", "N", "batches to score (default: all that remain)"});
    Options o("score", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("score", "(--plan FILE | --model FILE [--weights FILE]) "
                                "--batches DIR [options]", specs).c_str(), stdout);
      return 0;
    }
    std::string dir = o.require("batches");
    int batch = static_cast<int>(o.integer("batch", 100, 1, 1 << 16));
    int start = static_cast<int>(o.integer("start", 0, 0, 1 << 30));
    int count = static_cast<int>(o.integer("count", 0, 0, 1 << 30));
    BatchStream stream(dir, batch, 0);
    int64_t available = stream.totalImages() / batch - start;
    if (available <= 0) fail(dir, ": no batches of ", batch, " left after skipping ", start);
    if (count == 0) count = static_cast<int>(available);
    if (count > available)
      fail(dir, ": ", count, " batches of ", batch, " requested from batch ", start, ", only ",
           available, " available");
    stream.reset(start);
    auto engine = obtainEngine(o, batch, false);
    auto context = engine->createExecutionContext();
    std::fprintf(stderr, "scoring %d batches of %d starting at %d\n", count, batch, start);
    ScoreResult r = scoreEngine(*engine, *context, stream, count, [&](int b) {
      if ((b + 1) % 10 == 0) std::fputc('.', stderr);
      if ((b + 1) % 800 == 0 || b + 1 == count) std::fputc('\n', stderr);
    });
    std::printf("images %lld  top-1 %.4f  top-5 %.4f  %.5f ms/image  %.4f ms/batch  %.0f images/s\n",
                static_cast<long long>(r.images), r.top1Rate(), r.top5Rate(), r.msPerImage(),
                r.msPerBatch(), r.totalMs > 0 ? r.images / (r.totalMs / 1000) : 0.0);
    return 0;
  });
}

}  // namespace int8rt::cli

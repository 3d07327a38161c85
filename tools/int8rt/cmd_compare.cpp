// int8rt compare: per-layer FP32-vs-INT8 diagnostics on labelled batches. Both engines are
// built from --model; every tensor both show is compared (SQNR, cosine similarity, max abs
// error, fraction of FP32 values beyond the tensor's INT8 range) and the worst one is marked,
// so that a user sees which layer to force to FP32 (--layer-precision NAME=fp32).
#include <cmath>
#include <cstdio>

#include "builder/calibrate_network.h"
#include "commands.h"
#include "core/error.h"
#include "data/batch_stream.h"
#include "engine_source.h"
#include "eval/layer_compare.h"

namespace int8rt::cli {

namespace {

constexpr const char* kColumns =
    "\nOne row per tensor both engines have, in network order:\n"
    "  prec     precision of the INT8 engine's layer that produces the tensor\n"
    "  stored   how the INT8 engine stores the tensor (int8 values are dequantized to compare)\n"
    "  SQNR dB  10*log10(sum x^2 / sum (x - y)^2), x FP32, y INT8 engine; the lowest is marked\n"
    "  cosine   cosine similarity of x and y\n"
    "  clipped  fraction of x beyond the tensor's INT8 range (|x| > amax), for tensors an INT8\n"
    "           layer reads; '-' for the others\n";

// The INT8 range of every tensor as the INT8 build sees it: calibration (or the cache) first,
// then --dynamic-range on top. Calibrating here also fills the calibrator's cache, so the INT8
// build that follows reads it instead of calibrating again.
std::map<std::string, float> int8Ranges(const Network& net, BuildSetup& setup, bool verbose) {
  std::map<std::string, float> amax;
  if (setup.calibrator) {
    CalibrateOptions options;
    options.threads = setup.config.threads;
    options.device = setup.config.device;
    options.log = commandLog(verbose);
    auto r = calibrateNetwork(net, *setup.calibrator, options);
    if (!r) fail(r.status().message());
    for (const auto& t : r->tensors) amax[t.name] = t.amax;
  }
  for (int t = 0; t < net.nbTensors(); ++t)
    if (net.tensor(t).dynamicRange >= 0) amax[net.tensor(t).name] = net.tensor(t).dynamicRange;
  return amax;
}

std::string formatSqnr(double db) {
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", db);
  return buf;
}

void printRows(const std::vector<LayerComparisonRow>& rows) {
  int width = 6;
  for (const auto& r : rows) width = std::max(width, static_cast<int>(r.tensor.size()));
  // Worst: the lowest SQNR (the most quantization noise relative to the signal).
  int worst = -1;
  for (size_t i = 0; i < rows.size(); ++i)
    if (worst < 0 || rows[i].diff.sqnrDb() < rows[worst].diff.sqnrDb()) worst = static_cast<int>(i);
  if (worst >= 0 && std::isinf(rows[worst].diff.sqnrDb()) && rows[worst].diff.sqnrDb() > 0) worst = -1;
  std::printf("%-*s  %-5s %-6s %9s %10s %12s %9s\n", width, "tensor", "prec", "stored", "SQNR dB",
              "cosine", "max abs err", "clipped");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double clipped = r.diff.clippedFraction();
    char clip[32] = "-";
    if (clipped >= 0) std::snprintf(clip, sizeof clip, "%.6f", clipped);
    std::printf("%-*s  %-5s %-6s %9s %10.6f %12.6g %9s%s\n", width, r.tensor.c_str(),
                r.precision.empty() ? "-" : r.precision.c_str(), r.storedInt8 ? "int8" : "fp32",
                formatSqnr(r.diff.sqnrDb()).c_str(), r.diff.cosine(), r.diff.maxAbsError(), clip,
                static_cast<int>(i) == worst ? "  <- worst" : "");
  }
}

}  // namespace

int cmdCompare(const Args& args) {
  return runCommand("compare", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"batches", "DIR", "labelled batch files to compare on (required)"});
    specs.push_back({"batch", "N", "images per inference batch (default 100)"});
    specs.push_back({"start", "N", "first batch (default 0)"});
    specs.push_back({"count", "N", "batches to compare on (default 10)"});
    specs.push_back({"verbose", "", "print calibration and build progress messages"});
    Options o("compare", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("compare", "--model FILE [--weights FILE] --batches DIR "
                                "(--calib DIR | --calib-cache FILE | --dynamic-range FILE) "
                                "[options]", specs).c_str(), stdout);
      std::fputs(kColumns, stdout);
      return 0;
    }
    deviceFrom(o);  // a bad --device is a usage error before any file is read
    const std::string dir = o.require("batches");
    const int batch = static_cast<int>(o.integer("batch", 100, 1, 1 << 16));
    const int start = static_cast<int>(o.integer("start", 0, 0, 1 << 30));
    const int count = static_cast<int>(o.integer("count", 10, 1, 1 << 30));
    const bool verbose = o.has("verbose");
    auto net = loadNetwork(o);
    BuildSetup fp32 = buildSetupFrom(o, *net, verbose, Precision::kFp32);
    BuildSetup int8 = buildSetupFrom(o, *net, verbose, Precision::kInt8);
    fp32.config.maxBatchSize = int8.config.maxBatchSize = batch;

    BatchStream stream(dir, batch, count);
    const int64_t available = stream.totalImages() / batch - start;
    if (available < count)
      fail(dir, ": ", count, " batches of ", batch, " requested from batch ", start, ", only ",
           std::max<int64_t>(available, 0), " available");
    std::map<std::string, float> amax = int8Ranges(*net, int8, verbose);
    auto fp32Engine = buildEngine(o, *net, fp32);
    auto int8Engine = buildEngine(o, *net, int8);

    LayerComparison comparison(*fp32Engine, *int8Engine, std::move(amax));
    stream.reset(start);
    const int64_t perImage = volume(fp32Engine->bindingShapeForBatch(0, 1));
    if (perImage != stream.getImageSize())
      fail(dir, ": batches hold ", stream.getImageSize(), " values per image, network input '",
           fp32Engine->bindingName(0), "' takes ", perImage);
    std::fprintf(stderr, "comparing on %d batches of %d starting at %d\n", count, batch, start);
    while (stream.next()) comparison.run(batch, stream.getBatch(), stream.getLabels());

    printRows(comparison.rows());
    const double n = static_cast<double>(comparison.images());
    if (stream.hasLabels())
      std::printf("top-1 on %lld images: FP32 %.4f  INT8 %.4f  (INT8-FP32 %+.4f)\n",
                  static_cast<long long>(comparison.images()), comparison.fp32Top1() / n,
                  comparison.int8Top1() / n, (comparison.int8Top1() - comparison.fp32Top1()) / n);
    else
      std::printf("%lld images compared (the batches carry no labels: no top-1)\n",
                  static_cast<long long>(comparison.images()));
    return 0;
  });
}

}  // namespace int8rt::cli

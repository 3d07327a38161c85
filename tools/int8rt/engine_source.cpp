#include "engine_source.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "int8rt/parsers.h"
#include "quant/cache_only_calibrator.h"
#include "quant/dynamic_range_file.h"

namespace int8rt::cli {

namespace {

// What the calibrator of a cache-only build says when only calibration data would help.
constexpr const char* kNeedData = "calibration data (--calib DIR) is needed";

// The algorithm and the parameters of the algorithms that take them.
struct AlgoChoice {
  CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
  double quantile = 0.999999, cutoff = 1.0, percentile = 99.99;
};

AlgoChoice algoFrom(const Options& o) {
  AlgoChoice a;
  if (o.has("calib-algo")) {
    auto r = parseCalibrationAlgo(o.get("calib-algo"));
    if (!r) throw UsageError("option '--calib-algo': " + r.status().message());
    a.algo = r.value();
  }
  const bool legacy = a.algo == CalibrationAlgo::kLEGACY_CALIBRATION;
  // A parameter the algorithm ignores is a mistake worth stopping for (a cache would be made
  // without it).
  for (const char* p : {"quantile", "cutoff"})
    if (o.has(p) && !legacy)
      throw UsageError(std::string("option '--") + p + "' applies to --calib-algo legacy only");
  if (o.has("percentile") && a.algo != CalibrationAlgo::kPERCENTILE)
    throw UsageError("option '--percentile' applies to --calib-algo percentile only");
  a.quantile = o.real("quantile", a.quantile, 0.0, 1.0);
  if (a.quantile <= 0.0) throw UsageError("option '--quantile': must be in (0, 1]");
  a.cutoff = o.real("cutoff", a.cutoff, 0.0, 1.0);
  a.percentile = o.real("percentile", a.percentile, 0.0, 100.0);
  if (a.percentile <= 0.0) throw UsageError("option '--percentile': must be in (0, 100]");
  return a;
}

void applyDynamicRanges(const std::string& path, Network& net) {
  auto ranges = parseDynamicRanges(readFileText(path), path);
  std::vector<std::string> unknown;
  for (const auto& [name, amax] : ranges) {
    TensorId t = net.findTensor(name);
    if (t < 0) unknown.push_back("'" + name + "'");
    else net.setDynamicRange(t, -amax, amax);
  }
  if (unknown.empty()) return;
  std::string list;
  for (size_t i = 0; i < unknown.size() && i < 5; ++i) list += (i ? ", " : "") + unknown[i];
  if (unknown.size() > 5) list += " and " + std::to_string(unknown.size() - 5) + " more";
  std::fprintf(stderr, "warning: %s: ignoring %zu name(s) the network does not have: %s\n",
               path.c_str(), unknown.size(), list.c_str());
}

// Options that only make sense with another one: a usage error rather than silently unused.
void rejectWithout(const Options& o, const std::vector<const char*>& names, const char* needed) {
  for (const char* n : names)
    if (o.has(n)) throw UsageError(std::string("option '--") + n + "' needs " + needed);
}

}  // namespace

std::function<void(const std::string&)> commandLog(bool verbose) {
  return [verbose](const std::string& m) {
    if (m.rfind("warning", 0) == 0) std::fprintf(stderr, "%s\n", m.c_str());
    else if (verbose) std::fprintf(stderr, "  %s\n", m.c_str());
  };
}

std::vector<OptionSpec> calibrationOptionSpecs() {
  return {
      {"calib", "DIR", "calibration batch files batch0, batch1, ..."},
      {"calib-algo", "NAME",
       "entropy2 (default), entropy, minmax, legacy, percentile, mse or entropy-global"},
      {"calib-batch", "N", "images per calibration batch (default 50)"},
      {"calib-batches", "N", "calibration batches (default 10, 0 = all)"},
      {"calib-first", "N", "calibration batches to skip first (default 0)"},
      {"quantile", "Q", "legacy: quantile of |x| in (0, 1] (default 0.999999)"},
      {"cutoff", "C", "legacy: regression cutoff in [0, 1] (default 1)"},
      {"percentile", "P", "percentile: percentile of |x| in (0, 100] (default 99.99)"},
  };
}

std::vector<OptionSpec> buildOptionSpecs() {
  std::vector<OptionSpec> specs = {
      {"model", "FILE", "model: .onnx, or a Caffe deploy .prototxt"},
      {"weights", "FILE", "Caffe .caffemodel (with a .prototxt model)"},
      {"device", "cpu|cuda", "where the engine runs (default cpu; with --plan, the plan's)"},
      {"max-batch", "N", "largest batch the engine accepts (default 100)"},
      {"fp16", "", "allow FP16 kernels (needs a platform with fast FP16)"},
      {"int8", "", "allow INT8 kernels (needs --calib, --calib-cache or --dynamic-range)"},
      {"calib-cache", "FILE", "calibration cache: used if valid for the algorithm, else "
                              "written after calibrating with --calib"},
      {"dynamic-range", "FILE", "per-tensor ranges, one 'name:amax' per line"},
  };
  for (auto& s : calibrationOptionSpecs()) specs.push_back(s);
  for (auto& s : std::vector<OptionSpec>{
           {"layer-precision", "NAME=fp32|int8", "force a layer's precision", true},
           {"kernel", "LAYER=KERNEL", "force a layer's kernel (debugging)", true},
           {"timing-iterations", "N", "timed runs per kernel candidate (default 3, 0 = no timing)"},
           {"layout", "auto|nchw|nhwc",
            "CUDA tensor layout between bindings: auto (default) times NHWC runs of layers "
            "against NCHW; nchw never reformats; nhwc converts every run it can"},
           {"threads", "N", "threads for building and running (default: all cores)"},
       })
    specs.push_back(s);
  return specs;
}

DeviceType deviceFrom(const Options& o) {
  const std::string d = o.get("device", "cpu");
  if (d == "cpu") return DeviceType::kCPU;
  if (d == "cuda") return DeviceType::kCUDA;
  throw UsageError("option '--device': '" + d + "' is not cpu or cuda");
}

BuilderConfig builderConfigFrom(const Options& o, bool verbose) {
  BuilderConfig c;
  c.device = deviceFrom(o);
  c.maxBatchSize = o.integer("max-batch", 100, 1, 1 << 20);
  c.fp16 = o.has("fp16");
  c.int8 = o.has("int8");
  c.timingIterations = static_cast<int>(o.integer("timing-iterations", 3, 0, 1000));
  c.threads = static_cast<int>(o.integer("threads", 0, 0, 1024));
  const std::string layout = o.get("layout", "auto");
  if (layout == "auto") c.layout = LayoutPolicy::kAUTO;
  else if (layout == "nchw") c.layout = LayoutPolicy::kNCHW;
  else if (layout == "nhwc") c.layout = LayoutPolicy::kNHWC;
  else throw UsageError("option '--layout': '" + layout + "' is not auto, nchw or nhwc");
  for (const std::string& kv : o.all("layer-precision")) {
    auto eq = kv.rfind('=');
    if (eq == std::string::npos) throw UsageError("--layer-precision expects NAME=fp32|int8, got '" + kv + "'");
    std::string p = kv.substr(eq + 1);
    if (p != "fp32" && p != "int8") throw UsageError("--layer-precision: precision '" + p + "' is not fp32 or int8");
    c.layerPrecision[kv.substr(0, eq)] = p == "int8" ? DataType::kINT8 : DataType::kFLOAT;
  }
  for (const std::string& kv : o.all("kernel")) {
    auto eq = kv.rfind('=');
    if (eq == std::string::npos) throw UsageError("--kernel expects LAYER=KERNEL, got '" + kv + "'");
    c.forcedKernels[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  c.log = commandLog(verbose);
  return c;
}

std::unique_ptr<Network> loadNetwork(const Options& o) {
  auto r = parseModel(o.require("model"), o.get("weights"));
  if (!r) fail(r.status().message());
  return std::move(r.value());
}

BatchStreamCalibrator::Options calibrationDataFrom(const Options& o) {
  BatchStreamCalibrator::Options d;
  d.dir = o.require("calib");
  d.batchSize = static_cast<int>(o.integer("calib-batch", 50, 1, 1 << 16));
  d.nbBatches = static_cast<int>(o.integer("calib-batches", 10, 0, 1 << 30));
  d.firstBatch = static_cast<int>(o.integer("calib-first", 0, 0, 1 << 30));
  AlgoChoice a = algoFrom(o);
  d.algo = a.algo;
  d.quantile = a.quantile;
  d.cutoff = a.cutoff;
  d.percentile = a.percentile;
  d.cachePath = o.get("calib-cache");
  return d;
}

int calibrationBatchCount(const BatchStreamCalibrator::Options& d) {
  BatchStream stream(d.dir, d.batchSize, 0);
  const int64_t images = stream.totalImages();
  const int64_t available = images / d.batchSize - d.firstBatch;
  if (available <= 0)
    fail(d.dir, ": ", images, " images hold no calibration batch of ", d.batchSize,
         " after skipping ", d.firstBatch, " batches");
  return static_cast<int>(d.nbBatches > 0 ? std::min<int64_t>(d.nbBatches, available) : available);
}

BuildSetup buildSetupFrom(const Options& o, Network& net, bool verbose, Precision precision) {
  BuildSetup s;
  s.config = builderConfigFrom(o, verbose);
  const bool calib = o.has("calib"), cache = o.has("calib-cache"), ranges = o.has("dynamic-range");
  bool int8 = precision == Precision::kInt8 || (precision == Precision::kFromOptions && o.has("int8"));
  s.config.int8 = int8;
  if (precision == Precision::kFp32) {
    s.config.layerPrecision.clear();  // the FP32 reference of a comparison: nothing to force
    return s;
  }
  if (!int8) {
    rejectWithout(o, {"calib", "calib-cache", "dynamic-range", "calib-algo", "calib-batch",
                      "calib-batches", "calib-first", "quantile", "cutoff", "percentile"},
                  "--int8");
    return s;
  }
  if (!calib) rejectWithout(o, {"calib-batch", "calib-batches", "calib-first"}, "--calib");
  if (!calib && !cache)
    rejectWithout(o, {"calib-algo", "quantile", "cutoff", "percentile"}, "--calib or --calib-cache");
  if (!calib && !cache && !ranges)
    throw UsageError("INT8 needs activation scales: give --calib DIR, --calib-cache FILE or "
                     "--dynamic-range FILE");
  if (ranges) applyDynamicRanges(o.get("dynamic-range"), net);
  if (calib) {
    BatchStreamCalibrator::Options d = calibrationDataFrom(o);
    calibrationBatchCount(d);  // an empty or too small directory fails here, naming it
    s.calibrator = std::make_unique<BatchStreamCalibrator>(d);
  } else if (cache) {
    AlgoChoice a = algoFrom(o);
    CacheOnlyCalibrator::Options c;
    c.cachePath = o.get("calib-cache");
    c.algo = a.algo;
    c.quantile = a.quantile;
    c.cutoff = a.cutoff;
    c.percentile = a.percentile;
    c.needDataHint = kNeedData;
    s.calibrator = std::make_unique<CacheOnlyCalibrator>(c);
  }
  s.config.calibrator = s.calibrator.get();
  return s;
}

std::unique_ptr<Engine> buildEngine(const Options& o, const Network& net, const BuildSetup& setup) {
  auto plan = buildSerializedNetwork(net, setup.config);
  if (!plan) fail(o.get("model"), ": ", plan.status().message());
  auto e = deserializeEngine(plan.value(), "built plan");
  if (!e) fail(e.status().message());
  return std::move(e.value());
}

std::unique_ptr<Engine> obtainEngine(const Options& o, int64_t maxBatch, bool verbose) {
  if (o.has("plan")) {
    const DeviceType wanted = deviceFrom(o);  // a bad value is a usage error before any loading
    auto e = loadEngineFile(o.get("plan"));
    if (!e) fail(e.status().message());
    // The plan decides where it runs; --device may only confirm it.
    if (o.has("device") && e.value()->device() != wanted)
      fail(o.get("plan"), ": plan is for device '", deviceName(e.value()->device()),
           "', not '", deviceName(wanted), "' as --device says");
    return std::move(e.value());
  }
  if (!o.has("model")) throw UsageError("give --plan FILE or --model FILE (see --help)");
  auto net = loadNetwork(o);
  BuildSetup setup = buildSetupFrom(o, *net, verbose);
  if (maxBatch > 0) setup.config.maxBatchSize = maxBatch;
  return buildEngine(o, *net, setup);
}

}  // namespace int8rt::cli

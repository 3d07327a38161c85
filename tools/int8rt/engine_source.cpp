#include "engine_source.h"

#include <cstdio>

#include "core/error.h"
#include "int8rt/parsers.h"

namespace int8rt::cli {

std::vector<OptionSpec> buildOptionSpecs() {
  return {
      {"model", "FILE", "model: .onnx, or a Caffe deploy .prototxt"},
      {"weights", "FILE", "Caffe .caffemodel (with a .prototxt model)"},
      {"max-batch", "N", "largest batch the engine accepts (default 100)"},
      {"fp16", "", "allow FP16 kernels (needs a platform with fast FP16)"},
      {"int8", "", "allow INT8 kernels (needs activation scales)"},
      {"layer-precision", "NAME=fp32|int8", "force a layer's precision", true},
      {"kernel", "LAYER=KERNEL", "force a layer's kernel (debugging)", true},
      {"timing-iterations", "N", "timed runs per kernel candidate (default 3, 0 = no timing)"},
      {"threads", "N", "threads for building and running (default: all cores)"},
  };
}

BuilderConfig builderConfigFrom(const Options& o, bool verbose) {
  BuilderConfig c;
  c.maxBatchSize = o.integer("max-batch", 100, 1, 1 << 20);
  c.fp16 = o.has("fp16");
  c.int8 = o.has("int8");
  c.timingIterations = static_cast<int>(o.integer("timing-iterations", 3, 0, 1000));
  c.threads = static_cast<int>(o.integer("threads", 0, 0, 1024));
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
  if (verbose) c.log = [](const std::string& m) { std::fprintf(stderr, "  %s\n", m.c_str()); };
  return c;
}

std::unique_ptr<Network> loadNetwork(const Options& o) {
  auto r = parseModel(o.require("model"), o.get("weights"));
  if (!r) fail(r.status().message());
  return std::move(r.value());
}

std::unique_ptr<Engine> obtainEngine(const Options& o, int64_t maxBatch, bool verbose) {
  if (o.has("plan")) {
    auto e = loadEngineFile(o.get("plan"));
    if (!e) fail(e.status().message());
    return std::move(e.value());
  }
  if (!o.has("model")) throw UsageError("give --plan FILE or --model FILE (see --help)");
  auto net = loadNetwork(o);
  BuilderConfig c = builderConfigFrom(o, verbose);
  if (maxBatch > 0) c.maxBatchSize = maxBatch;
  auto plan = buildSerializedNetwork(*net, c);
  if (!plan) fail(o.get("model"), ": ", plan.status().message());
  auto e = deserializeEngine(plan.value(), "built plan");
  if (!e) fail(e.status().message());
  return std::move(e.value());
}

}  // namespace int8rt::cli

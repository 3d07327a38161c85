// int8rt build: parse a model and write a plan file.
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "engine_source.h"

namespace int8rt::cli {

int cmdBuild(const Args& args) {
  return runCommand("build", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"output", "PLAN", "plan file to write (required)"});
    specs.push_back({"verbose", "", "print each layer's chosen kernel and its time"});
    Options o("build", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("build", "--model FILE [--weights FILE] --output PLAN [--int8 "
                                "(--calib DIR | --calib-cache FILE | --dynamic-range FILE)] [options]",
                                specs).c_str(), stdout);
      return 0;
    }
    std::string out = o.require("output");
    deviceFrom(o);  // a bad --device is a usage error before any file is read
    auto net = loadNetwork(o);
    BuildSetup setup = buildSetupFrom(o, *net, o.has("verbose"));
    const BuilderConfig& config = setup.config;
    // stdout: stderr carries only warnings, verbose progress and the one-line error.
    std::printf("building '%s': %zu layers, max batch %lld, %s, device %s\n", net->name.c_str(),
                net->layers().size(), static_cast<long long>(config.maxBatchSize),
                config.int8 ? "int8" : config.fp16 ? "fp16" : "fp32", deviceName(config.device));
    std::fflush(stdout);
    auto t0 = std::chrono::steady_clock::now();
    auto plan = buildSerializedNetwork(*net, config);
    if (!plan) fail(o.get("model"), ": ", plan.status().message());
    writeFileAtomic(out, plan->data(), plan->size());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("wrote %s (%zu bytes) in %.2f s\n", out.c_str(), plan->size(), s);
    return 0;
  });
}

}  // namespace int8rt::cli

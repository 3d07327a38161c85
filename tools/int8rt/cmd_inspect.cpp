// int8rt inspect: layers, shapes, chosen kernels and plan metadata.
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "engine_source.h"
#include "runtime/engine_impl.h"

namespace int8rt::cli {

namespace {

void printEngine(const Engine& e) {
  for (const auto& [k, v] : e.metadata()) std::printf("%-14s %s\n", (k + ":").c_str(), v.c_str());
  std::printf("\nbindings:\n");
  for (int i = 0; i < e.nbBindings(); ++i)
    std::printf("  %-6s %-24s %s\n", e.bindingIsInput(i) ? "input" : "output",
                e.bindingName(i).c_str(), shapeToString(e.bindingShape(i)).c_str());
  const Network& net = e.impl().network();
  std::vector<Shape> shapes = net.inferShapesForBatch(1);
  std::printf("\nlayers (shapes at batch 1):\n");
  std::printf("  %-4s %-22s %-15s %-5s %-40s %s\n", "#", "name", "kind", "prec", "kernel", "output");
  auto info = e.layerInfo();
  for (size_t i = 0; i < info.size(); ++i) {
    const Layer& l = net.layers()[i];
    std::string out;
    for (TensorId t : l.outputs) {
      out += net.tensor(t).name + " " + shapeToString(shapes[t]) + " ";
      const TensorFormat f = e.impl().plan().tensorFormats[t];
      if (f != TensorFormat::kLINEAR) out += std::string(tensorFormatName(f)) + " ";
    }
    std::printf("  %-4zu %-22s %-15s %-5s %-40s %s\n", i, info[i].name.c_str(), info[i].kind.c_str(),
                info[i].precision.c_str(), info[i].kernel.c_str(), out.c_str());
  }
}

}  // namespace

int cmdInspect(const Args& args) {
  return runCommand("inspect", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"plan", "FILE", "plan file to inspect"});
    Options o("inspect", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("inspect", "(--plan FILE | --model FILE [--weights FILE])", specs).c_str(),
                 stdout);
      return 0;
    }
    deviceFrom(o);  // a bad --device is a usage error before any file is read
    auto engine = obtainEngine(o, 0, false);
    printEngine(*engine);
    return 0;
  });
}

}  // namespace int8rt::cli

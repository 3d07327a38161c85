// int8rt infer: run a model or plan on ONNX TensorProto input files and write each network
// output as <output-dir>/<output name>.pb (float32 TensorProto).
#include <cctype>
#include <cstdio>
#include <map>

#include "commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "engine_source.h"
#include "parsers/onnx/tensor_file.h"
#include "runtime/engine_impl.h"

namespace int8rt::cli {

namespace {

// Output names may hold characters a file name cannot ('/'): replace them.
std::string fileNameFor(const std::string& tensor) {
  std::string s = tensor;
  for (char& c : s)
    if (c == '/' || c == '\0') c = '_';
  if (s.empty() || s == "." || s == "..") s = "_" + s;
  return s;
}

}  // namespace

int cmdInfer(const Args& args) {
  return runCommand("infer", [&] {
    auto specs = buildOptionSpecs();
    specs.push_back({"plan", "FILE", "run a plan instead of building from --model"});
    specs.push_back({"input", "NAME=FILE.pb", "input tensor (ONNX TensorProto); NAME= may be "
                                               "omitted for a single-input network", true});
    specs.push_back({"output-dir", "DIR", "where to write <output name>.pb (required)"});
    Options o("infer", specs, args);
    if (o.help()) {
      std::fputs(Options::usage("infer", "--model M.onnx|deploy.prototxt [--weights W.caffemodel] "
                                "[--input NAME=FILE.pb]... --output-dir DIR", specs).c_str(), stdout);
      return 0;
    }
    deviceFrom(o);  // a bad --device is a usage error before any file is read
    std::string outDir = o.require("output-dir");
    if (!isDirectory(outDir)) fail(outDir, ": output directory does not exist");
    auto inputs = o.all("input");
    if (inputs.empty()) throw UsageError("give at least one --input NAME=FILE.pb");

    // Read inputs first: their batch size decides the engine's max batch.
    struct Input { std::string path; TensorFile tensor; };
    std::map<std::string, Input> byName;
    std::vector<Input> unnamed;
    for (const std::string& spec : inputs) {
      auto eq = spec.find('=');
      std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
      std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
      Input t{path, readTensorFile(path)};
      if (name.empty()) unnamed.push_back(std::move(t));
      else byName[name] = std::move(t);
    }
    int64_t batch = 1;
    auto batchOf = [](const Input& t) { return t.tensor.shape.empty() ? 1 : t.tensor.shape[0]; };
    for (auto& t : unnamed) batch = std::max<int64_t>(batch, batchOf(t));
    for (auto& [n, t] : byName) batch = std::max<int64_t>(batch, batchOf(t));

    auto engine = obtainEngine(o, batch, false);
    if (!engine->impl().network().hasDynamicBatch()) batch = 1;
    std::vector<void*> bindings(engine->nbBindings());
    std::vector<std::vector<float>> outputs;
    outputs.reserve(engine->nbBindings());  // bindings point into these vectors
    size_t unnamedUsed = 0;
    for (int i = 0; i < engine->nbBindings(); ++i) {
      const std::string& name = engine->bindingName(i);
      Shape want = engine->bindingShapeForBatch(i, batch);
      if (!engine->bindingIsInput(i)) {
        bindings[i] = outputs.emplace_back(volume(want)).data();
        continue;
      }
      Input* t = nullptr;
      if (auto it = byName.find(name); it != byName.end()) t = &it->second;
      else if (unnamedUsed < unnamed.size()) t = &unnamed[unnamedUsed++];
      else if (auto it2 = byName.find(std::to_string(i)); it2 != byName.end()) t = &it2->second;
      if (!t) fail("no --input given for network input '", name, "'");
      if (t->tensor.shape != want)
        fail(t->path, ": shape ", shapeToString(t->tensor.shape), " does not match network input '",
             name, "' ", shapeToString(want));
      bindings[i] = t->tensor.values.data();
    }
    for (const auto& [n, t] : byName)
      if (engine->bindingIndex(n) < 0 && !(n.size() && std::isdigit(n[0])))
        fail("--input names '", n, "', which is not a network input");
    auto context = engine->createExecutionContext();
    // Host data in and out: executeHost serves a CPU and a CUDA engine alike.
    Status s = context->executeHost(batch, bindings.data());
    if (!s) fail(s.message());
    for (int i = 0; i < engine->nbBindings(); ++i) {
      if (engine->bindingIsInput(i)) continue;
      const std::string& name = engine->bindingName(i);
      std::string path = outDir + "/" + fileNameFor(name) + ".pb";
      const float* data = static_cast<const float*>(bindings[i]);
      Shape shape = engine->bindingShapeForBatch(i, batch);
      writeTensorFile(path, name, shape, std::vector<float>(data, data + volume(shape)));
      std::printf("%s %s -> %s\n", name.c_str(),
                  shapeToString(engine->bindingShapeForBatch(i, batch)).c_str(), path.c_str());
    }
    return 0;
  });
}

}  // namespace int8rt::cli

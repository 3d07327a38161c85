// Runs the ONNX project's backend test data (shared/onnx-conformance) through the importer,
// builder and runtime: every test folder under node/ and models/*/ is loaded, built for the CPU,
// fed its input_i.pb and compared with output_i.pb (|a - e| <= 1e-7 + 1e-3 |e|).
//
// A test whose operator, data type or feature int8rt does not support is reported unsupported
// with the importer's reason, never passed. Graph inputs that an operator needs at build time
// (weights, shapes, pads, slopes, clip bounds: the node tests feed them as inputs) are baked in
// from the test data; inputs used as data stay network inputs.
//
// Environment: INT8RT_CONFORMANCE_DIR (default: ../shared/onnx-conformance next to the source
// tree), INT8RT_CONFORMANCE_FILTER (run only tests whose path contains it),
// INT8RT_CONFORMANCE_VERBOSE (also list passed tests with what was compared).
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>

#include "core/error.h"
#include "core/file_io.h"
#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "onnx.pb.h"
#include "parsers/onnx/importer.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/tensor_file.h"

namespace int8rt {
namespace {

namespace fs = std::filesystem;

enum class Verdict { kPassed, kFailed, kUnsupported };

struct Outcome {
  Verdict verdict = Verdict::kPassed;
  std::string reason;  // why it failed or is unsupported; for a pass, what was compared
};

std::string conformanceDir() {
  if (const char* d = std::getenv("INT8RT_CONFORMANCE_DIR")) return d;
  if (const char* s = std::getenv("INT8RT_SOURCE_DIR")) return std::string(s) + "/../shared/onnx-conformance";
  // This file is <source>/tests/conformance/onnx_conformance_test.cpp.
  return (fs::path(__FILE__).parent_path() / "../../../shared/onnx-conformance").lexically_normal();
}

std::vector<fs::path> sortedDirs(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// node/<test>/ and models/<group>/<test>/: every folder holding a model.onnx.
std::vector<fs::path> testFolders(const fs::path& root) {
  std::vector<fs::path> tests;
  for (const auto& t : sortedDirs(root / "node"))
    if (fs::exists(t / "model.onnx")) tests.push_back(t);
  for (const auto& group : sortedDirs(root / "models"))
    for (const auto& t : sortedDirs(group))
      if (fs::exists(t / "model.onnx")) tests.push_back(t);
  return tests;
}

onnx::TensorProto readTensorProto(const fs::path& path) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  onnx::TensorProto t;
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  check(t.ParseFromCodedStream(&in), path.string(), ": not a TensorProto");
  return t;
}

// Files named <prefix>_0.pb, <prefix>_1.pb, ... in order.
std::vector<fs::path> numberedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + "_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    out.push_back(p);
  }
  return out;
}

// Graph inputs fed by the test data: those without an initializer, in order.
std::vector<std::string> dataInputNames(const onnx::ModelProto& model) {
  std::vector<std::string> names;
  for (const auto& in : model.graph().input()) {
    bool isWeight = false;
    for (const auto& t : model.graph().initializer()) isWeight |= t.name() == in.name();
    if (!isWeight) names.push_back(in.name());
  }
  return names;
}

// "" when every value is within tolerance; `compared` and `worstDiff` accumulate statistics.
std::string compare(const std::string& name, const std::vector<float>& actual, const Shape& actualShape,
                    const TensorFile& expected, size_t& compared, double& worstDiff) {
  std::ostringstream os;
  if (actualShape != expected.shape) {
    os << "output '" << name << "': shape " << shapeToString(actualShape) << ", expected "
       << shapeToString(expected.shape);
    return os.str();
  }
  size_t bad = 0, first = 0;
  double worst = 0;
  compared += actual.size();
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected.values[i];
    if (std::isfinite(a - e)) worstDiff = std::max(worstDiff, std::fabs(a - e));
    bool ok = (std::isnan(a) && std::isnan(e)) || a == e || std::fabs(a - e) <= 1e-7 + 1e-3 * std::fabs(e);
    if (ok) continue;
    if (bad++ == 0) first = i;
    worst = std::max(worst, std::isfinite(a - e) ? std::fabs(a - e) : INFINITY);
  }
  if (bad == 0) return "";
  os << "output '" << name << "': " << bad << " of " << actual.size()
     << " values differ (max |diff| " << worst << "); first at index " << first << ": got "
     << actual[first] << ", expected " << expected.values[first];
  return os.str();
}

// One data set: import (baking in the inputs that must be constants), build, run, compare.
Outcome runDataSet(const onnx::ModelProto& model, const std::string& modelPath, const fs::path& data) {
  std::vector<fs::path> inputFiles = numberedFiles(data, "input");
  std::vector<std::string> names = dataInputNames(model);
  std::vector<onnx::TensorProto> protos;
  for (const auto& f : inputFiles) protos.push_back(readTensorProto(f));
  onnx_import::ImportOptions options;
  std::map<std::string, size_t> fileOf;
  for (size_t i = 0; i < protos.size(); ++i) {
    // The ONNX runner's convention is position; a name that is a graph input wins.
    std::string name = i < names.size() ? names[i] : protos[i].name();
    if (std::find(names.begin(), names.end(), protos[i].name()) != names.end()) name = protos[i].name();
    options.inputValues[name] = &protos[i];
    fileOf[name] = i;
  }
  std::unique_ptr<Network> net;
  try {
    net = onnx_import::importModel(model, modelPath, options);
  } catch (const onnx_import::UnsupportedError& e) {
    return {Verdict::kUnsupported, e.what()};
  } catch (const Error& e) {
    return {Verdict::kFailed, std::string("import: ") + e.what()};
  }

  // Batch: dim 0 of the data of a dynamic-batch input; static networks run at batch 1.
  int64_t batch = 1;
  for (TensorId t : net->inputs()) {
    const Tensor& x = net->tensor(t);
    if (!x.shape.empty() && x.shape[0] < 0 && fileOf.count(x.name))
      batch = std::max<int64_t>(1, protos[fileOf[x.name]].dims_size() ? protos[fileOf[x.name]].dims(0) : 1);
  }
  BuilderConfig config;
  config.device = DeviceType::kCPU;
  config.maxBatchSize = batch;
  config.timingIterations = 1;
  auto plan = buildSerializedNetwork(*net, config);
  if (!plan.isOk()) return {Verdict::kFailed, "build: " + plan.status().message()};
  auto engine = deserializeEngine(*plan, modelPath);
  if (!engine.isOk()) return {Verdict::kFailed, "deserialize: " + engine.status().message()};
  Engine& eng = **engine;

  std::vector<std::vector<float>> buffers(eng.nbBindings());
  std::vector<void*> bindings(eng.nbBindings());
  for (int i = 0; i < eng.nbBindings(); ++i) {
    const std::string& name = eng.bindingName(i);
    Shape shape = eng.bindingShapeForBatch(i, batch);
    if (eng.bindingIsInput(i)) {
      auto it = fileOf.find(name);
      if (it == fileOf.end()) return {Verdict::kFailed, "no test data for input '" + name + "'"};
      TensorFile in = readTensorFile(inputFiles[it->second]);
      if (static_cast<int64_t>(in.values.size()) != volume(shape))
        return {Verdict::kFailed, "input '" + name + "': data " + shapeToString(in.shape) +
                                      " does not fit the binding " + shapeToString(shape)};
      buffers[i] = std::move(in.values);
    } else {
      buffers[i].assign(static_cast<size_t>(volume(shape)), NAN);
    }
    bindings[i] = buffers[i].data();
  }
  auto context = eng.createExecutionContext();
  Status run = context->execute(batch, bindings.data());
  if (!run.isOk()) return {Verdict::kFailed, "execute: " + run.message()};

  std::vector<fs::path> outputFiles = numberedFiles(data, "output");
  if (static_cast<int>(outputFiles.size()) != model.graph().output_size())
    return {Verdict::kFailed, "the test data has " + std::to_string(outputFiles.size()) +
                                  " outputs, the graph " + std::to_string(model.graph().output_size())};
  std::string problems;
  size_t compared = 0;
  double worstDiff = 0;
  for (size_t j = 0; j < outputFiles.size(); ++j) {
    const std::string& name = model.graph().output(static_cast<int>(j)).name();
    int b = eng.bindingIndex(name);
    if (b < 0) return {Verdict::kFailed, "no binding for graph output '" + name + "'"};
    std::string diff = compare(name, buffers[b], eng.bindingShapeForBatch(b, batch),
                               readTensorFile(outputFiles[j]), compared, worstDiff);
    if (!diff.empty()) problems += (problems.empty() ? "" : "; ") + diff;
  }
  if (!problems.empty()) return {Verdict::kFailed, problems};
  std::ostringstream os;
  os << compared << " values, max |diff| " << worstDiff << ", " << net->layers().size() << " layers";
  return {Verdict::kPassed, os.str()};
}

Outcome runTest(const fs::path& dir) {
  try {
    std::string modelPath = (dir / "model.onnx").string();
    std::vector<uint8_t> bytes = readFileBytes(modelPath);
    auto model = onnx_import::parseModelBytes(bytes.data(), bytes.size(), modelPath);
    std::vector<fs::path> sets;
    for (const auto& d : sortedDirs(dir))
      if (d.filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(d);
    if (sets.empty()) return {Verdict::kFailed, "no test_data_set_* folder"};
    Outcome o;
    for (const auto& set : sets) {
      o = runDataSet(*model, modelPath, set);
      if (sets.size() > 1) o.reason = set.filename().string() + ": " + o.reason;
      if (o.verdict != Verdict::kPassed) return o;
    }
    return o;
  } catch (const onnx_import::UnsupportedError& e) {
    return {Verdict::kUnsupported, e.what()};
  } catch (const std::exception& e) {
    return {Verdict::kFailed, e.what()};
  }
}

TEST(OnnxConformance, AllTestsOfSupportedOperatorsPass) {
  fs::path root = conformanceDir();
  if (!fs::is_directory(root / "node")) GTEST_SKIP() << "no ONNX conformance data at " << root;
  const char* filter = std::getenv("INT8RT_CONFORMANCE_FILTER");
  bool verbose = std::getenv("INT8RT_CONFORMANCE_VERBOSE") != nullptr;
  int passed = 0, failed = 0, unsupportedCount = 0;
  std::vector<std::string> failures, unsupportedList;
  for (const fs::path& dir : testFolders(root)) {
    std::string name = dir.lexically_relative(root).string();
    if (filter && name.find(filter) == std::string::npos) continue;
    Outcome o = runTest(dir);
    switch (o.verdict) {
      case Verdict::kPassed:
        ++passed;
        if (verbose) std::cout << "  PASSED " << name << ": " << o.reason << "\n";
        break;
      case Verdict::kFailed:
        ++failed;
        failures.push_back(name + ": " + o.reason);
        break;
      case Verdict::kUnsupported:
        ++unsupportedCount;
        unsupportedList.push_back(name + ": " + o.reason);
        break;
    }
  }
  std::cout << "unsupported (skipped, with the importer's reason):\n";
  for (const auto& u : unsupportedList) std::cout << "  SKIPPED " << u << "\n";
  if (!failures.empty()) {
    std::cout << "failures:\n";
    for (const auto& f : failures) std::cout << "  FAILED " << f << "\n";
  }
  std::cout << "onnx conformance: " << passed << " passed, " << failed << " failed, "
            << unsupportedCount << " unsupported" << std::endl;
  EXPECT_EQ(failed, 0) << "failing conformance tests:\n" << [&] {
    std::string s;
    for (const auto& f : failures) s += "  " + f + "\n";
    return s;
  }();
}

}  // namespace
}  // namespace int8rt

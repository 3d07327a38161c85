#include "sample_options.h"

#include "backends/cuda_bridge.h"
#include "core/error.h"
#include "core/file_io.h"

namespace int8rt::sample {

namespace {

int parseCount(const std::string& arg, const std::string& value, int lo, int hi) {
  size_t used = 0;
  long v = -1;
  try {
    v = std::stol(value, &used);
  } catch (...) {
    used = 0;
  }
  if (used != value.size() || value.empty()) fail("argument '", arg, "': not an integer");
  if (v < lo || v > hi) fail("argument '", arg, "': must be in ", lo, "..", hi);
  return static_cast<int>(v);
}

}  // namespace

std::string sampleUsage() {
  return "usage: sample_int8 <network> [batch=N] [start=N] [score=N] [search] [legacy] "
         "[device=cpu|cuda] [--datadir=DIR]...\n"
         "  network   name of the network: files in data/int8/<network>/ or data/<network>/\n"
         "  batch=N   scoring batch size, 1..128 (default 100)\n"
         "  start=N   first scoring batch (default 100; earlier batches calibrate)\n"
         "  score=N   number of scoring batches (default 400)\n"
         "  search    search the legacy calibrator's (cutoff, quantile) grid, scored on the\n"
         "            images after the calibration ones (at most 2000, before start), then run\n"
         "            INT8 with the best\n"
         "  legacy    use the legacy calibrator (cutoff 1, quantile 0.999999) instead of entropy\n"
         "  device=D  cpu or cuda (default: cuda when a GPU is present, else cpu)\n"
         "  --datadir=DIR  look for the network's files in DIR first (repeatable)\n";
}

SampleOptions parseSampleOptions(const std::vector<std::string>& args) {
  SampleOptions o;
  for (const std::string& a : args) {
    auto value = [&](const char* prefix) { return a.substr(std::string(prefix).size()); };
    if (a == "--help" || a == "-h") o.help = true;
    else if (a.rfind("batch=", 0) == 0) o.batch = parseCount(a, value("batch="), 1, 128);
    else if (a.rfind("start=", 0) == 0) o.start = parseCount(a, value("start="), 0, 1 << 24);
    else if (a.rfind("score=", 0) == 0) o.score = parseCount(a, value("score="), 1, 1 << 24);
    else if (a == "search") o.search = true;
    else if (a == "legacy") o.legacy = true;
    else if (a == "device=cpu") o.device = DeviceType::kCPU;
    else if (a == "device=cuda") o.device = DeviceType::kCUDA;
    else if (a.rfind("device=", 0) == 0) fail("argument '", a, "': device must be cpu or cuda");
    else if (a.rfind("--datadir=", 0) == 0) {
      std::string d = value("--datadir=");
      if (d.empty()) fail("argument '", a, "': empty directory");
      o.dataDirs.push_back(d);
    } else if (o.network.empty() && !a.empty() && a[0] != '-' && a.find('=') == std::string::npos) {
      o.network = a;
    } else {
      fail("Unrecognized argument: ", a);
    }
  }
  if (o.network.empty() && !o.help) fail("no network name given");
  return o;
}

DeviceType resolveDevice(const SampleOptions& opt) {
  if (opt.device) return *opt.device;
  return cudabridge::built() && cudabridge::unavailableReason().empty() ? DeviceType::kCUDA
                                                                        : DeviceType::kCPU;
}

SampleFiles locateSampleFiles(const SampleOptions& opt) {
  std::vector<std::string> dirs = opt.dataDirs;
  dirs.push_back("data/int8/" + opt.network);
  dirs.push_back("data/" + opt.network);
  std::string model = (opt.network == "mnist" ? "mnist_lenet" : opt.network) + ".caffemodel";
  for (const std::string& d : dirs) {
    if (!fileExists(d + "/deploy.prototxt")) continue;
    SampleFiles f;
    f.dir = d;
    f.prototxt = d + "/deploy.prototxt";
    f.caffemodel = d + "/" + model;
    f.batches = d + "/batches";
    f.calibrationCache = d + "/CalibrationTable" + opt.network;
    if (!fileExists(f.caffemodel)) fail(f.caffemodel, ": missing (deploy.prototxt is in ", d, ")");
    if (!isDirectory(f.batches)) fail(f.batches, ": missing batch directory");
    return f;
  }
  std::string tried;
  for (const auto& d : dirs) tried += (tried.empty() ? "" : ", ") + d;
  fail("could not find deploy.prototxt for network '", opt.network, "' (looked in ", tried, ")");
}

}  // namespace int8rt::sample

// sample_int8: TensorRT's sampleINT8 workflow on int8rt (CONTRACTS.md §6). Scores a Caffe
// network at FP32, FP16 and INT8 on the same batches and prints the sample's exact output, on
// the GPU when one is present (device=cpu|cuda chooses).
// `search` runs the legacy grid search (sample_search.h) before the INT8 run, which then uses
// the best (cutoff, quantile) with the legacy calibrator.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "backends/cuda_bridge.h"
#include "core/error.h"
#include "core/file_io.h"
#include "sample_options.h"
#include "int8rt/builder.h"
#include "sample_runner.h"
#include "sample_search.h"

int main(int argc, char** argv) {
  using namespace int8rt;
  using namespace int8rt::sample;
  SampleOptions opt;
  try {
    opt = parseSampleOptions(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    std::cerr << e.what() << "\n" << sampleUsage();
    return 2;
  }
  if (opt.help) {
    std::cout << sampleUsage();
    return 0;
  }
  try {
    // device=cuda without a usable GPU: the reason, before any run starts.
    if (resolveDevice(opt) == DeviceType::kCUDA && !cudabridge::unavailableReason().empty())
      fail("device=cuda: ", cudabridge::unavailableReason());
    SampleFiles files = locateSampleFiles(opt);
    if (opt.search) validationRange(opt, files);  // fail before the runs, not after them
    for (Precision p : {Precision::kFP32, Precision::kFP16, Precision::kINT8}) {
      // The search needs the INT8 path: where the device has none, the INT8 run below says so.
      if (p == Precision::kINT8 && opt.search && platformHasFastInt8(resolveDevice(opt))) {
        SearchOutcome best = searchLegacyGrid(opt, files);
        opt.legacy = true;
        opt.legacyCutoff = best.cutoff;
        opt.legacyQuantile = best.quantile;
      }
      RunOutcome r = runPrecision(opt, files, p);
      if (!r.created) std::cout << "Engine could not be created at this precision" << std::endl;
    }
  } catch (const Error& e) {
    std::cerr << "sample_int8: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

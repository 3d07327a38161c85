// int8rt: build, calibrate, run, score, compare and inspect engines from the command line.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

const char* kUsage =
    "usage: int8rt <command> [options]\n"
    "\n"
    "commands:\n"
    "  build     parse a model (ONNX or Caffe) and write an optimized plan\n"
    "  infer     run a model or plan on ONNX TensorProto inputs, write one .pb per output\n"
    "  calibrate run INT8 calibration only and write the calibration cache\n"
    "  score     top-1 / top-5 and timing of a model or plan on labelled batch files\n"
    "            (--compare: the FP32 and INT8 engines of a model side by side)\n"
    "  compare   per-layer FP32-vs-INT8 diagnostics: SQNR, cosine, max error, clipping\n"
    "  batches   write batch files from MNIST-format idx images and labels\n"
    "  inspect   show layers, shapes, chosen kernels and plan metadata\n"
    "\n"
    "'int8rt <command> --help' describes a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace int8rt::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("int8rt %s\n", INT8RT_VERSION_STRING);
    return 0;
  }
  std::string cmd = argv[1];
  Args args(argv + 2, argv + argc);
  if (cmd == "build") return cmdBuild(args);
  if (cmd == "infer") return cmdInfer(args);
  if (cmd == "score") return cmdScore(args);
  if (cmd == "batches") return cmdBatches(args);
  if (cmd == "inspect") return cmdInspect(args);
  if (cmd == "calibrate") return cmdCalibrate(args);
  if (cmd == "compare") return cmdCompare(args);
  std::fprintf(stderr, "int8rt: unknown command '%s' (see int8rt --help)\n", cmd.c_str());
  return 2;
}

// Where a command's engine comes from: a plan file (--plan) or a model built on the spot
// (--model [--weights]) with the build options shared by build, score, infer, inspect and
// compare, INT8 calibration options included.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/runtime.h"
#include "options.h"
#include "quant/batch_stream_calibrator.h"

namespace int8rt::cli {

// The options every command that builds accepts (the INT8 ones included).
std::vector<OptionSpec> buildOptionSpecs();
// Calibration data and algorithm: part of the build options, and what `calibrate` takes.
std::vector<OptionSpec> calibrationOptionSpecs();

// The builder's and calibration's log for a command: warnings ("warning: ...") always reach
// stderr (a recalibration, an ignored name); progress lines only when verbose.
std::function<void(const std::string&)> commandLog(bool verbose);
// --device: kCPU when absent; a value other than cpu or cuda is a usage error.
DeviceType deviceFrom(const Options& o);
// BuilderConfig from the options, INT8 sources aside (no calibrator, --int8 not checked).
BuilderConfig builderConfigFrom(const Options& o, bool verbose);
// Parses --model/--weights; errors name the files.
std::unique_ptr<Network> loadNetwork(const Options& o);

// The batch-file calibrator --calib and its options describe (--calib-cache as its cache file
// when given and readCache). Usage errors for options the algorithm does not take; an error
// naming the directory when it holds less than one calibration batch.
BatchStreamCalibrator::Options calibrationDataFrom(const Options& o);
// Calibration batches per pass that calibrationDataFrom's options will serve.
int calibrationBatchCount(const BatchStreamCalibrator::Options& data);

enum class Precision { kFromOptions, kFp32, kInt8 };

// A build configuration and the calibrator it points to: the calibrator must outlive the build
// (the builder reads its cache and batches through config.calibrator).
struct BuildSetup {
  BuilderConfig config;
  std::unique_ptr<IInt8Calibrator> calibrator;
};
// kFromOptions: INT8 when --int8 is given, which then needs --calib, --calib-cache or
// --dynamic-range (usage error otherwise; those options without --int8 are usage errors too).
// kInt8 forces INT8 (same sources required), kFp32 ignores the INT8 options. --dynamic-range
// sets the ranges on `net` (unknown tensor names: a warning).
BuildSetup buildSetupFrom(const Options& o, Network& net, bool verbose,
                          Precision precision = Precision::kFromOptions);

// Builds `net` with `setup` and loads the engine; errors name the model file.
std::unique_ptr<Engine> buildEngine(const Options& o, const Network& net, const BuildSetup& setup);
// --plan if given, else parse and build from --model. maxBatch overrides --max-batch when > 0.
std::unique_ptr<Engine> obtainEngine(const Options& o, int64_t maxBatch, bool verbose);

}  // namespace int8rt::cli

// Where a command's engine comes from: a plan file (--plan) or a model built on the spot
// (--model [--weights]) with the build options shared by build, score and infer.
#pragma once
#include <memory>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/runtime.h"
#include "options.h"

namespace int8rt::cli {

// The options every command that builds accepts.
std::vector<OptionSpec> buildOptionSpecs();
// BuilderConfig from those options (calibrator aside).
BuilderConfig builderConfigFrom(const Options& o, bool verbose);
// Parses --model/--weights; errors name the files.
std::unique_ptr<Network> loadNetwork(const Options& o);
// --plan if given, else parse and build from --model. maxBatch overrides --max-batch when > 0.
std::unique_ptr<Engine> obtainEngine(const Options& o, int64_t maxBatch, bool verbose);

}  // namespace int8rt::cli

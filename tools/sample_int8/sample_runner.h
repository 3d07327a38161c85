// One precision's run of sample_int8: build the engine (calibrating for INT8), score the
// scoring batches, print the sample's lines.
#pragma once
#include "eval/score.h"
#include "sample_options.h"

namespace int8rt::sample {

enum class Precision { kFP32, kFP16, kINT8 };

struct RunOutcome {
  bool created = false;
  ScoreResult score;
};

RunOutcome runPrecision(const SampleOptions& opt, const SampleFiles& files, Precision p);

}  // namespace int8rt::sample

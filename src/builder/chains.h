// Fused chains (CUDA builds): after every layer has its kernel, runs of consecutive layers
// that the device's chain kernel can run as one (cudabridge::timeChain: INT8 convolutions,
// pure reshapes, fully connected layers, each the only reader of the one before) are timed
// against their own kernels, and the faster is kept: the run's first layer then names the
// chain kernel ("<configuration>,layers=N") and the others kChainMemberKernel (plan.h).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "plan/plan.h"

namespace int8rt {

// A fused run: layers [first, last] of the plan's network.
struct FusedRun {
  size_t first = 0, last = 0;
};

// Rewrites plan.kernels / kernelConfigs for the runs it fuses and returns them (the memory
// planner needs them: the run's output is written when its first layer runs). shapes: the
// plan's tensor shapes at the max batch. Layers with a forced kernel are never fused.
std::vector<FusedRun> fuseChains(PlanData& plan, const std::vector<Shape>& shapes,
                                 const BuilderConfig& config,
                                 const std::function<void(const std::string&)>& log);

}  // namespace int8rt

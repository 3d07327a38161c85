// Tactic selection on the GPU (the bridge's chooseTactic); see cuda_tactics.cpp.
#pragma once
#include <string>

#include "backends/cuda_bridge.h"

namespace int8rt::cuda {

cudabridge::CudaTactic chooseCudaTactic(const KernelSetup& setup, DataType precision,
                                        int timingIterations, const std::string& forced,
                                        bool alwaysTime = false);

}  // namespace int8rt::cuda

// Tactic selection on the GPU (the bridge's chooseTactic); see cuda_tactics.cpp.
#pragma once
#include <cuda_runtime_api.h>

#include <functional>
#include <string>

#include "backends/cuda/device_buffer.h"
#include "backends/cuda_bridge.h"

namespace int8rt::cuda {

cudabridge::CudaTactic chooseCudaTactic(const KernelSetup& setup, DataType precision,
                                        int timingIterations, const std::string& forced,
                                        bool alwaysTime = false);

// Median time in microseconds of one call of `enqueue` (which enqueues work on `stream`),
// timed as replays of a CUDA graph of several calls (directly where capture fails).
double timeLaunches(const std::function<void()>& enqueue, int iterations, cudaStream_t stream);

// A device tensor of random values of the type (FP32 / FP16 in [-1, 1], INT8 in [-127, 127]).
DeviceBuffer randomTimingTensor(const Shape& shape, DataType type, uint32_t seed);

// The bridge's timeChain (cuda_chain_timing.cpp).
cudabridge::CudaChain timeCudaChain(const std::vector<KernelSetup>& layers,
                                    const std::vector<std::string>& kernels,
                                    const std::vector<std::string>& configs, int timingIterations);

}  // namespace int8rt::cuda

// The fused INT8 chain as a CUDA kernel object (see chain_kernel_host.cpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda::chain {

constexpr const char* kChainKernelName = "cuda_int8_chain";

// The kernel for `layers` (a run that chainRejection() accepts) in configuration `config`; its
// enqueue() takes the first layer's input and the last layer's output. Throws int8rt::Error.
std::unique_ptr<Kernel> createChainKernel(const std::vector<KernelSetup>& layers, const std::string& config);

}  // namespace int8rt::cuda::chain

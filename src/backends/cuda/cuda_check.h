// CUDA and cuBLASLt return codes as int8rt::Error: every call is checked, and the message
// names what was being done ("cudaMalloc of 12 MiB for the arena: out of memory").
#pragma once
#include <cuda_runtime_api.h>

#include "core/error.h"

namespace int8rt::cuda {

template <class... Parts>
void checkCuda(cudaError_t e, Parts&&... what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear a sticky-free error so later calls do not report it again
  fail(std::forward<Parts>(what)..., ": ", cudaGetErrorString(e));
}

// After a kernel launch: launch-configuration errors surface here, not at the next sync.
template <class... Parts>
void checkLaunch(Parts&&... what) {
  checkCuda(cudaGetLastError(), "launch of ", std::forward<Parts>(what)...);
}

}  // namespace int8rt::cuda

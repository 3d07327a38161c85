// Programmatic dependent launch (Hopper, sm_90): a kernel launched through launchKernel() may
// be scheduled while the kernel before it on the stream is still finishing, so its launch and
// prologue (index math, staging constant weights) overlap the previous kernel's tail. In a CUDA
// graph the dependency becomes a programmatic edge. LeNet-sized networks are a chain of
// microsecond kernels, where these gaps are a large share of the time.
//
// The rule for every kernel launched this way: call pdlWait() before the first access to global
// memory that another kernel of the network writes or reads (its input and output tensors,
// the workspace). Reading the kernel's own constant weights before it is fine. Without the
// attribute (pre-Hopper GPU, INT8RT_CUDA_PDL=0) pdlWait() returns at once.
#pragma once
#include <cuda_runtime.h>

#include <utility>

#include "backends/cuda/cuda_check.h"

namespace int8rt::cuda {

__device__ __forceinline__ void pdlWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Whether launches carry the programmatic-serialization attribute: sm >= 90 and the environment
// variable INT8RT_CUDA_PDL is not "0" (read once).
bool pdlEnabled();

// Launches kernel<<<grid, block, smem, stream>>>(args...) with the attribute when pdlEnabled(),
// plus a thread-block cluster of clusterX CTAs along x when clusterX > 1. Launch errors throw.
template <class... Params, class... Args>
void launchKernel(const char* what, void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem,
                  cudaStream_t stream, unsigned clusterX, Args&&... args) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  cudaLaunchAttribute attrs[2];
  unsigned n = 0;
  if (pdlEnabled()) {
    attrs[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attrs[n].val.programmaticStreamSerializationAllowed = 1;
    ++n;
  }
  if (clusterX > 1) {
    attrs[n].id = cudaLaunchAttributeClusterDimension;
    attrs[n].val.clusterDim.x = clusterX;
    attrs[n].val.clusterDim.y = 1;
    attrs[n].val.clusterDim.z = 1;
    ++n;
  }
  cfg.attrs = attrs;
  cfg.numAttrs = n;
  checkCuda(cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...), "launch of ", what);
}

}  // namespace int8rt::cuda

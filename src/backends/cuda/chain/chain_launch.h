// Host entry points of the fused INT8 chain kernel (chain_kernel.cu).
#pragma once
#include <cuda_runtime_api.h>

#include "backends/cuda/chain/chain_params.h"

namespace int8rt::cuda::chain {

// Allows the launch's dynamic shared memory; returns the CTAs that fit on one SM (0: none).
int prepareChain(int smemBytes);
// How many clusters of l.cluster CTAs fit on the GPU at once (0: the launch cannot run).
int maxActiveClusters(const ChainLaunch& l);
// One CTA per image (grid rounded up to whole clusters), thread-block clusters of l.cluster.
void launchChain(const ChainLaunch& l, cudaStream_t stream);

}  // namespace int8rt::cuda::chain

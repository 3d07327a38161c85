// The bias and activation after a cuDNN convolution that cuDNN cannot fuse (activations other
// than ReLU, identity with algorithms other than IMPLICIT_PRECOMP_GEMM): in place on the NCHW
// output, y = act(y + bias[channel]) in FP32 arithmetic with the CPU's activation bits
// (gemm_epilogue.cuh). bias may be null (no bias). Launch errors throw int8rt::Error.
#pragma once
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "backends/cuda/gemm/gemm_kernels.h"

namespace int8rt::cuda {

void launchChannelBiasActivation(float* y, const float* bias, int64_t count, int plane, int channels,
                                 DeviceActivation act, cudaStream_t stream);
void launchChannelBiasActivation(__half* y, const float* bias, int64_t count, int plane, int channels,
                                 DeviceActivation act, cudaStream_t stream);

}  // namespace int8rt::cuda

// Launcher of the patch-staged INT8 convolution (conv_int8_patch.cu).
#pragma once
#include <cuda_runtime_api.h>

#include "backends/cuda/conv/conv_patch.h"

namespace int8rt::cuda::conv {

// Sets the kernel instance's shared-memory limit for g.smemBytes and returns how many of its
// CTAs fit on one SM (call once from create(), not while capturing).
int preparePatchConv(const PatchGeometry& g, bool floatInput);

// Enqueues the convolution: a grid of min(bands, l.grid) x groups CTAs.
void launchPatchConv(const PatchLaunch& l, cudaStream_t stream);

}  // namespace int8rt::cuda::conv

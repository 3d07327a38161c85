// The launchers of the implicit-GEMM convolution kernels (one .cu file each) and the tile
// configurations they accept. A config string names the CTA tile "BMxBN" (output channels x
// output pixels); tileIndex() maps it to the template instance, or -1 when unknown.
#pragma once
#include <cuda_runtime_api.h>

#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::conv {

// Tiles of each kernel, in the order the launchers index them.
inline constexpr const char* kFp32Tiles[] = {"32x32", "32x64", "64x32", "64x64", "128x64"};
inline constexpr const char* kHmmaTiles[] = {"32x64", "32x128", "64x64", "64x128", "128x64", "64x32"};
inline constexpr const char* kImmaTiles[] = {"32x64", "32x128", "64x64", "64x128", "128x64", "64x32"};

// The k tile of every kernel: reductionPadded is a multiple of it.
constexpr int kReductionAlign = 32;
// mPadded is a multiple of the largest BM.
constexpr int kRowAlign = 128;

// FP32: weights [groups][reductionPadded][mPadded] float (transposed: a k row of the tile is
// contiguous), x/y float.
void launchConvFp32(const ConvLaunch& l, int tile, cudaStream_t stream);
// FP16: weights [groups][mPadded][reductionPadded] __half, x/y __half.
void launchConvHmma(const ConvLaunch& l, int tile, cudaStream_t stream);
// INT8: weights [groups][mPadded][reductionPadded] int8, x int8, y int8 or float (epi.outInt8).
void launchConvImma(const ConvLaunch& l, int tile, cudaStream_t stream);

}  // namespace int8rt::cuda::conv

// The NHWC FP16 tensor-core convolution (conv_nhwc_hmma.cu): host preparation (no CUDA calls,
// unit-testable) and the launcher. Input [N][H][W][C] and output [N][OH][OW][K], both FP16.
// The GEMM reduction is ordered (r, s, c), so that within one filter tap the channels are
// contiguous in memory: the im2col gather then moves `vec` channels per load (8 halves = 16
// bytes when C / groups is a multiple of 8, else 4 halves = 8 bytes when it is a multiple of 4;
// other channel counts are not supported).
#pragma once
#include <cuda_runtime_api.h>

#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::conv {

// Channels moved per load for channels-per-group cg: 8, 4, or 0 (not supported).
int nhwcVectorWidth(int64_t cg);

// A setup the NHWC kernel runs, apart from its formats (checked by the candidate's rule): a
// supported 2-D convolution without fused pool, FP16 everywhere, channels per group % 4 == 0.
bool supportedNhwcConv(const KernelSetup& s);

// One entry per `vec` reduction indices k = (kr * S + ks) * cg + c (c a multiple of vec):
// offset = (dy * W + dx) * C + c from the column's window origin, dyDx as in ConvTap; entries
// past the reduction are zero taps (dy = kNoTap). reductionPadded / vec entries.
std::vector<ConvTap> makeNhwcTapTable(const ConvGeometry& g, const ConvolutionParams& p, int vec);

// Weights [K][cg][R][S] -> [groups][mPadded][reductionPadded] in (r, s, c) order, zero padded.
std::vector<float> packNhwcWeights(const ConvGeometry& g, const ConvolutionParams& p);

// Launches the tile configuration `tile` (kHmmaTiles' order) with loads of `vec` halves; x
// must be 16-byte aligned. weights: packNhwcWeights as __half; taps: makeNhwcTapTable.
void launchConvNhwcHmma(const ConvLaunch& l, int tile, int vec, cudaStream_t stream);

}  // namespace int8rt::cuda::conv

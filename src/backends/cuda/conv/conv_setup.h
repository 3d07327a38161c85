// Host-side preparation of a CUDA convolution (no CUDA calls, unit-testable): what the kernels
// support, the GEMM geometry, the tap table of the implicit im2col and the weight packings.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::conv {

// A 2-D convolution (4-D NCHW input) the kernels can run, whatever the types: kernel, strides,
// pads and dilations of rank 2, groups dividing C and K, weights and bias of the right size, a
// known activation, planes below 2^14 and every tensor below 2^31 elements (int indexing).
// A fused max pool (ConvolutionParams::fusedMaxPool) is refused unless allowFusedPool (then the
// output shape must be the pooled one: window == stride, floor rounding).
bool supportedConv2d(const KernelSetup& s, bool allowFusedPool = false);

// An FP32 input that an INT8 convolution quantizes as it loads it (the device fusion of a
// quantize reformat into the convolution): the setup carries a positive, finite input scale.
bool quantizedOnLoad(const KernelSetup& s);

// The convolution's own output plane (before any fused pool), from the layer's parameters.
void convOutputPlane(const KernelSetup& s, int64_t& oh, int64_t& ow);

// From a supported setup (throws otherwise).
ConvGeometry makeConvGeometry(const KernelSetup& s);

// [reductionPadded] taps: r = (c * R + kr) * S + ks; taps past `reduction` are zero taps.
std::vector<ConvTap> makeTapTable(const ConvGeometry& g, const ConvolutionParams& p);

// Weights [K][cg*R*S] -> [groups][reductionPadded][mPadded] (FP32 kernel), zero padded.
std::vector<float> packWeightsTransposed(const ConvGeometry& g, const std::vector<float>& w);
// Weights [K][cg*R*S] -> [groups][mPadded][reductionPadded] (FP16 / INT8 kernels), zero padded.
std::vector<float> packWeightsRows(const ConvGeometry& g, const std::vector<float>& w);
std::vector<int8_t> packInt8Rows(const ConvGeometry& g, const std::vector<int8_t>& w);

// The kernels' view of a fused activation (linear fast path for NONE / RELU / LEAKY / CLIP).
ConvActivation makeConvActivation(const Activation& a);

// The tile used when the config string is empty: the largest tile that still gives at least
// one CTA per SM of an H100 (132) at this batch, else the smallest.
int defaultTile(const ConvGeometry& g, int64_t batch, const std::vector<std::string>& tiles);

// Every convolution kernel's check of a run: input [n, in] and output [n, out] (channels and
// plane each) with 1 <= n <= maxBatch; throws naming the layer otherwise.
void checkRunShapes(const Shape& xs, const Shape& ys, int64_t maxBatch,
                    const std::array<int64_t, 3>& in, const std::array<int64_t, 3>& out,
                    const std::string& layer);

}  // namespace int8rt::cuda::conv

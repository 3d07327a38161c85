// Host-side planning of the patch-staged INT8 convolution (conv_patch.h): which layers it runs,
// the band heights that fit shared memory, the band geometry and the patch tap table. No CUDA
// calls: unit-testable.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/conv/conv_patch.h"

namespace int8rt::cuda::conv {

// Weight rows a CTA stages (the MMA's M, 16 * MI with MI <= 8).
constexpr int kPatchMaxRows = 128;

// One configuration of the kernel: band rows, split reduction, warps per CTA, vectorized
// channels. Its string is "rows<N>[split][,w8][,hwc]" (4 warps and the (c, r, s) patch by
// default: the strings of older plans mean what they meant).
struct PatchVariant {
  int rows = 0;
  bool split = false;
  int warps = 4;
  bool hwc = false;
};
std::string patchConfigName(const PatchVariant& v);

// A 2-D convolution (fused max pool allowed) with at most 128 outputs per group whose smallest
// band fits kPatchSmemLimit; the types are the candidate's business.
bool patchShapeSupported(const KernelSetup& s);

// The band heights (conv output rows per CTA) worth timing, smallest first; empty when none
// fits. Config strings are "rows<N>" and, where the split reduction applies and fits,
// "rows<N>split" (patchConfigs).
std::vector<int> patchBandChoices(const KernelSetup& s);

// split: share the k tiles of a chunk among the CTA's idle warps when the band has fewer warp
// chunks than warps (kParts > 1 only where that is possible; see PatchGeometry).
std::vector<PatchVariant> patchVariants(const KernelSetup& s);
std::vector<std::string> patchConfigs(const KernelSetup& s);

PatchGeometry makePatchGeometry(const KernelSetup& s, int rows, bool split = false);
PatchGeometry makePatchGeometry(const KernelSetup& s, const PatchVariant& v);

// Whether the vectorized-channel patch applies: INT8 input, more than one channel per group.
bool patchHwcSupported(const KernelSetup& s);

// [reductionPadded / 32][tig 0..3][8] patch offsets of reduction indices
// kt * 32 + {4 tig + 0..3, 16 + 4 tig + 0..3} (the m16n8k32 B fragment's two words): for the
// (c, r, s) patch c * patchH * patchW + dy * patchW + dx, for the hwc patch
// (dy * patchW + dx) * cgPad + c (4-aligned: the kernel reads entries 0 and 4 as words).
// Padded taps read offset 0 (their weights are zero).
std::vector<uint16_t> makePatchTaps(const PatchGeometry& g, const ConvolutionParams& p);

// The layer's weights [k][cg][r][s] (already quantized) as the kernel stages them:
// [groups][mRows][reductionPadded] in the geometry's reduction order, zero elsewhere.
std::vector<int8_t> packPatchWeights(const PatchGeometry& g, const ConvolutionParams& p,
                                     const std::vector<int8_t>& quantized);

// The largest band that still gives two CTAs per SM of an H100 at this batch, else the smallest.
int defaultPatchRows(const KernelSetup& s, const std::vector<int>& choices);

}  // namespace int8rt::cuda::conv

// The plain-data launch of the patch-staged INT8 convolution (conv_int8_patch.cu), shared by
// the host (conv_patch_setup.cpp, C++20) and the kernel (C++17): only ints, floats, pointers.
// A CTA owns a band of `rows` output rows (full width) of one image and one group: it stages
// the band's whole receptive field (all input channels, zero padding included) into shared
// memory once, so that the im2col gather of the MMA fragments is a shared-memory byte load at
// patch offset colBase(n) + tap(r) with a host-precomputed tap table: no division, no bounds
// check per element. The group's weights (at most 128 rows) are staged once per CTA, and CTAs
// loop over bands (a persistent grid). The activated float outputs of the band go to shared
// memory, then a store pass applies the fused max pool (if any), requantizes and writes
// coalesced rows of the NCHW output.
#pragma once
#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::conv {

// Shared memory a band may use: two CTAs per SM on sm_80 / sm_90. Every kernel instance is
// allowed this much once, so that layers of different band sizes can share an instance.
constexpr int kPatchSmemLimit = 100 * 1024;

struct PatchGeometry {
  int c = 0, h = 0, w = 0;           // input
  int k = 0, cg = 0, kg = 0, groups = 1;
  int oh = 0, ow = 0;                // the convolution's output plane (before the pool)
  int poolH = 1, poolW = 1;          // fused max pool window (1x1: none)
  int ph = 0, pw = 0;                // stored output plane: oh / poolH, ow / poolW
  int strideH = 1, strideW = 1, padH = 0, padW = 0;
  int reductionPadded = 0;           // multiple of 32; taps past the real reduction are 0
  int mRows = 0;                     // weight rows staged: 16 * MI >= kg
  // The band: `rows` conv output rows (a multiple of poolH); its patch is patchH x patchW per
  // channel, origin (iy0 = row0 * strideH - padH, ix0 = -padW).
  int rows = 0, bandsPerImage = 0, usedRows = 0;  // usedRows = ph * poolH
  int patchH = 0, patchW = 0, patchBytes = 0;     // patchBytes = cg * patchH * patchW, 16-aligned
  int outStride = 0;                 // floats per channel row of the band tile (>= rows*ow + 1)
  int smemBytes = 0;                 // dynamic shared memory of the launch
  // wordCopy (padW == 0, patchW == w, w % 4 == 0): a channel's patch is one contiguous span of
  // whole input rows, copied as 4-element words with cp.async into a double buffer (the next
  // band's patch loads while this one computes): int8 words land in the patch itself; FP32
  // input lands as floats (rawBytes per buffer) and is quantized into the patch. Otherwise the
  // patch is gathered element by element (zero padding in W) before each band.
  bool wordCopy = false;
  bool floatIn = false;
  int rawBytes = 0;                  // one staging buffer (wordCopy): patch (int8) or 4 x (FP32)
  // Split reduction, for bands with fewer warp chunks than the CTA has warps (latency-bound
  // small batches): kParts warps per chunk share the k tiles, each chunk of a full band
  // (splitChunks of them) its own kParts warps; the partial int32 sums meet in shared memory.
  int kParts = 1, splitChunks = 1;
  // Warps per CTA (4 or 8): eight shorten each warp's share of a small band (latency-bound
  // batches); four leave more CTAs per SM for large batches. The tactic times both.
  int warps = 4;
  // Vectorized channels (INT8 input only, cg > 1): the patch is [patchH][patchW][cgPad] with
  // cgPad = cg rounded up to 4 and the reduction ordered (r, s, c), so that a B-fragment word
  // is 4 channels of one tap, one 32-bit shared load instead of four byte loads and packing.
  // The patch is transposed from the NCHW input as it is staged (no cp.async double buffer).
  // Without it cgPad is 1 and the reduction is ordered (c, r, s).
  bool hwc = false;
  int cgPad = 1;
  // The kernel applies the activation in its store pass, once per stored output, after the
  // fused pool's max: exact for a non-decreasing activation (max commutes with it). Any other
  // activation with a fused pool (this flag) is applied to each element of the window first,
  // and the pool is then not taken in registers.
  bool activateBeforePool = false;
};

struct PatchLaunch {
  PatchGeometry geo;
  ConvEpilogue epi;
  const unsigned short* taps = nullptr;  // [reductionPadded / 32][4 tig][8]: patch offsets
  const int8_t* weights = nullptr;       // [groups][mRows][reductionPadded], reduction order
                                         // (c, r, s), or (r, s, c) with cgPad channels (hwc)
  int weightGroupStride = 0;             // mPadded * reductionPadded
  const void* x = nullptr;               // int8, or float quantized on load (inScale > 0)
  bool xFloat = false;
  // fmaf(acc, mult, bias) with every mult >= 0 is non-decreasing in acc, so it commutes with
  // max: a pool taken in registers may take the max of the int32 accumulators (the activation
  // comes later, in the store pass; see PatchGeometry::activateBeforePool).
  bool poolOnAccumulators = false;
  float inScale = 0.f;
  void* y = nullptr;
  int batch = 0;
  int grid = 0;                          // CTAs per group (persistent loop over bands)
};

}  // namespace int8rt::cuda::conv

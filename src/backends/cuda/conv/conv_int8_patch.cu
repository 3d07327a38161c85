// The patch-staged INT8 convolution (see conv_patch.h for the plan): IMMA m16n8k32 with the
// whole receptive field of a band of output rows in shared memory, the CPU's Int8Epilogue bit
// for bit (fmaf(float(acc), mult, bias), activation), the fused max pool over the activated
// floats, then requantizeValue or the float, exactly as convolution_int8_ref followed by
// pooling_int8_ref (max commutes with the monotonic requantization).
#include "backends/cuda/conv/conv_device.cuh"
#include "backends/cuda/conv/conv_patch.h"
#include "backends/cuda/conv/conv_patch_launch.h"
#include "backends/cuda/conv/imma_s8.cuh"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda::conv {

namespace {

// The non-linear activations out of line: inlined at every accumulator they made the kernel
// tens of thousands of instructions long; the piecewise-linear ones stay on the inline path.
__device__ __noinline__ float activateSlow(float x, ConvActivation a) { return activate(x, a); }
__device__ __forceinline__ float activatePatch(float x, const ConvActivation& a) {
  return a.linear ? activateFast(x, a) : activateSlow(x, a);
}

struct Band {
  int b, row0;
};
__device__ __forceinline__ Band bandAt(const PatchGeometry& g, int band) {
  const int b = band / g.bandsPerImage;
  return {b, (band - b * g.bandsPerImage) * g.rows};
}

// wordCopy: starts the asynchronous copy of a band's patch (whole rows, zero outside the image;
// cp.async with a source size of 0 writes zeros) into `raw`: int8 words, or FP32 x 4.
template <bool kFloatIn, int kThreads>
__device__ __forceinline__ void issuePatchCopy(const PatchLaunch& l, unsigned char* raw, int band,
                                               int group, int tid) {
  const PatchGeometry& g = l.geo;
  const Band bd = bandAt(g, band);
  const int plane = g.h * g.w;
  const int chanBase = (bd.b * g.c + group * g.cg) * plane;
  const int first = (bd.row0 * g.strideH - g.padH) * g.w;  // the patch's first element in a plane
  const int wordsPerChan = g.patchH * g.w / 4;
  const float inv = 1.f / static_cast<float>(wordsPerChan);
#pragma unroll 1
  for (int i = tid; i < g.cg * wordsPerChan; i += kThreads) {
    const int c = fastDiv(i, inv), j = i - c * wordsPerChan;
    const int off = first + 4 * j;
    const bool inside = off >= 0 && off < plane;
    const int at = chanBase + c * plane + (inside ? off : 0);
    // The flat word index i is also the patch's (c * patchH * patchW + 4 j) / 4.
    if (kFloatIn)
      cpAsync16(raw + 16 * i, static_cast<const float*>(l.x) + at, inside);
    else
      cpAsync4(raw + 4 * i, static_cast<const int8_t*>(l.x) + at, inside);
  }
}

// Not wordCopy: gathers the band's patch element by element (padding in W), quantizing an FP32
// input on load; into the [channel][row][col] patch, or the [row][col][cgPad] one (g.hwc).
template <bool kFloatIn, int kThreads>
__device__ __forceinline__ void gatherPatch(const PatchLaunch& l, int8_t* patch, int band,
                                            int group, int tid) {
  const PatchGeometry& g = l.geo;
  const Band bd = bandAt(g, band);
  const int plane = g.h * g.w;
  const int chanBase = (bd.b * g.c + group * g.cg) * plane;
  const int iy0 = bd.row0 * g.strideH - g.padH;
  const int perChan = g.patchH * g.patchW;
  const float invChan = 1.f / static_cast<float>(perChan), invW = 1.f / static_cast<float>(g.patchW);
#pragma unroll 1
  for (int i = tid; i < g.cg * perChan; i += kThreads) {
    const int c = fastDiv(i, invChan), rem = i - c * perChan;
    const int py = fastDiv(rem, invW), px = rem - py * g.patchW;
    const int iy = iy0 + py, ix = px - g.padW;
    int8_t v = 0;
    if (static_cast<unsigned>(iy) < static_cast<unsigned>(g.h) &&
        static_cast<unsigned>(ix) < static_cast<unsigned>(g.w)) {
      const int off = chanBase + c * plane + iy * g.w + ix;
      v = kFloatIn ? dm::quantizeOne(__ldg(static_cast<const float*>(l.x) + off), l.inScale)
                   : static_cast<const int8_t*>(l.x)[off];
    }
    patch[g.hwc ? (py * g.patchW + px) * g.cgPad + c : i] = v;
  }
}

// The vectorized-channel patch (g.hwc, INT8 input): [patchH][patchW][cgPad] bytes, so that the
// four reduction indices of a B-fragment word (4 consecutive channels of one tap) are one
// 32-bit shared load. The NCHW input is read a word (4 pixels of a row) at a time where the rows
// allow and transposed on the way in; channels cg..cgPad-1 are left as they are (their weights
// are zero, and integer products with zero are zero).
template <int kThreads>
__device__ __forceinline__ void gatherPatchHwc(const PatchLaunch& l, int8_t* patch, int band,
                                               int group, int tid) {
  const PatchGeometry& g = l.geo;
  const Band bd = bandAt(g, band);
  const int plane = g.h * g.w;
  const int8_t* x = static_cast<const int8_t*>(l.x) + (bd.b * g.c + group * g.cg) * plane;
  const int iy0 = bd.row0 * g.strideH - g.padH;
  if (g.padW == 0 && g.patchW == g.w && g.w % 4 == 0) {
    const int wq = g.w / 4, perChan = g.patchH * wq;
    const float invChan = 1.f / static_cast<float>(perChan), invW = 1.f / static_cast<float>(wq);
#pragma unroll 1
    for (int i = tid; i < g.cg * perChan; i += kThreads) {
      const int c = fastDiv(i, invChan), rem = i - c * perChan;
      const int py = fastDiv(rem, invW), px = 4 * (rem - py * wq);
      const int iy = iy0 + py;
      uint32_t v = 0;
      if (static_cast<unsigned>(iy) < static_cast<unsigned>(g.h))
        v = *reinterpret_cast<const uint32_t*>(x + c * plane + iy * g.w + px);
      int8_t* dst = patch + (py * g.patchW + px) * g.cgPad + c;
#pragma unroll
      for (int j = 0; j < 4; ++j) dst[j * g.cgPad] = static_cast<int8_t>(v >> (8 * j));
    }
    return;
  }
  gatherPatch<false, kThreads>(l, patch, band, group, tid);
}

template <int MI, bool kFloatIn, int kWarps>
// At most 128 registers (4 CTAs of 4 warps or 2 of 8 per SM): the split reduction's second copy
// of the MMA loop otherwise raises the compiler's choice to ~166 and costs a third of the speed.
__global__ void __launch_bounds__(32 * kWarps, 16 / kWarps) convInt8PatchKernel(const PatchLaunch l) {
  constexpr int kThreads = 32 * kWarps;
  constexpr int NI = MI >= 8 ? 1 : 8 / MI;  // columns of 8 per warp chunk
  constexpr int kChunk = 8 * NI;
  extern __shared__ __align__(16) unsigned char smem[];
  const PatchGeometry& g = l.geo;
  const int kp = g.reductionPadded, wStride = kp + 16;
  unsigned char* sW = smem;
  const int tapsAt = g.mRows * wStride;
  const uint4* sTaps = reinterpret_cast<const uint4*>(smem + tapsAt);
  unsigned char* const sRaw0 = smem + tapsAt + 2 * kp;  // raw buffer b at sRaw0 + b * rawBytes
  const bool ownPatch = !g.wordCopy || kFloatIn;  // else the patch is the raw int8 buffer
  int8_t* sPatch = reinterpret_cast<int8_t*>(sRaw0 + 2 * g.rawBytes);
  float* sOut = reinterpret_cast<float*>(sRaw0 + 2 * g.rawBytes + (ownPatch ? g.patchBytes : 0));
  int* sQOff = reinterpret_cast<int*>(sOut + g.kg * g.outStride);
  // Split reduction (kParts > 1): the partial accumulators of parts 1.. [part - 1][chunk][i][lane].
  int* sRed = sQOff + (g.rows / g.poolH) * g.pw;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int gid = lane >> 2, tig = lane & 3;
  const int group = blockIdx.y;

  // Once per CTA, all asynchronous (one group with the first band's patch, so that the L2 / DRAM
  // latencies overlap): the group's weight rows and the tap table; then the window origins of
  // the pooled outputs of a band.
  const int bands = l.batch * g.bandsPerImage;
  {
    const int chunksPerRow = kp / 16;
    const uint4* src = reinterpret_cast<const uint4*>(l.weights + group * l.weightGroupStride);
    const float inv = 1.f / static_cast<float>(chunksPerRow);
#pragma unroll 1
    for (int i = tid; i < g.mRows * chunksPerRow; i += kThreads) {
      const int row = fastDiv(i, inv), ch = i - row * chunksPerRow;
      cpAsync16(sW + row * wStride + 16 * ch, src + i, true);
    }
    const uint4* tsrc = reinterpret_cast<const uint4*>(l.taps);
#pragma unroll 1
    for (int i = tid; i < kp / 8; i += kThreads)
      cpAsync16(smem + tapsAt + 16 * i, tsrc + i, true);
    const int nq = (g.rows / g.poolH) * g.pw;
#pragma unroll 1
    for (int q = tid; q < nq; q += kThreads) {
      const int qy = q / g.pw, qx = q - qy * g.pw;
      sQOff[q] = qy * g.poolH * g.ow + qx * g.poolW;
    }
  }
  // This thread's epilogue rows: m = 16 mi + gid + 8 h.
  float mult[MI][2], bias[MI][2];
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int m = 16 * mi + gid + 8 * h;
      const int k = group * g.kg + (m < g.kg ? m : 0);
      mult[mi][h] = __ldg(l.epi.mult + k);
      bias[mi][h] = __ldg(l.epi.bias + k);
    }
  // Everything above reads this layer's constants only, so it overlaps the previous kernel's
  // tail (programmatic dependent launch); the input patch must wait for that kernel.
  pdlWait();
  if (g.wordCopy && blockIdx.x < bands)
    issuePatchCopy<kFloatIn, kThreads>(l, sRaw0, blockIdx.x, group, tid);
  cpAsyncCommit();

  int buf = 0;
  for (int band = blockIdx.x; band < bands; band += gridDim.x, buf ^= 1) {
    const Band bd = bandAt(g, band);
    const int b = bd.b, row0 = bd.row0;
    const int rowsHere = min(g.rows, g.usedRows - row0);
    // The next band's patch streams in while this one computes (its buffer was last read
    // before the previous band's mid barrier). The group of the first band also holds the
    // weights and taps.
    if (g.wordCopy && band + gridDim.x < bands)
      issuePatchCopy<kFloatIn, kThreads>(l, sRaw0 + (buf ^ 1) * g.rawBytes, band + gridDim.x, group, tid);
    cpAsyncCommit();
    cpAsyncWaitOlder();
    __syncthreads();  // this band's patch landed; the previous band's store pass is done
    const int8_t* patch = reinterpret_cast<const int8_t*>(sRaw0 + buf * g.rawBytes);
    if (g.hwc) {
      if (!kFloatIn) gatherPatchHwc<kThreads>(l, sPatch, band, group, tid);
      __syncthreads();
      patch = sPatch;
    } else if (!g.wordCopy) {
      gatherPatch<kFloatIn, kThreads>(l, sPatch, band, group, tid);
      __syncthreads();
      patch = sPatch;
    } else if (kFloatIn) {
      const float4* raw = reinterpret_cast<const float4*>(sRaw0 + buf * g.rawBytes);
#pragma unroll 1
      for (int i = tid; i < g.patchBytes / 4; i += kThreads) {
        const float4 f = raw[i];
        reinterpret_cast<uint32_t*>(sPatch)[i] =
            packBytes(dm::quantizeOne(f.x, l.inScale), dm::quantizeOne(f.y, l.inScale),
                      dm::quantizeOne(f.z, l.inScale), dm::quantizeOne(f.w, l.inScale));
      }
      __syncthreads();
      patch = sPatch;
    }

    const int columns = rowsHere * g.ow;
    // A 2x2 pool is taken in registers when each warp chunk has pairs of 8-column blocks: block
    // 2j holds the top row and block 2j + 1 the bottom row of windows 4j..4j+3 of the chunk, so
    // accumulator columns 2 tig, 2 tig + 1 of both blocks are one window (window tig).
    const bool regPool = NI >= 2 && g.poolH == 2 && g.poolW == 2 && !g.activateBeforePool;
    const int windows = (rowsHere / 2) * g.pw;  // regPool: pooled outputs per channel of the band
    const int chunks = regPool ? (windows + 2 * NI - 1) / (2 * NI) : (columns + kChunk - 1) / kChunk;
    const int kTiles = kp / 32;
    // Reciprocals for fastDiv: a hardware integer division by a run-time value is some twenty
    // instructions, and this code runs cold once per CTA (instruction fetch dominates).
    const float invPw = 1.f / static_cast<float>(g.pw), invOw = 1.f / static_cast<float>(g.ow);
    // The MMAs of one warp chunk over k tiles [ktBegin, ktEnd).
    auto computeChunk = [&](int chunk, int ktBegin, int ktEnd, int (&acc)[MI][NI][4]) {
      const int8_t* colPtr[NI];
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) {
        int oy, ox;
        if (regPool) {
          int q = chunk * 2 * NI + (ni >> 1) * 4 + (gid >> 1);
          q = q < windows ? q : windows - 1;  // past the band: computed, never stored
          const int qy = fastDiv(q, invPw), qx = q - qy * g.pw;
          oy = 2 * qy + (ni & 1);
          ox = 2 * qx + (gid & 1);
        } else {
          int n = chunk * kChunk + ni * 8 + gid;
          n = n < columns ? n : columns - 1;
          oy = fastDiv(n, invOw);
          ox = n - oy * g.ow;
        }
        colPtr[ni] = patch + (oy * g.strideH * g.patchW + ox * g.strideW) * g.cgPad;
      }
#pragma unroll
      for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
#pragma unroll
          for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0;

      auto loadWeights = [&](uint32_t (&a)[MI][4], int kt) {
#pragma unroll
        for (int mi = 0; mi < MI; ++mi) loadA(a[mi], sW + 16 * mi * wStride + kt * 32, wStride, lane);
      };
      if (g.hwc) {
        // Each B word is 4 channels of one tap: two 32-bit loads per column block.
        for (int kt = ktBegin; kt < ktEnd; ++kt) {
          const uint4 t = sTaps[kt * 4 + tig];
          const int o0 = static_cast<int>(t.x & 0xffff), o4 = static_cast<int>(t.z & 0xffff);
          uint32_t a[MI][4];
          loadWeights(a, kt);
#pragma unroll
          for (int ni = 0; ni < NI; ++ni) {
            const uint32_t b0 = *reinterpret_cast<const uint32_t*>(colPtr[ni] + o0);
            const uint32_t b1 = *reinterpret_cast<const uint32_t*>(colPtr[ni] + o4);
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) imma(acc[mi][ni], a[mi], b0, b1);
          }
        }
        return;
      }
      for (int kt = ktBegin; kt < ktEnd; ++kt) {
        const uint4 t = sTaps[kt * 4 + tig];
        const int o[8] = {static_cast<int>(t.x & 0xffff), static_cast<int>(t.x >> 16),
                          static_cast<int>(t.y & 0xffff), static_cast<int>(t.y >> 16),
                          static_cast<int>(t.z & 0xffff), static_cast<int>(t.z >> 16),
                          static_cast<int>(t.w & 0xffff), static_cast<int>(t.w >> 16)};
        uint32_t a[MI][4];
        loadWeights(a, kt);
#pragma unroll
        for (int ni = 0; ni < NI; ++ni) {
          const int8_t* p = colPtr[ni];
          const uint32_t b0 = packBytes(p[o[0]], p[o[1]], p[o[2]], p[o[3]]);
          const uint32_t b1 = packBytes(p[o[4]], p[o[5]], p[o[6]], p[o[7]]);
#pragma unroll
          for (int mi = 0; mi < MI; ++mi) imma(acc[mi][ni], a[mi], b0, b1);
        }
      }
    };
    // The epilogue of one warp chunk's accumulators into the band tile sOut.
    auto epilogueChunk = [&](int chunk, const int (&acc)[MI][NI][4]) {
      // Accumulators: c0, c1 at row gid, columns 2 tig, 2 tig + 1; c2, c3 at row gid + 8.
      // The activation waits for the store pass (once per stored output, not unrolled here).
      auto epilogue = [&](int acc0, float m, float b) { return __fmaf_rn(static_cast<float>(acc0), m, b); };
      if (regPool) {
#pragma unroll
        for (int j = 0; j < NI / 2; ++j) {
          const int q = chunk * 2 * NI + j * 4 + tig;
          if (q >= windows) continue;
#pragma unroll
          for (int mi = 0; mi < MI; ++mi)
#pragma unroll
            for (int h = 0; h < 2; ++h) {
              const int m = 16 * mi + gid + 8 * h;
              if (m >= g.kg) continue;
              const int* top = acc[mi][2 * j];
              const int* bottom = acc[mi][2 * j + 1];
              float v;
              if (l.poolOnAccumulators) {
                // fmaf with mult >= 0 is non-decreasing in acc: its max is that of the max.
                v = epilogue(max(max(top[2 * h], top[2 * h + 1]), max(bottom[2 * h], bottom[2 * h + 1])),
                             mult[mi][h], bias[mi][h]);
              } else {
                v = fmaxf(fmaxf(epilogue(top[2 * h], mult[mi][h], bias[mi][h]),
                                epilogue(top[2 * h + 1], mult[mi][h], bias[mi][h])),
                          fmaxf(epilogue(bottom[2 * h], mult[mi][h], bias[mi][h]),
                                epilogue(bottom[2 * h + 1], mult[mi][h], bias[mi][h])));
              }
              sOut[m * g.outStride + q] = v;
            }
        }
        return;
      }
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) {
        const int n = chunk * kChunk + ni * 8 + 2 * tig;
        if (n >= columns) continue;
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int m = 16 * mi + gid + 8 * h;
            if (m >= g.kg) continue;
            const float v0 = epilogue(acc[mi][ni][2 * h], mult[mi][h], bias[mi][h]);
            const float v1 = epilogue(acc[mi][ni][2 * h + 1], mult[mi][h], bias[mi][h]);
            *reinterpret_cast<float2*>(sOut + m * g.outStride + n) = make_float2(v0, v1);
          }
      }
    };
    // Warp chunks in rounds of `stride`; with a split reduction (kParts > 1, one round) warp
    // part * stride + chunk takes the part's share of the k tiles, parts 1.. leave their int32
    // partial sums in shared memory and part 0 adds them (integer sums: exact in any order).
    // One call site each for the MMA loop and the epilogue keeps the cold code short.
    {
      constexpr int kAccWords = MI * NI * 4;
      const bool split = g.kParts > 1;
      const int stride = split ? g.splitChunks : kWarps;
      const int part = warp / stride, slot = warp - part * stride;
      for (int base = 0; base < chunks; base += stride) {
        const int chunk = base + slot;
        const bool active = part < g.kParts && chunk < chunks;
        int acc[MI][NI][4];
        if (active) computeChunk(chunk, part * kTiles / g.kParts, (part + 1) * kTiles / g.kParts, acc);
        if (split) {
          if (active && part > 0) {
            int* red = sRed + ((part - 1) * stride + slot) * kAccWords * 32 + lane;
#pragma unroll
            for (int mi = 0; mi < MI; ++mi)
#pragma unroll
              for (int ni = 0; ni < NI; ++ni)
#pragma unroll
                for (int e = 0; e < 4; ++e) red[((mi * NI + ni) * 4 + e) * 32] = acc[mi][ni][e];
          }
          __syncthreads();
          if (active && part == 0) {
            for (int p = 1; p < g.kParts; ++p) {
              const int* src = sRed + ((p - 1) * stride + slot) * kAccWords * 32 + lane;
#pragma unroll
              for (int mi = 0; mi < MI; ++mi)
#pragma unroll
                for (int ni = 0; ni < NI; ++ni)
#pragma unroll
                  for (int e = 0; e < 4; ++e) acc[mi][ni][e] += src[((mi * NI + ni) * 4 + e) * 32];
            }
          }
        }
        if (active && part == 0) epilogueChunk(chunk, acc);
        if (split) __syncthreads();  // the partial sums are read before the next round writes
      }
    }
    __syncthreads();

    // Store pass: max over each pool window (1x1 without a pool) of the activated floats,
    // then requantize; 4 consecutive outputs per thread where the rows allow (one 32-bit or
    // 128-bit store), coalesced along the NCHW rows.
    const int nq = (rowsHere / g.poolH) * g.pw;
    const int planeOut = g.ph * g.pw;
    const int outBase = (b * g.k + group * g.kg) * planeOut + (row0 / g.poolH) * g.pw;
    const bool pooled = g.poolH * g.poolW > 1 && !regPool;  // else sOut holds the outputs
    // sOut holds fmaf(acc, mult, bias) before the activation: a non-decreasing activation
    // commutes with the max (one activation per output); any other one (activateBeforePool)
    // is applied to each element of the window first.
    auto windowMax = [&](int m, int q) {
      const float* src = sOut + m * g.outStride + (pooled ? sQOff[q] : q);
      if (!pooled) return activatePatch(src[0], l.epi.act);
      if (g.activateBeforePool) {
        float v = activatePatch(src[0], l.epi.act);
        for (int dy = 0; dy < g.poolH; ++dy)
          for (int dx = 0; dx < g.poolW; ++dx) v = fmaxf(v, activatePatch(src[dy * g.ow + dx], l.epi.act));
        return v;
      }
      float v = src[0];
      for (int dy = 0; dy < g.poolH; ++dy)
        for (int dx = 0; dx < g.poolW; ++dx) v = fmaxf(v, src[dy * g.ow + dx]);
      return activatePatch(v, l.epi.act);
    };
    // One loop for both widths (a single, rolled copy of the window walk and the activation):
    // 4 outputs per item make one 32-bit store of an INT8 row.
    const int vec = nq % 4 == 0 && planeOut % 4 == 0 && outBase % 4 == 0 ? 4 : 1;
    const int nv = nq / vec;
    const float inv = 1.f / static_cast<float>(nv);
#pragma unroll 1
    for (int i = tid; i < g.kg * nv; i += kThreads) {
      const int m = fastDiv(i, inv), q = vec * (i - m * nv);
      const int idx = outBase + m * planeOut + q;
      uint32_t word = 0;
#pragma unroll 1
      for (int e = 0; e < vec; ++e) {
        const float v = windowMax(m, q + e);
        if (l.epi.outInt8)
          word |= static_cast<uint32_t>(static_cast<uint8_t>(requantize(v, l.epi.outInvScale))) << (8 * e);
        else
          static_cast<float*>(l.y)[idx + e] = v;
      }
      if (!l.epi.outInt8) continue;
      if (vec == 4)
        *reinterpret_cast<uint32_t*>(static_cast<int8_t*>(l.y) + idx) = word;
      else
        static_cast<int8_t*>(l.y)[idx] = static_cast<int8_t>(word);
    }
  }
}

template <int MI, bool kFloatIn, int kWarps>
void launchInstance(const PatchLaunch& l, cudaStream_t stream) {
  const int bands = l.batch * l.geo.bandsPerImage;
  const dim3 grid(bands < l.grid ? bands : l.grid, l.geo.groups);
  launchKernel("cuda_conv2d_int8_imma_patch", convInt8PatchKernel<MI, kFloatIn, kWarps>, grid,
               dim3(32 * kWarps), static_cast<size_t>(l.geo.smemBytes), stream, 1, l);
}

template <int MI, bool kFloatIn, int kWarps>
int prepareInstance(int smemBytes) {
  auto* fn = convInt8PatchKernel<MI, kFloatIn, kWarps>;
  checkCuda(cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize, kPatchSmemLimit),
            "cuda_conv2d_int8_imma_patch: shared memory of ", kPatchSmemLimit, " bytes");
  int perSm = 0;
  checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, fn, 32 * kWarps, smemBytes),
            "cuda_conv2d_int8_imma_patch: occupancy");
  return perSm < 1 ? 1 : perSm;
}

template <bool kFloatIn, int kWarps>
int prepareFor(int mRows, int smemBytes) {
  switch (mRows) {
    case 16: return prepareInstance<1, kFloatIn, kWarps>(smemBytes);
    case 32: return prepareInstance<2, kFloatIn, kWarps>(smemBytes);
    case 64: return prepareInstance<4, kFloatIn, kWarps>(smemBytes);
    case 128: return prepareInstance<8, kFloatIn, kWarps>(smemBytes);
  }
  fail("internal error: INT8 patch convolution of ", mRows, " rows");
}

template <bool kFloatIn, int kWarps>
void launchFor(const PatchLaunch& l, cudaStream_t stream) {
  switch (l.geo.mRows) {
    case 16: launchInstance<1, kFloatIn, kWarps>(l, stream); return;
    case 32: launchInstance<2, kFloatIn, kWarps>(l, stream); return;
    case 64: launchInstance<4, kFloatIn, kWarps>(l, stream); return;
    case 128: launchInstance<8, kFloatIn, kWarps>(l, stream); return;
  }
  fail("internal error: INT8 patch convolution of ", l.geo.mRows, " rows");
}

}  // namespace

int preparePatchConv(const PatchGeometry& g, bool floatInput) {
  check(g.warps == 4 || g.warps == 8, "internal error: INT8 patch convolution of ", g.warps, " warps");
  if (g.warps == 8)
    return floatInput ? prepareFor<true, 8>(g.mRows, g.smemBytes) : prepareFor<false, 8>(g.mRows, g.smemBytes);
  return floatInput ? prepareFor<true, 4>(g.mRows, g.smemBytes) : prepareFor<false, 4>(g.mRows, g.smemBytes);
}

void launchPatchConv(const PatchLaunch& l, cudaStream_t stream) {
  if (l.geo.warps == 8) {
    if (l.xFloat)
      launchFor<true, 8>(l, stream);
    else
      launchFor<false, 8>(l, stream);
  } else {
    if (l.xFloat)
      launchFor<true, 4>(l, stream);
    else
      launchFor<false, 4>(l, stream);
  }
}

}  // namespace int8rt::cuda::conv

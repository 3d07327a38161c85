// The fused INT8 chain kernel (see chain_params.h for the plan). Every stage reproduces the
// CPU's INT8 layer bit for bit: int32 accumulators (exact in any order, also when k-split
// parts meet by shared-memory atomics), fmaf(float(acc), mult, bias), the activation,
// requantizeValue; a fused max pool takes the max before the activation and requantization,
// which are non-decreasing (the setup admits only such activations with a pool), so it equals
// the max of the requantized values that pooling_int8_ref takes.
#include <cooperative_groups.h>

#include "backends/cuda/chain/chain_launch.h"
#include "backends/cuda/chain/chain_trace.cuh"
#include "backends/cuda/conv/conv_device.cuh"
#include "backends/cuda/conv/imma_s8.cuh"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/pdl.h"
#include "backends/cuda/warp_max.cuh"

namespace int8rt::cuda::chain {

namespace {

namespace cg = cooperative_groups;
using conv::activateLinear;
using conv::fastDiv;
using conv::fastRecip;
using conv::imma;
using conv::loadA;
using conv::packBytes;
using conv::requantize;

// The constants of each stage arrive by bulk copies (the TMA engine: one instruction per row
// instead of one cp.async per 16 bytes per thread), each stage's on its own mbarrier.
__device__ __forceinline__ unsigned smemAddress(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void barrierInit(uint64_t* bar) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(smemAddress(bar)) : "memory");
}
__device__ __forceinline__ void barrierExpectBytes(uint64_t* bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smemAddress(bar)), "r"(bytes)
               : "memory");
}
// Waits for a barrier's first phase: staged constants (the bulk copies) or pushed inputs (other
// CTAs' st.async). Both land in this CTA's shared memory and complete their bytes on this
// barrier, so the default acquire at CTA scope sees them (as with multicast TMA); an acquire at
// cluster scope would also invalidate the L1 cache (CCTL.IVALL) and wait for every global load
// in flight, ~3 % of the kernel's stall samples for nothing.
__device__ __forceinline__ void barrierWait(uint64_t* bar) {
  asm volatile(
      "{\n .reg .pred done;\n WAIT_%=:\n"
      " mbarrier.try_wait.parity.shared::cta.b64 done, [%0], 0;\n"
      " @!done bra WAIT_%=;\n}\n" ::"r"(smemAddress(bar))
      : "memory");
}
__device__ __forceinline__ void bulkCopy(void* dst, const void* src, unsigned bytes, uint64_t* bar) {
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(
          smemAddress(dst)),
      "l"(src), "r"(bytes), "r"(smemAddress(bar))
      : "memory");
}

// A convolution stage's weights, taps and epilogue constants, by bulk copies on `bar`. Only
// the k weight rows travel: rows past k of the last M tile feed accumulator rows that are never
// stored, so whatever shared memory holds there is harmless.
__device__ __forceinline__ void stageConv(const ConvStage& c, unsigned char* smem, uint64_t* bar) {
  const unsigned wBytes = c.k * (c.kp + 16);
  barrierExpectBytes(bar, wBytes + 2 * c.kp + 8 * c.constStride);
  bulkCopy(smem + c.wOffset, c.weights, wBytes, bar);
  bulkCopy(smem + c.tapsOffset, c.taps, 2 * c.kp, bar);
  bulkCopy(smem + c.constsOffset, c.consts, 8 * c.constStride, bar);
}

// A fully connected stage's weights and epilogue constants: the last stage's whole, a split
// stage's slice of this CTA (`rank`).
__device__ __forceinline__ void stageFc(const FcStage& s, int rank, unsigned char* smem, uint64_t* bar) {
  const unsigned wBytes = (s.last ? s.k : s.rows) * s.wStride;
  barrierExpectBytes(bar, wBytes + 8 * s.constStride);
  bulkCopy(smem + s.wOffset, s.last ? s.weights : s.weights + static_cast<int64_t>(rank) * wBytes, wBytes, bar);
  bulkCopy(smem + s.constsOffset, s.last ? s.consts : s.consts + 2 * rank * s.rows, 8 * s.constStride, bar);
}

// Zeroes `bytes` (a multiple of 16, 16-aligned) of shared memory, 16 bytes a store: a k-split
// convolution's accumulators (LeNet's conv2: 14 KiB) took ~430 cycles in 4-byte stores, one
// loop turn each. The callers' regions are multiples of 16 by construction: accumulator rows
// of accStride = 32m + 8 ints, split stages' rows a multiple of 16, planes' bytes.
__device__ __forceinline__ void zeroBytes(void* p, int bytes, int tid) {
  uint4* q = static_cast<uint4*>(p);
#pragma unroll 1
  for (int i = tid; i < bytes / 16; i += kThreads) q[i] = make_uint4(0, 0, 0, 0);
}

// A stage's fields, by value from the launch copy in shared memory, 16 bytes a load. Every warp
// reads every field it uses at each stage's start, all 16 warps at once, so these loads are on
// the critical path: the compiler's own field-by-field copy took ~22 loads of 4 and 8 bytes per
// warp and convolution stage, this one 11 (8 of 16 bytes; blocks holding no field the stage
// reads are dropped): ~1.5 % end to end, in alternating runs.
template <class T>
__device__ __forceinline__ T loadStaged(const T& staged) {
  static_assert(sizeof(T) % 16 == 0 && alignof(T) % 16 == 0, "a staged stage is loaded 16 bytes at a time");
  T t;
  uint4* dst = reinterpret_cast<uint4*>(&t);
  const uint4* src = reinterpret_cast<const uint4*>(&staged);
#pragma unroll
  for (int i = 0; i < static_cast<int>(sizeof(T) / 16); ++i) dst[i] = src[i];
  return t;
}

// Plane position i -> (channel, row, column) of the image, false in the zero border.
struct PlanePos {
  int ci, iy, ix;
  bool inside;
};
struct PlaneWalk {
  const Plane& p;
  int hw;
  float invHw, invWp, invC;
  __device__ explicit PlaneWalk(const Plane& plane)
      : p(plane), hw(plane.hp * plane.wp), invHw(fastRecip(hw)),
        invWp(fastRecip(plane.wp)), invC(fastRecip(plane.c)) {}
  __device__ PlanePos at(int i) const {
    PlanePos r;
    int rem;
    if (p.hwc) {
      rem = fastDiv(i, invC);  // the position in the padded plane
      r.ci = i - rem * p.c;
    } else {
      r.ci = fastDiv(i, invHw);
      rem = i - r.ci * hw;
    }
    const int py = fastDiv(rem, invWp);
    r.iy = py - p.padH;
    r.ix = rem - py * p.wp - p.padW;
    r.inside = i < p.c * hw && static_cast<unsigned>(r.iy) < static_cast<unsigned>(p.h) &&
               static_cast<unsigned>(r.ix) < static_cast<unsigned>(p.w);
    return r;
  }
};

// The raw input value at plane position i (FP32, or INT8 as a float) and whether it is inside
// the image (`valid` false: the CTA has no image); then its INT8 value (FP32 quantized on load,
// as the quantize reformat would; 0 in the border).
__device__ __forceinline__ float inputRaw(const ChainLaunch& l, const PlaneWalk& walk, int64_t base, int i,
                                         bool valid, bool& inside) {
  const Plane& p = walk.p;
  const PlanePos q = walk.at(i);
  inside = valid && i < p.bytes && q.inside;
  if (!inside) return 0.f;
  const int64_t at = base + (static_cast<int64_t>(q.ci) * p.h + q.iy) * p.w + q.ix;
  return l.xFloat ? __ldg(static_cast<const float*>(l.x) + at) : static_cast<float>(static_cast<const int8_t*>(l.x)[at]);
}
__device__ __forceinline__ int8_t inputQuantized(const ChainLaunch& l, float v, bool inside) {
  if (!inside) return 0;
  return l.xFloat ? dm::quantizeOne(v, l.inScale) : static_cast<int8_t>(v);
}

// The image's input plane, in two steps around the issue of the constants' bulk copies: the
// first 2 kThreads positions are read into registers first, so that their global-memory
// latency overlaps the issue (~500 cycles of LeNet's ~4,600 before conv1), then quantized
// and stored with any further positions.
struct InputHead {
  float raw[2];
  bool inside[2];
};
__device__ __forceinline__ int64_t inputBase(const ChainLaunch& l, int image) {
  return static_cast<int64_t>(image) * l.input.c * l.input.h * l.input.w;
}
__device__ __forceinline__ InputHead readInputHead(const ChainLaunch& l, int image, bool valid, int tid) {
  const PlaneWalk walk(l.input);
  InputHead h;
#pragma unroll
  for (int j = 0; j < 2; ++j) h.raw[j] = inputRaw(l, walk, inputBase(l, image), tid + j * kThreads, valid, h.inside[j]);
  return h;
}
__device__ void storeInput(const ChainLaunch& l, unsigned char* smem, const InputHead& h, int image, bool valid,
                           int tid) {
  const Plane& p = l.input;
  int8_t* dst = reinterpret_cast<int8_t*>(smem + p.offset);
#pragma unroll
  for (int j = 0; j < 2; ++j)
    if (tid + j * kThreads < p.bytes) dst[tid + j * kThreads] = inputQuantized(l, h.raw[j], h.inside[j]);
  const PlaneWalk walk(p);
#pragma unroll 1
  for (int i = tid + 2 * kThreads; i < p.bytes; i += kThreads) {
    bool inside;
    const float v = inputRaw(l, walk, inputBase(l, image), i, valid, inside);
    dst[i] = inputQuantized(l, v, inside);
  }
}

// The accumulator fragments of MI x NI tiles (rows 16 mi.., columns n0 + 8 ni..) into the
// int32 rows of `acc`: c0, c1 are row gid, columns n0, n0 + 1; c2, c3 row gid + 8. Written as
// column pairs, one condition per pair rather than per element (short code: it runs cold, once
// per CTA). A pair's second column may be the first past the plane: it lands in the row's
// padding (accStride > columns), never read.
template <int MI, int NI, bool ATOMIC>
__device__ __forceinline__ void storeAccumulators(const int (&c)[MI][NI][4], int* acc, int accStride, int k,
                                                  int columns, int gid, int n0) {
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) {
      const int m = 16 * mi + gid, n = n0 + 8 * ni;
      int* dst = acc + m * accStride + n;
      const bool col = n < columns, top = col && m < k, bottom = col && m + 8 < k;
      if (ATOMIC) {
        if (top) atomicAdd(dst, c[mi][ni][0]);
        if (top) atomicAdd(dst + 1, c[mi][ni][1]);
        if (bottom) atomicAdd(dst + 8 * accStride, c[mi][ni][2]);
        if (bottom) atomicAdd(dst + 8 * accStride + 1, c[mi][ni][3]);
      } else {
        if (top) *reinterpret_cast<int2*>(dst) = make_int2(c[mi][ni][0], c[mi][ni][1]);
        if (bottom) *reinterpret_cast<int2*>(dst + 8 * accStride) = make_int2(c[mi][ni][2], c[mi][ni][3]);
      }
    }
}

// A directPool chunk's epilogue: the thread's accumulators of output rows 2 py, 2 py + 1 and
// columns 2 px, 2 px + 1 are one 2 x 2 window per channel row; its max of the epilogue values,
// activated and requantized, goes straight to the output plane (channel rows past k skipped).
template <int MI>
__device__ __forceinline__ void storePooled(const int (&c)[MI][2][4], const ConvStage& s, unsigned char* smem,
                                            int group, int py, int px, int gid) {
  if (px >= s.out.w) return;
  const float* mult = reinterpret_cast<const float*>(smem + s.constsOffset);
  const float* bias = mult + s.constStride;
  const Plane& o = s.out;
  const int pos = (py + o.padH) * o.wp + px + o.padW;
  const int channelStride = o.hwc ? 1 : o.hp * o.wp;
  int8_t* dst = reinterpret_cast<int8_t*>(smem + o.offset) + (o.hwc ? pos * o.c : pos);
#pragma unroll
  for (int mi = 0; mi < MI; ++mi) {
    const int m0 = 16 * (MI * group + mi);
    if (m0 >= s.k) break;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int m = m0 + gid + 8 * h;
      if (m >= s.k) continue;
      const float ml = mult[m], b = bias[m];
      const float v0 = fmaxf(__fmaf_rn(static_cast<float>(c[mi][0][2 * h]), ml, b),
                             __fmaf_rn(static_cast<float>(c[mi][0][2 * h + 1]), ml, b));
      const float v1 = fmaxf(__fmaf_rn(static_cast<float>(c[mi][1][2 * h]), ml, b),
                             __fmaf_rn(static_cast<float>(c[mi][1][2 * h + 1]), ml, b));
      dst[m * channelStride] = requantize(activateLinear(fmaxf(v0, v1), s.act), s.outInvScale);
    }
  }
}

// The implicit GEMM of one convolution. Warps form teams, one per (M group, k part): an M
// group is kConvMi tiles of 16 output channels, a part a range of 32-deep k tiles; a team's
// warps take its column chunks in turn, a chunk kConvNi blocks of 8 output pixels whose B
// fragments are gathered from the input plane by the tap table (bytes, or words from an hwc
// plane). A part of one k tile (a small reduction, as a first convolution's) keeps its A
// fragments and taps in registers across chunks. One instance serves every convolution of the chain: the code the first one fetched
// (cold, from L2) is warm for the next.
__device__ void convMma(const ConvStage& s, unsigned char* smem, int* acc, int warp, int lane) {
  constexpr int MI = kConvMi, NI = kConvNi;
  const int gid = lane >> 2, tig = lane & 3;
  const int wStride = s.kp + 16, columns = s.oh * s.ow, kTiles = s.kp / 32;
  // Small-integer quotients by float reciprocals (fastDiv): an int division is ~25 instructions.
  const int groups = s.mi / MI, teams = groups * s.parts;
  const float invTeams = fastRecip(teams), invGroups = fastRecip(groups);
  const int members = fastDiv(kWarps, invTeams), member = fastDiv(warp, invTeams);
  if (member >= members) return;  // the planner keeps teams <= kWarps
  const int team = warp - member * teams, part = fastDiv(team, invGroups), group = team - part * groups;
  const int ktPer = fastDiv(kTiles + s.parts - 1, fastRecip(s.parts));
  const int ktBegin = part * ktPer, ktEnd = min(kTiles, ktBegin + ktPer);
  const bool single = ktEnd - ktBegin == 1;
  const unsigned char* sW = smem + s.wOffset + 16 * MI * group * wStride;
  const uint4* sTaps = reinterpret_cast<const uint4*>(smem + s.tapsOffset);
  const int8_t* in = reinterpret_cast<const int8_t*>(smem + s.in.offset);
  const float invOw = fastRecip(s.ow), invColBlocks = fastRecip(s.colBlocks);
  int* accGroup = acc + 16 * MI * group * s.accStride;
  const int kLeft = s.k - 16 * MI * group;
  const bool hwc = s.in.hwc;
  const int pixel = hwc ? s.in.c : 1;  // bytes between horizontal neighbours of the plane
  // Chunk `chunk`'s B fragment bases (directPool: rows 2 rowPair + ni, columns 8 colBlock +
  // gid, clamped: computed, not stored).
  auto chunkColumns = [&](int chunk, const int8_t* (&col)[NI], int& rowPair, int& colBlock) {
    rowPair = s.directPool ? fastDiv(chunk, invColBlocks) : 0;
    colBlock = chunk - rowPair * s.colBlocks;
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) {
      int oy, ox;
      if (s.directPool) {
        oy = 2 * rowPair + ni;
        ox = min(8 * colBlock + gid, s.ow - 1);
      } else {
        int n = chunk * 8 * NI + ni * 8 + gid;
        n = n < columns ? n : columns - 1;  // past the plane: computed, never stored
        oy = fastDiv(n, invOw), ox = n - oy * s.ow;
      }
      col[ni] = in + (oy * s.strideH * s.in.wp + ox * s.strideW) * pixel;
    }
  };
  // One k tile's B fragments (taps tk) of a chunk.
  auto gather = [&](const int8_t* const (&col)[NI], const uint4& tk, uint32_t (&b)[NI][2]) {
    const int o0 = tk.x & 0xffff, o1 = tk.x >> 16, o2 = tk.y & 0xffff, o3 = tk.y >> 16;
    const int o4 = tk.z & 0xffff, o5 = tk.z >> 16, o6 = tk.w & 0xffff, o7 = tk.w >> 16;
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) {
      const int8_t* p = col[ni];
      if (hwc) {  // k 4 tig.. and 16 + 4 tig..: one (r, s) each, 4 channels side by side
        b[ni][0] = *reinterpret_cast<const uint32_t*>(p + o0);
        b[ni][1] = *reinterpret_cast<const uint32_t*>(p + o4);
      } else {
        b[ni][0] = packBytes(p[o0], p[o1], p[o2], p[o3]);
        b[ni][1] = packBytes(p[o4], p[o5], p[o6], p[o7]);
      }
    }
  };
  auto finish = [&](const int (&c)[MI][NI][4], int chunk, int rowPair, int colBlock) {
    if (s.directPool) {
      static_assert(NI == 2, "a directPool chunk is two output rows");
      storePooled<MI>(c, s, smem, group, rowPair, 4 * colBlock + tig, gid);
      return;
    }
    const int n0 = chunk * 8 * NI + 2 * tig;
    if (s.parts == 1)
      storeAccumulators<MI, NI, false>(c, accGroup, s.accStride, kLeft, columns, gid, n0);
    else
      storeAccumulators<MI, NI, true>(c, accGroup, s.accStride, kLeft, columns, gid, n0);
  };
  uint32_t a[MI][4];
  if (single) {
    // One k tile: A and the taps stay in registers, and the next chunk's gathers are issued
    // before this chunk's MMAs and epilogue, so that their shared-memory latency overlaps.
    const uint4 t = sTaps[ktBegin * 4 + tig];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) loadA(a[mi], sW + 16 * mi * wStride + ktBegin * 32, wStride, lane);
    const int8_t* col[NI];
    int rowPair = 0, colBlock = 0;
    uint32_t b[NI][2];
    if (member < s.chunks) {
      chunkColumns(member, col, rowPair, colBlock);
      gather(col, t, b);
    }
#pragma unroll 1
    for (int chunk = member; chunk < s.chunks; chunk += members) {
      uint32_t bNext[NI][2];
      int rowPairNext = 0, colBlockNext = 0;
      if (chunk + members < s.chunks) {
        chunkColumns(chunk + members, col, rowPairNext, colBlockNext);
        gather(col, t, bNext);
      }
      int c[MI][NI][4];
#pragma unroll
      for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni) {
          c[mi][ni][0] = c[mi][ni][1] = c[mi][ni][2] = c[mi][ni][3] = 0;
          imma(c[mi][ni], a[mi], b[ni][0], b[ni][1]);
        }
      finish(c, chunk, rowPair, colBlock);
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) b[ni][0] = bNext[ni][0], b[ni][1] = bNext[ni][1];
      rowPair = rowPairNext, colBlock = colBlockNext;
    }
    return;
  }
#pragma unroll 1
  for (int chunk = member; chunk < s.chunks; chunk += members) {
    const int8_t* col[NI];
    int rowPair, colBlock;
    chunkColumns(chunk, col, rowPair, colBlock);
    int c[MI][NI][4];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) c[mi][ni][0] = c[mi][ni][1] = c[mi][ni][2] = c[mi][ni][3] = 0;
    // The next k tile's taps load while this one's gathers wait on theirs.
    uint4 tNext = sTaps[ktBegin * 4 + tig];
#pragma unroll 1
    for (int kt = ktBegin; kt < ktEnd; ++kt) {
      const uint4 t = tNext;
      if (kt + 1 < ktEnd) tNext = sTaps[(kt + 1) * 4 + tig];
#pragma unroll
      for (int mi = 0; mi < MI; ++mi) loadA(a[mi], sW + 16 * mi * wStride + kt * 32, wStride, lane);
      uint32_t b[NI][2];
      gather(col, t, b);
#pragma unroll
      for (int ni = 0; ni < NI; ++ni)
#pragma unroll
        for (int mi = 0; mi < MI; ++mi) imma(c[mi][ni], a[mi], b[ni][0], b[ni][1]);
    }
    finish(c, chunk, rowPair, colBlock);
  }
}

// Epilogue, pool, activation and requantization of a convolution into its output plane. PH,
// PW: the pool window when known at compile time (2 x 2, 1 x 1: unrolled), else 0.
template <int PH, int PW>
__device__ void convStoreWindow(const ConvStage& s, unsigned char* smem, const int* acc, int tid) {
  const Plane& out = s.out;
  int8_t* dst = reinterpret_cast<int8_t*>(smem + out.offset);
  const float* mult = reinterpret_cast<const float*>(smem + s.constsOffset);
  const float* bias = mult + s.constStride;
  const int poolH = PH ? PH : s.poolH, poolW = PW ? PW : s.poolW;
  const PlaneWalk walk(out);
  // Unrolled twice: each pass is a chain of dependent shared-memory reads and conversions, and
  // two in flight hide each other's latency.
#pragma unroll 2
  for (int i = tid; i < out.bytes; i += kThreads) {
    const PlanePos q = walk.at(i);
    // The border reads channel 0's first window (in bounds) and stores a zero: no branch.
    const int ci = q.inside ? q.ci : 0;
    const int* a = acc + (q.inside ? q.ci * s.accStride + q.iy * poolH * s.ow + q.ix * poolW : 0);
    const float m = mult[ci], b = bias[ci];
    float best = -INFINITY;
#pragma unroll
    for (int dy = 0; dy < poolH; ++dy)
#pragma unroll
      for (int dx = 0; dx < poolW; ++dx)
        best = fmaxf(best, __fmaf_rn(static_cast<float>(a[dy * s.ow + dx]), m, b));
    const int8_t v = requantize(activateLinear(best, s.act), s.outInvScale);
    dst[i] = q.inside ? v : int8_t(0);
  }
}

__device__ void convStore(const ConvStage& s, unsigned char* smem, const int* acc, int tid) {
  if (s.poolH == 2 && s.poolW == 2)
    convStoreWindow<2, 2>(s, smem, acc, tid);
  else if (s.poolH == 1 && s.poolW == 1)
    convStoreWindow<1, 1>(s, smem, acc, tid);
  else
    convStoreWindow<0, 0>(s, smem, acc, tid);
}

// Distributed shared memory by push: a producer stores 16-byte chunks into a consumer CTA's
// shared memory with st.async, which also counts the bytes on the consumer's mbarrier.
__device__ __forceinline__ unsigned clusterAddress(unsigned local, int rank) {
  unsigned r;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(r) : "r"(local), "r"(rank));
  return r;
}
__device__ __forceinline__ void pushChunk(const unsigned char* smem, int srcOffset, int dstOffset,
                                          const uint64_t* bar, int rank) {
  const uint4 v = *reinterpret_cast<const uint4*>(smem + srcOffset);
  asm volatile(
      "st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.s32 [%0], {%1, %2, %3, %4}, [%5];\n" ::"r"(
          clusterAddress(smemAddress(smem + dstOffset), rank)),
      "r"(v.x), "r"(v.y), "r"(v.z), "r"(v.w), "r"(clusterAddress(smemAddress(bar), rank))
      : "memory");
}
// This CTA's input vector of the first (split) fully connected stage, to row `rank` of every
// CTA's first gather area.
__device__ void pushVector(const ChainLaunch& l, const unsigned char* smem, const uint64_t* pushBars,
                           int rank, int tid) {
  const int q16 = l.fc[0].fpad / 16;
  const float inv = fastRecip(q16);
#pragma unroll 1
  for (int i = tid; i < l.cluster * q16; i += kThreads) {
    const int t = fastDiv(i, inv), c = 16 * (i - t * q16);
    pushChunk(smem, l.firstVectorOffset + c, l.gatherOffset[0] + rank * l.gatherStride + c, pushBars, t);
  }
}

// Split stage f's slice [cluster][rows] to the next stage: each CTA's gather area (the next is
// split: every image's rows) or each image's CTA's vector (the next is the last stage). Only
// the rows below the next stage's padded features travel.
__device__ void pushSlice(const ChainLaunch& l, int f, const unsigned char* smem, const uint64_t* pushBars,
                          int rank, int tid) {
  const FcStage& s = l.fc[f];
  const FcStage& n = l.fc[f + 1];
  const int c16 = max(0, min(s.rows, n.fpad - rank * s.rows)) / 16;
  const int images = n.last ? 1 : l.cluster, perTarget = images * c16;
  const int dst = (n.last ? l.vectorOffset : l.gatherOffset[(f + 1) % 2]) + rank * s.rows;
  const float invTarget = fastRecip(max(perTarget, 1)), invC = fastRecip(max(c16, 1));
#pragma unroll 1
  for (int i = tid; i < l.cluster * perTarget; i += kThreads) {
    const int t = fastDiv(i, invTarget), r = i - t * perTarget;
    const int img = fastDiv(r, invC), c = 16 * (r - img * c16);
    const int image = n.last ? t : img;
    pushChunk(smem, l.sliceOffset + image * s.rows + c, dst + img * l.gatherStride + c, pushBars + f + 1, t);
  }
}

// A split stage's rows [rank * rows, +rows) for the cluster's 8 image columns.
__device__ void fcMma(const ChainLaunch& l, const FcStage& s, unsigned char* smem, int* acc, int gatherOffset,
                      int warp, int lane) {
  const int gid = lane >> 2, tig = lane & 3, kTiles = s.fpad / 32;
  const unsigned char* sW = smem + s.wOffset;
  const unsigned char* sX = smem + gatherOffset + gid * l.gatherStride + 4 * tig;
  const float invTiles = fastRecip(s.mTiles);
#pragma unroll 1
  for (int item = warp; item < s.mTiles * s.parts; item += kWarps) {
    const int part = fastDiv(item, invTiles), mt = item - part * s.mTiles;
    const float invParts = fastRecip(s.parts);
    const int ktBegin = fastDiv(part * kTiles, invParts), ktEnd = fastDiv((part + 1) * kTiles, invParts);
    int c[4] = {0, 0, 0, 0};
    for (int kt = ktBegin; kt < ktEnd; ++kt) {
      uint32_t a[4];
      loadA(a, sW + mt * 16 * s.wStride + kt * 32, s.wStride, lane);
      const uint32_t b0 = *reinterpret_cast<const uint32_t*>(sX + kt * 32);
      const uint32_t b1 = *reinterpret_cast<const uint32_t*>(sX + kt * 32 + 16);
      imma(c, a, b0, b1);
    }
    int* dst = acc + (mt * 16 + gid) * kMaxCluster + 2 * tig;
    if (s.parts == 1) {
      *reinterpret_cast<int2*>(dst) = make_int2(c[0], c[1]);
      *reinterpret_cast<int2*>(dst + 8 * kMaxCluster) = make_int2(c[2], c[3]);
    } else {
#pragma unroll
      for (int e = 0; e < 4; ++e) atomicAdd(dst + 8 * kMaxCluster * (e >> 1) + (e & 1), c[e]);
    }
  }
}

// A split stage's epilogue into this CTA's slice [cluster][rows] (rows past k are zeros).
__device__ void fcSplitStore(const ChainLaunch& l, const FcStage& s, unsigned char* smem,
                             const int* acc, int sliceOffset, int rank, int tid) {
  int8_t* slice = reinterpret_cast<int8_t*>(smem + sliceOffset);
  const float* mult = reinterpret_cast<const float*>(smem + s.constsOffset);
  const float* bias = mult + s.constStride;
  const float inv = fastRecip(s.rows);
#pragma unroll 1
  for (int i = tid; i < l.cluster * s.rows; i += kThreads) {
    const int j = fastDiv(i, inv), r = i - j * s.rows;
    int8_t v = 0;
    if (rank * s.rows + r < s.k)
      v = requantize(activateLinear(__fmaf_rn(static_cast<float>(acc[r * kMaxCluster + j]), mult[r], bias[r]), s.act),
                     s.outInvScale);
    slice[j * s.rows + r] = v;
  }
}

// The last stage's outputs of one image: the optional softmax (one warp), else FP32 or
// requantized INT8 values.
__device__ void writeLastOutputs(const ChainLaunch& l, const FcStage& s, const float* sOut, int image,
                                 int warp, int lane, int tid) {
  const int64_t row = static_cast<int64_t>(image) * s.k;
  if (s.softmax) {
    if (warp != 0) return;
    float mx = -INFINITY;
    #pragma unroll 1
    for (int o = lane; o < s.k; o += 32) mx = fmaxf(mx, sOut[o]);
    mx = warpMax(mx);
    float total = 0.f;
    #pragma unroll 1
    for (int o = lane; o < s.k; o += 32) total += expf(sOut[o] - mx);
#pragma unroll
    for (int d = 16; d > 0; d /= 2) total += __shfl_xor_sync(0xffffffffu, total, d);
    #pragma unroll 1
    for (int o = lane; o < s.k; o += 32)
      static_cast<float*>(l.y)[row + o] = __fdiv_rn(expf(sOut[o] - mx), total);
    return;
  }
  #pragma unroll 1
  for (int o = tid; o < s.k; o += kThreads) {
    if (s.outInt8)
      static_cast<int8_t*>(l.y)[row + o] = requantize(sOut[o], s.outInvScale);
    else
      static_cast<float*>(l.y)[row + o] = sOut[o];
  }
}

// The last stage for this CTA's image: one warp per output, dp4a over the vector, then the
// epilogue, the optional softmax (as cuda_fc_int8_imma's: the maximum first, float sum,
// __fdiv_rn) and the store.
__device__ void lastStage(const ChainLaunch& l, const FcStage& s, unsigned char* smem,
                          const int8_t* vec, int image, bool valid, int warp, int lane, int tid) {
  const float* mult = reinterpret_cast<const float*>(smem + s.constsOffset);
  const float* bias = mult + s.constStride;
  float* sOut = reinterpret_cast<float*>(smem + l.accOffset);
  const int words = s.fpad / 4;
  const int* v4 = reinterpret_cast<const int*>(vec);
#pragma unroll 1
  for (int o = warp; o < s.k; o += kWarps) {
    const int* w4 = reinterpret_cast<const int*>(smem + s.wOffset + o * s.wStride);
    int sum = 0;
    // Unrolled: the loads of several words issue together (rolled, each waited in turn).
#pragma unroll 4
    for (int q = lane; q < words; q += 32) sum = __dp4a(w4[q], v4[q], sum);
    sum = __reduce_add_sync(0xffffffffu, sum);  // one REDUX, not five shuffles
    if (lane == 0) sOut[o] = activateLinear(__fmaf_rn(static_cast<float>(sum), mult[o], bias[o]), s.act);
  }
  __syncthreads();
  if (valid) writeLastOutputs(l, s, sOut, image, warp, lane, tid);
}

__global__ void __launch_bounds__(kThreads, 1) chainKernel(const __grid_constant__ ChainLaunch l) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  TRACE_DECL
  TRACE_GT0
  TRACE();
  // Every stage's constants arrive by bulk copies, one mbarrier per stage (in stage order),
  // issued while the input's first reads are in flight. Then one mbarrier per fully connected
  // stage for its pushed inputs; the cluster barrier's arrive here and wait before the first
  // push make every CTA's barriers ready before any other CTA pushes; the last one is the
  // launch copy's (chain_params.h, kBarriers). Thread 0 initializes them all before reading any
  // (cold) launch parameter: every thread waits for it.
  uint64_t* bars = reinterpret_cast<uint64_t*>(smem);
  if (tid == 0) {
#pragma unroll
    for (int g = 0; g < kBarriers; ++g) barrierInit(bars + g);
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();
  // Relaxed: fence.mbarrier_init already released the initializations to the cluster (a
  // release here would also wait for this CTA's other writes, ~1,000 cycles for nothing).
  if (l.cluster > 1) asm volatile("barrier.cluster.arrive.relaxed.aligned;\n" ::: "memory");
  uint64_t* pushBars = bars + l.nConv + l.nFc;
  const int rank = l.cluster > 1 ? static_cast<int>(cg::this_cluster().block_rank()) : 0;
  const int image = blockIdx.x;
  const bool valid = image < l.batch;
  // The input is the previous kernel's output: read only after the PDL wait (see storeInput).
  pdlWait();
  TRACE();
  // The first convolution's constants are needed first: they are asked for before the input,
  // ahead of the other stages' (~100 KiB per CTA, all CTAs at once: they queue in L2), and so
  // is the copy of the launch whose stage fields the stages read.
  if (tid == 0) {
    barrierExpectBytes(bars + kLaunchBarrier, l.launchBytes);
    bulkCopy(smem + l.launchOffset, l.deviceCopy, l.launchBytes, bars + kLaunchBarrier);
    if (l.nConv > 0) stageConv(l.conv[0], smem, bars);
  }
  const InputHead head = readInputHead(l, image, valid, tid);
  // The bytes each push barrier expects (the parameter's head), set while the input's reads are
  // in flight: thread 0's arrivals take a few hundred cycles, which after the launch copy's wait
  // (where they were, reading the staged fields) delayed the first convolution. Other CTAs may
  // push before this (their bytes take the transaction count below zero); the phase cannot
  // complete before this arrival.
  if (tid == 0) {
#pragma unroll 1
    for (int f = 0; f < l.nFc; ++f)
      if (l.pushBytes[f] > 0) barrierExpectBytes(pushBars + f, l.pushBytes[f]);
  }
  // Weights are packed with the shared-memory row stride: three copies per convolution stage,
  // two per fully connected one. One warp per stage issues them (a bulk copy's operands are
  // warp-uniform), so the cold parameter reads of the stages miss in parallel, not in turn.
  const int firstStaged = l.nConv > 0 ? 1 : 0;  // the first convolution's: above
  if (lane == 0 && warp >= firstStaged && warp < l.nConv) {
    stageConv(l.conv[warp], smem, bars + warp);
  } else if (lane == 0 && warp >= firstStaged && warp < l.nConv + l.nFc) {
    stageFc(l.fc[warp - l.nConv], rank, smem, bars + warp);
  }
  TRACE();
  storeInput(l, smem, head, image, valid, tid);
  TRACE_SYNC();

  int* acc = reinterpret_cast<int*>(smem + l.accOffset);
  barrierWait(bars + kLaunchBarrier);  // long arrived: the input's reads took longer
  const ChainLaunch& staged = *reinterpret_cast<const ChainLaunch*>(smem + l.launchOffset);
  int stage = 0;
#pragma unroll 1
  for (int s = 0; s < l.nConv; ++s, ++stage) {
    const ConvStage c = loadStaged(staged.conv[s]);  // by value from shared memory (see deviceCopy)
    __syncthreads();  // the previous stage's store pass has read the accumulators
    if (c.parts > 1) zeroBytes(acc, 4 * c.k * c.accStride, tid);
    // directPool writes only the image's positions: the border and padding are zeroed first.
    if (c.directPool) zeroBytes(smem + c.out.offset, c.out.bytes, tid);
    barrierWait(bars + stage);
    __syncthreads();  // constants staged, input plane written, accumulators / output zeroed
    TRACE();
    convMma(c, smem, acc, warp, lane);
    __syncthreads();
    TRACE();
    if (!c.directPool) convStore(c, smem, acc, tid);
    TRACE_SYNC();
  }

  if (!l.fc[0].last) {
    // Split stages' gather rows past the cluster stay zeros (no CTA pushes them).
    const int per = (kMaxCluster - l.cluster) * l.gatherStride / 16;
#pragma unroll 1
    for (int i = tid; i < 2 * per; i += kThreads) {
      const int g = i >= per, j = i - g * per;
      *reinterpret_cast<uint4*>(smem + l.gatherOffset[g] + l.cluster * l.gatherStride + 16 * j) = make_uint4(0, 0, 0, 0);
    }
    __syncthreads();  // the vector is complete
    if (l.cluster > 1) asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
    pushVector(l, smem, pushBars, rank, tid);
  }
#pragma unroll 1
  for (int f = 0; f < l.nFc; ++f, ++stage) {
    const FcStage s = loadStaged(staged.fc[f]);
    barrierWait(bars + stage);
    TRACE();
    if (!s.last) {
      __syncthreads();  // the previous stage's store pass has read the accumulators
      if (s.parts > 1) zeroBytes(acc, 4 * s.rows * kMaxCluster, tid);
      barrierWait(pushBars + f);
      __syncthreads();
      TRACE();
      fcMma(l, s, smem, acc, l.gatherOffset[f % 2], warp, lane);
      __syncthreads();
      TRACE();
      fcSplitStore(l, s, smem, acc, l.sliceOffset, rank, tid);
      __syncthreads();
      pushSlice(l, f, smem, pushBars, rank, tid);
      TRACE();
      continue;
    }
    // The last stage's vector: pushed by the split stage before it, or this CTA's own.
    const bool pushed = l.pushBytes[f] > 0;
    if (pushed) barrierWait(pushBars + f);
    __syncthreads();
    TRACE();
    const int8_t* vec = reinterpret_cast<const int8_t*>(smem + (pushed ? l.vectorOffset : l.firstVectorOffset));
    lastStage(l, s, smem, vec, image, valid, warp, lane, tid);
    TRACE_SYNC();
    // No CTA leaves while its pushes to the others may be in flight (they wait for them; this
    // costs no time: the kernel ends with its slowest CTA anyway). Relaxed: nothing is read
    // after it (a release arrive costs a GPU-scope MEMBAR, ~3 % of the stall samples).
    if (!l.fc[0].last && l.cluster > 1) {
      asm volatile("barrier.cluster.arrive.relaxed.aligned;\n" ::: "memory");
      asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
    }
    TRACE_END();
  }
}

}  // namespace

int prepareChain(int smemBytes) {
  checkCuda(cudaFuncSetAttribute(chainKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes),
            "cuda_int8_chain: shared memory of ", smemBytes, " bytes");
  int perSm = 0;
  checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, chainKernel, kThreads, smemBytes),
            "cuda_int8_chain: occupancy");
  return perSm;
}

int maxActiveClusters(const ChainLaunch& l) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(l.cluster * 64);
  cfg.blockDim = dim3(kThreads);
  cfg.dynamicSmemBytes = static_cast<size_t>(l.smemBytes);
  cudaLaunchAttribute attr;
  attr.id = cudaLaunchAttributeClusterDimension;
  attr.val.clusterDim.x = static_cast<unsigned>(l.cluster);
  attr.val.clusterDim.y = attr.val.clusterDim.z = 1;
  cfg.attrs = &attr;
  cfg.numAttrs = 1;
  int n = 0;
  checkCuda(cudaOccupancyMaxActiveClusters(&n, chainKernel, &cfg), "cuda_int8_chain: clusters of ",
            l.cluster, " CTAs with ", l.smemBytes, " bytes of shared memory each");
  return n;
}

void launchChain(const ChainLaunch& l, cudaStream_t stream) {
  if (l.batch <= 0) return;
  const int clusters = (l.batch + l.cluster - 1) / l.cluster;
  launchKernel("cuda_int8_chain", chainKernel, dim3(clusters * l.cluster), dim3(kThreads),
               static_cast<size_t>(l.smemBytes), stream, static_cast<unsigned>(l.cluster), l);
}

}  // namespace int8rt::cuda::chain

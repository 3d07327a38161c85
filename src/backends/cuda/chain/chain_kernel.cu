// The fused INT8 chain kernel (see chain_params.h for the plan). Every stage reproduces the
// CPU's INT8 layer bit for bit: int32 accumulators (exact in any order, also when k-split
// parts meet by shared-memory atomics), fmaf(float(acc), mult, bias), the activation,
// requantizeValue; a fused max pool takes the max before the activation and requantization,
// which are non-decreasing (the setup admits only such activations with a pool), so it equals
// the max of the requantized values that pooling_int8_ref takes.
#include <cooperative_groups.h>

#include "backends/cuda/chain/chain_launch.h"
#include "backends/cuda/conv/conv_device.cuh"
#include "backends/cuda/conv/imma_s8.cuh"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda::chain {

namespace {

namespace cg = cooperative_groups;
using conv::activateFast;
using conv::fastDiv;
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

__device__ __forceinline__ void clusterSync(const ChainLaunch& l) {
  if (l.cluster > 1)
    cg::this_cluster().sync();
  else
    __syncthreads();
}

__device__ __forceinline__ void zeroInts(int* p, int n, int tid) {
#pragma unroll 1
  for (int i = tid; i < n; i += kThreads) p[i] = 0;
}

// Plane position i -> (channel, row, column) of the image, false in the zero border.
struct PlanePos {
  int ci, iy, ix;
  bool inside;
};
struct PlaneWalk {
  const Plane& p;
  int hw;
  float invHw, invWp;
  __device__ explicit PlaneWalk(const Plane& plane)
      : p(plane), hw(plane.hp * plane.wp), invHw(1.f / static_cast<float>(hw)),
        invWp(1.f / static_cast<float>(plane.wp)) {}
  __device__ PlanePos at(int i) const {
    PlanePos r;
    r.ci = fastDiv(i, invHw);
    const int rem = i - r.ci * hw;
    const int py = fastDiv(rem, invWp);
    r.iy = py - p.padH;
    r.ix = rem - py * p.wp - p.padW;
    r.inside = i < p.c * hw && static_cast<unsigned>(r.iy) < static_cast<unsigned>(p.h) &&
               static_cast<unsigned>(r.ix) < static_cast<unsigned>(p.w);
    return r;
  }
};

// The image's input (FP32 quantized on load, as the quantize reformat would) into its plane.
__device__ void loadInput(const ChainLaunch& l, unsigned char* smem, int image, bool valid, int tid) {
  const Plane& p = l.input;
  int8_t* dst = reinterpret_cast<int8_t*>(smem + p.offset);
  const int64_t base = static_cast<int64_t>(image) * p.c * p.h * p.w;
  const PlaneWalk walk(p);
#pragma unroll 1
  for (int i = tid; i < p.bytes; i += kThreads) {
    const PlanePos q = walk.at(i);
    int8_t v = 0;
    if (valid && q.inside) {
      const int64_t at = base + (static_cast<int64_t>(q.ci) * p.h + q.iy) * p.w + q.ix;
      v = l.xFloat ? dm::quantizeOne(__ldg(static_cast<const float*>(l.x) + at), l.inScale)
                   : static_cast<const int8_t*>(l.x)[at];
    }
    dst[i] = v;
  }
}

// The implicit GEMM of one convolution: warps take (column chunk, k part) items; a chunk is NI
// blocks of 8 output pixels, B gathered from the input plane by the tap table.
template <int MI>
__device__ void convMma(const ConvStage& s, unsigned char* smem, int* acc, int warp, int lane) {
  constexpr int NI = MI >= 8 ? 1 : 8 / MI;
  const int gid = lane >> 2, tig = lane & 3;
  const int wStride = s.kp + 16, columns = s.oh * s.ow, kTiles = s.kp / 32;
  const unsigned char* sW = smem + s.wOffset;
  const uint4* sTaps = reinterpret_cast<const uint4*>(smem + s.tapsOffset);
  const int8_t* in = reinterpret_cast<const int8_t*>(smem + s.in.offset);
  const float invOw = 1.f / static_cast<float>(s.ow);
  const float invChunks = 1.f / static_cast<float>(s.chunks);
#pragma unroll 1
  for (int item = warp; item < s.chunks * s.parts; item += kWarps) {
    const int part = fastDiv(item, invChunks), chunk = item - part * s.chunks;
    const int ktBegin = part * kTiles / s.parts, ktEnd = (part + 1) * kTiles / s.parts;
    const int8_t* col[NI];
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) {
      int n = chunk * 8 * NI + ni * 8 + gid;
      n = n < columns ? n : columns - 1;  // past the plane: computed, never stored
      const int oy = fastDiv(n, invOw), ox = n - oy * s.ow;
      col[ni] = in + oy * s.strideH * s.in.wp + ox * s.strideW;
    }
    int c[MI][NI][4];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) c[mi][ni][0] = c[mi][ni][1] = c[mi][ni][2] = c[mi][ni][3] = 0;
    for (int kt = ktBegin; kt < ktEnd; ++kt) {
      const uint4 t = sTaps[kt * 4 + tig];
      const int o0 = t.x & 0xffff, o1 = t.x >> 16, o2 = t.y & 0xffff, o3 = t.y >> 16;
      const int o4 = t.z & 0xffff, o5 = t.z >> 16, o6 = t.w & 0xffff, o7 = t.w >> 16;
      uint32_t a[MI][4];
#pragma unroll
      for (int mi = 0; mi < MI; ++mi) loadA(a[mi], sW + 16 * mi * wStride + kt * 32, wStride, lane);
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) {
        const int8_t* p = col[ni];
        const uint32_t b0 = packBytes(p[o0], p[o1], p[o2], p[o3]);
        const uint32_t b1 = packBytes(p[o4], p[o5], p[o6], p[o7]);
#pragma unroll
        for (int mi = 0; mi < MI; ++mi) imma(c[mi][ni], a[mi], b0, b1);
      }
    }
    // c0, c1: row gid, columns 2 tig, 2 tig + 1; c2, c3: row gid + 8.
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int m = 16 * mi + gid + 8 * (e >> 1), n = chunk * 8 * NI + ni * 8 + 2 * tig + (e & 1);
          if (m >= s.k || n >= columns) continue;
          int* dst = acc + m * s.accStride + n;
          if (s.parts == 1)
            *dst = c[mi][ni][e];
          else
            atomicAdd(dst, c[mi][ni][e]);
        }
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
#pragma unroll 1
  for (int i = tid; i < out.bytes; i += kThreads) {
    const PlanePos q = walk.at(i);
    int8_t v = 0;
    if (q.inside) {
      const int* a = acc + q.ci * s.accStride + q.iy * poolH * s.ow + q.ix * poolW;
      const float m = mult[q.ci], b = bias[q.ci];
      float best = -INFINITY;
#pragma unroll
      for (int dy = 0; dy < poolH; ++dy)
#pragma unroll
        for (int dx = 0; dx < poolW; ++dx)
          best = fmaxf(best, __fmaf_rn(static_cast<float>(a[dy * s.ow + dx]), m, b));
      v = requantize(activateFast(best, s.act), s.outInvScale);
    }
    dst[i] = v;
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

// A split stage's inputs: the cluster's vectors ([kMaxCluster][fpad], zero rows past the
// cluster) from the CTAs' planes (prevRows == 0) or from their slices of the previous stage.
__device__ void gatherSplitInputs(const ChainLaunch& l, const FcStage& s, unsigned char* smem,
                                  int srcOffset, int prevRows, int tid) {
  const int q16 = s.fpad / 16;
  const float inv = 1.f / static_cast<float>(q16);
  cg::cluster_group cluster = cg::this_cluster();
#pragma unroll 1
  for (int i = tid; i < kMaxCluster * q16; i += kThreads) {
    const int j = fastDiv(i, inv), f = 16 * (i - j * q16);
    uint4 v = make_uint4(0, 0, 0, 0);
    if (j < l.cluster) {
      if (prevRows == 0) {
        v = *reinterpret_cast<const uint4*>(cluster.map_shared_rank(smem + srcOffset, j) + f);
      } else if (f < l.cluster * prevRows) {
        const int owner = f / prevRows, r = f - owner * prevRows;
        v = *reinterpret_cast<const uint4*>(cluster.map_shared_rank(smem + srcOffset, owner) +
                                            j * prevRows + r);
      }
    }
    *reinterpret_cast<uint4*>(smem + l.gatherOffset + j * l.gatherStride + f) = v;
  }
}

// A split stage's rows [rank * rows, +rows) for the cluster's 8 image columns.
__device__ void fcMma(const ChainLaunch& l, const FcStage& s, unsigned char* smem, int* acc,
                      int warp, int lane) {
  const int gid = lane >> 2, tig = lane & 3, kTiles = s.fpad / 32;
  const unsigned char* sW = smem + s.wOffset;
  const unsigned char* sX = smem + l.gatherOffset + gid * l.gatherStride + 4 * tig;
  const float invTiles = 1.f / static_cast<float>(s.mTiles);
#pragma unroll 1
  for (int item = warp; item < s.mTiles * s.parts; item += kWarps) {
    const int part = fastDiv(item, invTiles), mt = item - part * s.mTiles;
    const int ktBegin = part * kTiles / s.parts, ktEnd = (part + 1) * kTiles / s.parts;
    int c[4] = {0, 0, 0, 0};
    for (int kt = ktBegin; kt < ktEnd; ++kt) {
      uint32_t a[4];
      loadA(a, sW + mt * 16 * s.wStride + kt * 32, s.wStride, lane);
      const uint32_t b0 = *reinterpret_cast<const uint32_t*>(sX + kt * 32);
      const uint32_t b1 = *reinterpret_cast<const uint32_t*>(sX + kt * 32 + 16);
      imma(c, a, b0, b1);
    }
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      int* dst = acc + (mt * 16 + gid + 8 * (e >> 1)) * kMaxCluster + 2 * tig + (e & 1);
      if (s.parts == 1)
        *dst = c[e];
      else
        atomicAdd(dst, c[e]);
    }
  }
}

// A split stage's epilogue into this CTA's slice [cluster][rows] (rows past k are zeros).
__device__ void fcSplitStore(const ChainLaunch& l, const FcStage& s, unsigned char* smem,
                             const int* acc, int sliceOffset, int rank, int tid) {
  int8_t* slice = reinterpret_cast<int8_t*>(smem + sliceOffset);
  const float* mult = reinterpret_cast<const float*>(smem + s.constsOffset);
  const float* bias = mult + s.constStride;
  const float inv = 1.f / static_cast<float>(s.rows);
#pragma unroll 1
  for (int i = tid; i < l.cluster * s.rows; i += kThreads) {
    const int j = fastDiv(i, inv), r = i - j * s.rows;
    int8_t v = 0;
    if (rank * s.rows + r < s.k)
      v = requantize(activateFast(__fmaf_rn(static_cast<float>(acc[r * kMaxCluster + j]), mult[r], bias[r]), s.act),
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
    for (int o = lane; o < s.k; o += 32) mx = fmaxf(mx, sOut[o]);
#pragma unroll
    for (int d = 16; d > 0; d /= 2) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, d));
    float total = 0.f;
    for (int o = lane; o < s.k; o += 32) total += expf(sOut[o] - mx);
#pragma unroll
    for (int d = 16; d > 0; d /= 2) total += __shfl_xor_sync(0xffffffffu, total, d);
    for (int o = lane; o < s.k; o += 32)
      static_cast<float*>(l.y)[row + o] = __fdiv_rn(expf(sOut[o] - mx), total);
    return;
  }
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
    for (int q = lane; q < words; q += 32) sum = __dp4a(w4[q], v4[q], sum);
#pragma unroll
    for (int d = 16; d > 0; d /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, d);
    if (lane == 0) sOut[o] = activateFast(__fmaf_rn(static_cast<float>(sum), mult[o], bias[o]), s.act);
  }
  __syncthreads();
  if (valid) writeLastOutputs(l, s, sOut, image, warp, lane, tid);
}
__global__ void __launch_bounds__(kThreads, 1) chainKernel(const __grid_constant__ ChainLaunch l) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int rank = l.cluster > 1 ? static_cast<int>(cg::this_cluster().block_rank()) : 0;
  const int image = blockIdx.x;
  const bool valid = image < l.batch;

  // Every stage's constants, by bulk copies that warp 0 issues and one mbarrier per stage (in
  // stage order), before the wait for the previous kernel: they are this kernel's own.
  uint64_t* bars = reinterpret_cast<uint64_t*>(smem + l.barrierOffset);
  const int groups = l.nConv + l.nFc;
  if (tid == 0) {
    for (int g = 0; g < groups; ++g) barrierInit(bars + g);
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();
  if (tid == 0) {
    // Weights are packed with the shared-memory row stride: three copies per stage.
    for (int s = 0; s < l.nConv; ++s) {
      const ConvStage& c = l.conv[s];
      const unsigned wBytes = 16 * c.mi * (c.kp + 16);
      barrierExpectBytes(bars + s, wBytes + 2 * c.kp + 8 * c.constStride);
      bulkCopy(smem + c.wOffset, c.weights, wBytes, bars + s);
      bulkCopy(smem + c.tapsOffset, c.taps, 2 * c.kp, bars + s);
      bulkCopy(smem + c.constsOffset, c.consts, 8 * c.constStride, bars + s);
    }
    for (int f = 0; f < l.nFc; ++f) {
      const FcStage& s = l.fc[f];
      uint64_t* bar = bars + l.nConv + f;
      const unsigned wBytes = (s.last ? s.k : s.rows) * s.wStride;
      barrierExpectBytes(bar, wBytes + 8 * s.constStride);
      bulkCopy(smem + s.wOffset, s.last ? s.weights : s.weights + static_cast<int64_t>(rank) * wBytes, wBytes, bar);
      bulkCopy(smem + s.constsOffset, s.last ? s.consts : s.consts + 2 * rank * s.rows, 8 * s.constStride, bar);
    }
  }
  pdlWait();
  loadInput(l, smem, image, valid, tid);

  int* acc = reinterpret_cast<int*>(smem + l.accOffset);
  int stage = 0;
#pragma unroll 1
  for (int s = 0; s < l.nConv; ++s, ++stage) {
    const ConvStage c = l.conv[s];  // by value: registers, not a constant-bank load per use
    __syncthreads();  // the previous stage's store pass has read the accumulators
    if (c.parts > 1) zeroInts(acc, c.k * c.accStride, tid);
    barrierWait(bars + stage);
    __syncthreads();  // constants staged, input plane written, accumulators zeroed
    switch (c.mi) {
      case 1: convMma<1>(c, smem, acc, warp, lane); break;
      case 2: convMma<2>(c, smem, acc, warp, lane); break;
      case 4: convMma<4>(c, smem, acc, warp, lane); break;
      default: convMma<8>(c, smem, acc, warp, lane); break;
    }
    __syncthreads();
    convStore(c, smem, acc, tid);
  }

  int srcOffset = l.firstVectorOffset, prevRows = 0, slice = 0;
#pragma unroll 1
  for (int f = 0; f < l.nFc; ++f, ++stage) {
    const FcStage s = l.fc[f];
    barrierWait(bars + stage);
    if (!s.last) {
      __syncthreads();  // the previous stage's store pass has read the accumulators
      if (s.parts > 1) zeroInts(acc, s.rows * kMaxCluster, tid);
      clusterSync(l);  // every CTA's input to this stage is complete and visible
      gatherSplitInputs(l, s, smem, srcOffset, prevRows, tid);
      __syncthreads();
      fcMma(l, s, smem, acc, warp, lane);
      __syncthreads();
      fcSplitStore(l, s, smem, acc, l.sliceOffset[slice], rank, tid);
      srcOffset = l.sliceOffset[slice];
      prevRows = s.rows;
      slice ^= 1;
      continue;
    }
    const int8_t* vec = reinterpret_cast<const int8_t*>(smem + srcOffset);
    if (prevRows > 0) {
      // This image's vector from every CTA's slice; the second barrier keeps each CTA (and
      // its shared memory) alive until the others have read it.
      clusterSync(l);
      cg::cluster_group cluster = cg::this_cluster();
#pragma unroll 1
      for (int q = tid; q < s.fpad / 16; q += kThreads) {
        const int f16 = 16 * q;
        uint4 v = make_uint4(0, 0, 0, 0);
        if (f16 < l.cluster * prevRows) {
          const int owner = f16 / prevRows, r = f16 - owner * prevRows;
          v = *reinterpret_cast<const uint4*>(cluster.map_shared_rank(smem + srcOffset, owner) +
                                              rank * prevRows + r);
        }
        *reinterpret_cast<uint4*>(smem + l.vectorOffset + f16) = v;
      }
      // Arrive now, wait at the end: this CTA's reads of the others are done; its own shared
      // memory must stay until theirs are (the wait overlaps the last stage).
      __syncthreads();
      asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
      vec = reinterpret_cast<const int8_t*>(smem + l.vectorOffset);
      lastStage(l, s, smem, vec, image, valid, warp, lane, tid);
      asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
      continue;
    }
    __syncthreads();
    lastStage(l, s, smem, vec, image, valid, warp, lane, tid);
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

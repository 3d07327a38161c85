// The own fully connected kernels, made for small batches (LeNet's 800->500 and 500->10 at
// batch 100): one launch with the epilogue fused, no library overhead, and CTAs small enough
// (32 outputs x 16 samples) that a batch of 100 still gives ~100 CTAs for 132 SMs.
//
// CTA: 256 threads = two reduction groups of 128. Per chunk of the reduction staged in shared
// memory, group g reduces half g of the chunk; each thread owns 2 outputs (tk, tk + 16) x 2
// samples (tn, tn + 8), reading 16-byte vectors of shared memory (4 FMAs or 4 dp4a per
// 16 bytes). The next chunk's global loads are issued into registers before the current
// chunk is reduced, so their latency overlaps the math.
//
// A tile alone is latency-bound at small batches (one CTA per SM, each chunk a round trip to
// L2), so the reduction is also split over the CTAs of a thread-block cluster (up to 4, along
// grid x, next to each other): each reduces its own run of chunks, then rank 0 adds every
// partial sum through distributed shared memory in a fixed order (deterministic) and runs the
// epilogue.
//
// Both kernels are launched with programmatic dependent launch (pdl.h): the first chunk of the
// constant weights is loaded before pdlWait(), the activations after it.
#include <cooperative_groups.h>

#include <algorithm>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/gemm/gemm_epilogue.cuh"
#include "backends/cuda/gemm/gemm_kernels.h"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda {

namespace {

constexpr int kTileK = 32;     // outputs per CTA
constexpr int kTileN = 16;     // samples per CTA
constexpr int kThreads = 256;  // two reduction groups of 128
constexpr int kChunkF = 128;   // floats of the reduction per shared-memory stage
constexpr int kChunkB = 128;   // bytes of the reduction per stage (INT8)
constexpr int kPadF = kChunkF + 4;  // row pitch in floats: 16-byte rows, conflict-free reads
constexpr int kWordsB = kChunkB / 4;
constexpr int kPadW = kWordsB + 4;  // row pitch in 32-bit words
constexpr int kMaxSplit = 4;        // CTAs of a cluster sharing one tile's reduction

__device__ __forceinline__ void fma4(float& acc, const float4& a, const float4& b) {
  acc = fmaf(a.x, b.x, acc);
  acc = fmaf(a.y, b.y, acc);
  acc = fmaf(a.z, b.z, acc);
  acc = fmaf(a.w, b.w, acc);
}

__device__ __forceinline__ void dp4a4(int& acc, const int4& a, const int4& b) {
  acc = __dp4a(a.x, b.x, acc);
  acc = __dp4a(a.y, b.y, acc);
  acc = __dp4a(a.z, b.z, acc);
  acc = __dp4a(a.w, b.w, acc);
}

// The end of both kernels: every thread's 2x2 partial sums go to its CTA's shared memory
// `red` (free after the reduction loop's last barrier); rank 0's group 0 adds those of both
// groups of every CTA of the cluster, in rank order (deterministic), and hands each in-range
// output to store(kk, nn, sum). The last cluster barrier keeps the other CTAs' shared memory
// alive until rank 0 has read it.
template <class T, class Store>
__device__ __forceinline__ void reduceClusterAndStore(const T (&acc)[2][2], T* red, int k0,
                                                      int n0, int k, int n, Store store) {
  namespace cg = cooperative_groups;
  cg::cluster_group cluster = cg::this_cluster();
  const int tid = threadIdx.x, g = tid / 128, t = tid % 128, tk = t % 16, tn = t / 16;
#pragma unroll
  for (int i = 0; i < 4; ++i) red[i * kThreads + tid] = acc[i / 2][i % 2];
  cluster.sync();
  if (cluster.block_rank() == 0 && g == 0) {
    T sum[4] = {T(0), T(0), T(0), T(0)};
    for (unsigned r = 0; r < cluster.num_blocks(); ++r) {
      const T* part = cluster.map_shared_rank(red, r);
#pragma unroll
      for (int i = 0; i < 4; ++i) sum[i] += part[i * kThreads + t] + part[i * kThreads + 128 + t];
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        const int kk = k0 + tk + 16 * i, nn = n0 + tn + 8 * j;
        if (kk < k && nn < n) store(kk, nn, sum[i * 2 + j]);
      }
  }
  cluster.sync();
}

// T = float or __half activations; w float [k][ldw] zero-padded; ldw % kChunkF == 0.
template <class T>
__global__ void __launch_bounds__(kThreads) fcTiledFloatKernel(const T* __restrict__ x,
                                                               const float* __restrict__ w,
                                                               const float* __restrict__ bias,
                                                               T* __restrict__ y, int n, int c,
                                                               int ldw, int k, DeviceActivation act,
                                                               int split, int chunksPerCta) {
  __shared__ __align__(16) float ws[kTileK][kPadF];
  __shared__ __align__(16) float xs[kTileN][kPadF];
  const int tid = threadIdx.x;
  const int k0 = (blockIdx.x / split) * kTileK, n0 = blockIdx.y * kTileN, part = blockIdx.x % split;
  const int g = tid / 128, t = tid % 128, tk = t % 16, tn = t / 16;

  // Global -> register staging: 4 float4 of W and 8 values of x per thread and chunk.
  float4 wr[4];
  float xr[8];
  auto loadW = [&](int c0) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int idx = tid + i * kThreads, row = idx / (kChunkF / 4), col4 = idx % (kChunkF / 4);
      const int kk = k0 + row;
      wr[i] = kk < k ? *reinterpret_cast<const float4*>(w + static_cast<int64_t>(kk) * ldw + c0 + col4 * 4)
                     : make_float4(0.f, 0.f, 0.f, 0.f);
    }
  };
  auto loadX = [&](int c0) {
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int idx = tid + i * kThreads, row = idx / kChunkF, col = idx % kChunkF;
      const int nn = n0 + row, cc = c0 + col;
      xr[i] = nn < n && cc < c ? loadAsFloat(x, static_cast<int64_t>(nn) * c + cc) : 0.f;
    }
  };
  auto loadChunk = [&](int c0) {
    loadW(c0);
    loadX(c0);
  };
  auto storeChunk = [&]() {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int idx = tid + i * kThreads, row = idx / (kChunkF / 4), col4 = idx % (kChunkF / 4);
      *reinterpret_cast<float4*>(&ws[row][col4 * 4]) = wr[i];
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int idx = tid + i * kThreads;
      xs[idx / kChunkF][idx % kChunkF] = xr[i];
    }
  };

  // This CTA's run of chunks (possibly empty: its partial sums are then zero).
  const int cBegin = part * chunksPerCta * kChunkF;
  const int cEnd = min(ldw, cBegin + chunksPerCta * kChunkF);
  float acc[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
  if (cBegin < cEnd) loadW(cBegin);
  pdlWait();
  if (cBegin < cEnd) loadX(cBegin);
  for (int c0 = cBegin; c0 < cEnd; c0 += kChunkF) {
    storeChunk();
    __syncthreads();
    if (c0 + kChunkF < cEnd) loadChunk(c0 + kChunkF);
#pragma unroll 4
    for (int cc = g * (kChunkF / 2); cc < (g + 1) * (kChunkF / 2); cc += 4) {
      const float4 a0 = *reinterpret_cast<const float4*>(&ws[tk][cc]);
      const float4 a1 = *reinterpret_cast<const float4*>(&ws[tk + 16][cc]);
      const float4 b0 = *reinterpret_cast<const float4*>(&xs[tn][cc]);
      const float4 b1 = *reinterpret_cast<const float4*>(&xs[tn + 8][cc]);
      fma4(acc[0][0], a0, b0);
      fma4(acc[0][1], a0, b1);
      fma4(acc[1][0], a1, b0);
      fma4(acc[1][1], a1, b1);
    }
    __syncthreads();
  }

  reduceClusterAndStore(acc, &ws[0][0], k0, n0, k, n, [&](int kk, int nn, float v) {
    if (bias) v += bias[kk];
    storeFromFloat(y, static_cast<int64_t>(nn) * k + kk, activateDevice(v, act));
  });
}

// x int8 [n][c]; w int8 [k][ldw] zero-padded, ldw % kChunkB == 0; vec8: c % 8 == 0 and x
// 8-byte aligned, so x loads as 8-byte vectors.
__global__ void __launch_bounds__(kThreads) fcInt8Dp4aKernel(const int8_t* __restrict__ x,
                                                             const int8_t* __restrict__ w,
                                                             void* __restrict__ y, int n, int c,
                                                             int ldw, int k, bool vec8,
                                                             DeviceInt8Epilogue epi, int split,
                                                             int chunksPerCta) {
  __shared__ __align__(16) int ws[kTileK][kPadW];
  __shared__ __align__(16) int xs[kTileN][kPadW];
  const int tid = threadIdx.x;
  const int k0 = (blockIdx.x / split) * kTileK, n0 = blockIdx.y * kTileN, part = blockIdx.x % split;
  const int g = tid / 128, t = tid % 128, tk = t % 16, tn = t / 16;
  // Per chunk: W is 32 rows x 8 int4 (one per thread), x is 16 rows x 16 pieces of 8 bytes.
  const int wRow = tid / 8, wCol = tid % 8;
  const int xRow = tid / 16, xPiece = tid % 16;

  int4 wr;
  uint2 xr;
  auto loadW = [&](int c0) {
    const int kk = k0 + wRow;
    wr = kk < k ? *reinterpret_cast<const int4*>(w + static_cast<int64_t>(kk) * ldw + c0 + wCol * 16)
                : make_int4(0, 0, 0, 0);
  };
  auto loadX = [&](int c0) {
    const int nn = n0 + xRow, cc = c0 + xPiece * 8;
    xr = make_uint2(0u, 0u);
    if (nn < n && cc < c) {
      const int8_t* p = x + static_cast<int64_t>(nn) * c + cc;
      if (vec8) {
        xr = *reinterpret_cast<const uint2*>(p);
      } else {
        uint32_t b[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) b[i] = cc + i < c ? static_cast<uint8_t>(p[i]) : 0u;
        xr.x = b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24;
        xr.y = b[4] | b[5] << 8 | b[6] << 16 | b[7] << 24;
      }
    }
  };
  auto loadChunk = [&](int c0) {
    loadW(c0);
    loadX(c0);
  };

  const int cBegin = part * chunksPerCta * kChunkB;
  const int cEnd = min(ldw, cBegin + chunksPerCta * kChunkB);
  int acc[2][2] = {{0, 0}, {0, 0}};
  if (cBegin < cEnd) loadW(cBegin);
  pdlWait();
  if (cBegin < cEnd) loadX(cBegin);
  for (int c0 = cBegin; c0 < cEnd; c0 += kChunkB) {
    *reinterpret_cast<int4*>(&ws[wRow][wCol * 4]) = wr;
    *reinterpret_cast<uint2*>(&xs[xRow][xPiece * 2]) = xr;
    __syncthreads();
    if (c0 + kChunkB < cEnd) loadChunk(c0 + kChunkB);
#pragma unroll
    for (int cw = g * (kWordsB / 2); cw < (g + 1) * (kWordsB / 2); cw += 4) {
      const int4 a0 = *reinterpret_cast<const int4*>(&ws[tk][cw]);
      const int4 a1 = *reinterpret_cast<const int4*>(&ws[tk + 16][cw]);
      const int4 b0 = *reinterpret_cast<const int4*>(&xs[tn][cw]);
      const int4 b1 = *reinterpret_cast<const int4*>(&xs[tn + 8][cw]);
      dp4a4(acc[0][0], a0, b0);
      dp4a4(acc[0][1], a0, b1);
      dp4a4(acc[1][0], a1, b0);
      dp4a4(acc[1][1], a1, b1);
    }
    __syncthreads();
  }

  // Integer partial sums: exact in any order.
  reduceClusterAndStore(acc, &ws[0][0], k0, n0, k, n, [&](int kk, int nn, int v) {
    storeInt8Epilogue(epi, y, static_cast<int64_t>(nn) * k + kk, kk, v);
  });
}

// Launches `kernel` over tiles of 32 outputs x 16 samples, the reduction of `chunks` chunks
// split over a cluster of up to kMaxSplit CTAs along x; `args` are the kernel's arguments
// before its last two, split and chunksPerCta.
template <class Kernel, class... Args>
void launchTiles(Kernel kernel, int n, int k, int chunks, cudaStream_t stream, const char* name,
                 Args... args) {
  const int gy = (n + kTileN - 1) / kTileN;
  check(gy <= 65535, "fully connected batch of ", n, " exceeds the tiled kernel's grid");
  // Split only grids too small to fill the GPU (LeNet's 500->10 at batch 100: 7 tiles); on
  // H200, splitting the 112 tiles of 800->500 measured slower (15 vs 13 us).
  const int tiles = ((k + kTileK - 1) / kTileK) * gy;
  const int split = tiles >= 100 ? 1 : std::max(1, std::min(kMaxSplit, chunks));
  const int chunksPerCta = (chunks + split - 1) / split;
  const dim3 grid(((k + kTileK - 1) / kTileK) * split, gy, 1);
  launchKernel(name, kernel, grid, dim3(kThreads), 0, stream, static_cast<unsigned>(split), args...,
               split, chunksPerCta);
}

}  // namespace

int64_t fcTiledPaddedC(int64_t c, bool int8) {
  const int64_t chunk = int8 ? kChunkB : kChunkF;
  return (c + chunk - 1) / chunk * chunk;
}

void launchFcTiledFloat(const float* x, const float* w, const float* bias, float* y, int n, int c,
                        int ldw, int k, DeviceActivation act, cudaStream_t stream) {
  if (n == 0) return;
  launchTiles(fcTiledFloatKernel<float>, n, k, ldw / kChunkF, stream, "cuda_fc_fp32_tiled", x, w,
              bias, y, n, c, ldw, k, act);
}

void launchFcTiledHalf(const __half* x, const float* w, const float* bias, __half* y, int n, int c,
                       int ldw, int k, DeviceActivation act, cudaStream_t stream) {
  if (n == 0) return;
  launchTiles(fcTiledFloatKernel<__half>, n, k, ldw / kChunkF, stream, "cuda_fc_fp16_tiled", x, w,
              bias, y, n, c, ldw, k, act);
}

void launchFcInt8Dp4a(const int8_t* x, const int8_t* w, void* y, int n, int c, int ldw, int k,
                      const DeviceInt8Epilogue& epi, cudaStream_t stream) {
  if (n == 0) return;
  const bool vec8 = c % 8 == 0 && reinterpret_cast<uintptr_t>(x) % 8 == 0;
  launchTiles(fcInt8Dp4aKernel, n, k, ldw / kChunkB, stream, "cuda_fc_int8_dp4a", x, w, y, n, c,
              ldw, k, vec8, epi);
}

}  // namespace int8rt::cuda

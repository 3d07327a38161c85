// INT8 fully connected on the tensor cores for small batches (LeNet's 800->500 and 500->10 at
// batch 100), with mma.sync.m16n8k32 (s8 x s8 -> s32): y[n][k] = epilogue(sum_c x[n][c] w[k][c]).
// The MMA's M is the layer's outputs (A = W, row-major), its N the samples (B = x^T, "col").
//
// CTA (8 warps) = 16 outputs (one M tile) x 8*NT samples; the 8 warps split the reduction into
// runs of 64-value chunks, and their partial sums are added in warp order in shared memory
// (integers: exact and deterministic). So at batch 100, 800->500 gives 32 x 4 = 128 CTAs and
// each warp does 2 chunks: one round of global loads, then 16 MMAs.
//
// The reduction order inside a chunk is free as long as A and B agree: each lane loads 16
// contiguous bytes of its sample's row, x[n][64ch + 16t .. +15], and MMA h of the chunk takes
// bytes 8h..8h+7 of them (4 for the fragment's k = 4t.., 4 for k = 16 + 4t..). create() packs W
// in exactly that order, per (M tile, chunk, h, lane) one 16-byte fragment (fcImmaPackWeights),
// so the weight loads are 512 contiguous bytes per warp, coalesced, and need no shared memory.
// They are constant, so they are issued before pdlWait(), as are the epilogue constants.
#include <cmath>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/gemm/gemm_epilogue.cuh"
#include "backends/cuda/gemm/gemm_kernels.h"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda {

namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kRedPitch = 20;  // int32s per sample row of a partial tile: conflict-free stores

// D = A * B + D, m16n8k32, s8 inputs, s32 accumulators (exact; no saturation needed: the
// candidate accepts only feature counts whose sums fit in int32, accumulatorFits()).
__device__ __forceinline__ void mmaS8(int (&d)[4], const int4& a, int b0, int b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1));
}

// x[row][col .. col+15] as 16 bytes, zeros past the batch or the features. mode 16: c % 16 == 0
// and x 16-byte aligned (one vector load); mode 4: c % 4 == 0 and 4-byte aligned; else bytes.
__device__ __forceinline__ int4 loadX16(const int8_t* __restrict__ x, int n, int c, int row,
                                        int col, int mode) {
  int4 v = make_int4(0, 0, 0, 0);
  if (row >= n || col >= c) return v;
  const int8_t* p = x + static_cast<int64_t>(row) * c + col;
  if (mode == 16) return *reinterpret_cast<const int4*>(p);
  int w[4] = {0, 0, 0, 0};
  if (mode == 4) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
      if (col + 4 * i < c) w[i] = reinterpret_cast<const int*>(p)[i];
  } else {
#pragma unroll
    for (int i = 0; i < 16; ++i)
      if (col + i < c) w[i / 4] |= static_cast<int>(static_cast<uint8_t>(p[i])) << (8 * (i % 4));
  }
  return make_int4(w[0], w[1], w[2], w[3]);
}

__device__ __forceinline__ int wordOf(const int4& v, int i) {
  return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

// NT: 8-sample MMA tiles per CTA; CPW: chunks a warp holds in registers at a time.
template <int NT, int CPW>
__global__ void __launch_bounds__(kThreads) fcInt8ImmaKernel(
    const int8_t* __restrict__ x, const int4* __restrict__ wp, void* __restrict__ y, int n, int c,
    int k, int chunks, int chunksPerWarp, int xMode, DeviceInt8Epilogue epi, bool softmax) {
  __shared__ int red[kWarps][NT * 8][kRedPitch];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int mt = blockIdx.x, n0 = blockIdx.y * NT * 8;
  const int chBegin = warp * chunksPerWarp, chEnd = min(chunks, chBegin + chunksPerWarp);

  // Constant data first (overlaps the previous kernel's tail): this thread's epilogue output
  // channel (fixed: the epilogue loop steps by a multiple of 16) and the first weight fragments.
  const int em = threadIdx.x % 16, kk = mt * 16 + em;
  float mult = 0.f, bias = 0.f;
  if (kk < k) {
    mult = epi.mult[kk];
    bias = epi.bias[kk];
  }
  int4 a[CPW][2];
  auto loadA = [&](int ch0) {
#pragma unroll
    for (int i = 0; i < CPW; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h)
        a[i][h] = ch0 + i < chEnd
                      ? wp[((static_cast<int64_t>(mt) * chunks + ch0 + i) * 2 + h) * 32 + lane]
                      : make_int4(0, 0, 0, 0);
  };
  loadA(chBegin);
  pdlWait();

  int acc[NT][4];
#pragma unroll
  for (int j = 0; j < NT; ++j) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0;
  for (int ch0 = chBegin; ch0 < chEnd; ch0 += CPW) {
    if (ch0 != chBegin) loadA(ch0);
    int4 b[CPW][NT];
#pragma unroll
    for (int i = 0; i < CPW; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j)
        b[i][j] = ch0 + i < chEnd ? loadX16(x, n, c, n0 + j * 8 + g, (ch0 + i) * 64 + t * 16, xMode)
                                  : make_int4(0, 0, 0, 0);
#pragma unroll
    for (int i = 0; i < CPW; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          mmaS8(acc[j], a[i][h], wordOf(b[i][j], 2 * h), wordOf(b[i][j], 2 * h + 1));
  }

  // Accumulator fragment: d0, d1 = (output g, samples 2t, 2t+1), d2, d3 = output g + 8.
#pragma unroll
  for (int j = 0; j < NT; ++j) {
    const int s = j * 8 + 2 * t;
    red[warp][s][g] = acc[j][0];
    red[warp][s + 1][g] = acc[j][1];
    red[warp][s][g + 8] = acc[j][2];
    red[warp][s + 1][g + 8] = acc[j][3];
  }
  __syncthreads();
  // NT * 8 * 16 is a multiple of 128, so whole warps take part in each round (the fused
  // softmax shuffles over the 16 lanes of one sample: lanes 0-15 and 16-31 are two samples).
  for (int idx = threadIdx.x; idx < NT * 8 * 16; idx += kThreads) {
    const int s = idx / 16, nn = n0 + s;
    int sum = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += red[w][s][em];
    const bool valid = kk < k && nn < n;
    // storeInt8Epilogue() with the prefetched constants: the same expression.
    float v = activateDevice(fmaf(static_cast<float>(sum), mult, bias), epi.act);
    const int64_t o = static_cast<int64_t>(nn) * k + kk;
    if (softmax) {
      // The grid has one M tile (k <= 16): the sample's whole row is in these 16 lanes. The
      // row maximum first, float sums and __fdiv_rn, as cuda_softmax_fp32's rows kernel.
      float mx = kk < k ? v : -INFINITY;
#pragma unroll
      for (int d = 8; d > 0; d /= 2) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, d, 16));
      const float e = kk < k ? expf(v - mx) : 0.f;
      float total = e;
#pragma unroll
      for (int d = 8; d > 0; d /= 2) total += __shfl_xor_sync(0xffffffffu, total, d, 16);
      v = __fdiv_rn(e, total);
    }
    if (!valid) continue;
    if (epi.outInt8)
      static_cast<int8_t*>(y)[o] = requantizeDevice(v, epi.outInvScale);
    else
      static_cast<float*>(y)[o] = v;
  }
}

template <int NT>
void launchWithNt(const int8_t* x, const int4* wp, void* y, int n, int c, int k, int chunks,
                  int xMode, const DeviceInt8Epilogue& epi, bool softmax, cudaStream_t stream) {
  const int perWarp = (chunks + kWarps - 1) / kWarps;
  const dim3 grid((k + 15) / 16, (n + NT * 8 - 1) / (NT * 8));
  const char* name = "cuda_fc_int8_imma";
  if (perWarp <= 1)
    launchKernel(name, fcInt8ImmaKernel<NT, 1>, grid, dim3(kThreads), 0, stream, 1, x, wp, y, n,
                 c, k, chunks, perWarp, xMode, epi, softmax);
  else if (perWarp <= 2)
    launchKernel(name, fcInt8ImmaKernel<NT, 2>, grid, dim3(kThreads), 0, stream, 1, x, wp, y, n,
                 c, k, chunks, perWarp, xMode, epi, softmax);
  else
    launchKernel(name, fcInt8ImmaKernel<NT, 4>, grid, dim3(kThreads), 0, stream, 1, x, wp, y, n,
                 c, k, chunks, perWarp, xMode, epi, softmax);
}

}  // namespace

int fcImmaSamplesPerCta(int n, int k) {
  // The widest tile (most reuse of each weight fragment) that still gives ~one CTA per SM.
  const int mTiles = (k + 15) / 16;
  for (int nt : {4, 2})
    if (static_cast<int64_t>(mTiles) * ((n + nt * 8 - 1) / (nt * 8)) >= 120) return nt * 8;
  return n > 65535 * 8 ? 32 : 8;
}

void launchFcInt8Imma(const int8_t* x, const void* packedW, void* y, int n, int c, int k,
                      const DeviceInt8Epilogue& epi, bool softmax, cudaStream_t stream) {
  if (n == 0) return;
  const int chunks = (c + 63) / 64;
  const uintptr_t addr = reinterpret_cast<uintptr_t>(x);
  const int xMode = c % 16 == 0 && addr % 16 == 0 ? 16 : c % 4 == 0 && addr % 4 == 0 ? 4 : 1;
  const int4* wp = static_cast<const int4*>(packedW);
  switch (fcImmaSamplesPerCta(n, k)) {
    case 32:
      launchWithNt<4>(x, wp, y, n, c, k, chunks, xMode, epi, softmax, stream);
      break;
    case 16:
      launchWithNt<2>(x, wp, y, n, c, k, chunks, xMode, epi, softmax, stream);
      break;
    default:
      launchWithNt<1>(x, wp, y, n, c, k, chunks, xMode, epi, softmax, stream);
  }
}

}  // namespace int8rt::cuda

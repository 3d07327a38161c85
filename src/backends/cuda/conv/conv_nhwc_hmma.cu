// The NHWC FP16 implicit-GEMM convolution on the tensor cores (conv_nhwc.h). The CTA tiles,
// shared-memory layout, fragment loads and mma.sync m16n8k16 steps are conv_mma_tile.cuh's;
// what differs from the NCHW kernel is the B (im2col) gather and the output store:
//   gather: the reduction is ordered (r, s, c), so a k tile of 32 holds 32 / VEC vectors of VEC
//           contiguous channels of one filter tap; each is one 16-byte (VEC = 8) or 8-byte
//           (VEC = 4) load from the input, bounds-checked once per vector (one tap table
//           entry per vector instead of one per element).
//   store:  output channels are innermost, so the two channels a thread pair holds for one
//           pixel (rows g and g + 1 of the accumulator) are exchanged with one shuffle and
//           written as one half2 when the channel count per group is even.
#include "backends/cuda/conv/conv_mma_tile.cuh"
#include "backends/cuda/conv/conv_nhwc.h"
#include "backends/cuda/cuda_check.h"

namespace int8rt::cuda::conv {

namespace {

template <int VEC>
struct NhwcVector;
template <>
struct NhwcVector<8> {
  using Type = uint4;
  __device__ static Type zero() { return make_uint4(0, 0, 0, 0); }
};
template <>
struct NhwcVector<4> {
  using Type = uint2;
  __device__ static Type zero() { return make_uint2(0, 0); }
};

template <int BM, int BN, int WM, int WN, int VEC>
__global__ void __launch_bounds__(WM * WN * 32) convNhwcHmmaKernel(const ConvLaunch l) {
  using Vec = typename NhwcVector<VEC>::Type;
  constexpr int kThreads = WM * WN * 32;
  constexpr int kWarpM = BM / WM, kWarpN = BN / WN;
  constexpr int MI = kWarpM / 16, NI = kWarpN / 8;
  static_assert(MI >= 1 && NI >= 1 && kWarpM % 16 == 0 && kWarpN % 8 == 0, "warp tile");
  constexpr int kRowBytes = MmaElem<__half>::kRowBytes;
  constexpr int kTileRowBytes = kMmaBK * 2;  // 64 bytes of one A row per k tile
  constexpr int kAChunks = BM * kTileRowBytes / 16;
  constexpr int kARegs = (kAChunks + kThreads - 1) / kThreads;
  static_assert(kThreads % BN == 0, "whole threads per B column");
  constexpr int kThreadsPerColumn = kThreads / BN;
  constexpr int kVectorsPerColumn = kMmaBK / VEC;  // per k tile
  static_assert(kVectorsPerColumn % kThreadsPerColumn == 0, "B vectors per thread");
  constexpr int kBRegs = kVectorsPerColumn / kThreadsPerColumn;
  __shared__ __align__(16) unsigned char As[BM * kRowBytes];
  __shared__ __align__(16) unsigned char Bs[BN * kRowBytes];
  __shared__ int colOut[BN];
  __shared__ int2 tapStage[kSmemTaps];

  const ConvGeometry& g = l.geo;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group = blockIdx.z;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int columns = l.batch * g.oh * g.ow;
  const __half* __restrict__ x = static_cast<const __half*>(l.x);
  const unsigned char* __restrict__ w = static_cast<const unsigned char*>(l.weights) +
      (static_cast<size_t>(group) * g.mPadded + m0) * g.reductionPadded * sizeof(__half);
  const size_t wRowBytes = static_cast<size_t>(g.reductionPadded) * sizeof(__half);

  // This thread's B column: output pixel n of the GEMM, its window origin in the input.
  const int bCol = tid % BN, bSub = tid / BN;
  const int n = n0 + bCol;
  const bool valid = n < columns;
  int ih0 = 0, iw0 = 0, base = 0;
  if (valid) {
    const int plane = g.oh * g.ow;
    const int b = n / plane, p = n - b * plane;
    const int oh = p / g.ow, ow = p - oh * g.ow;
    ih0 = oh * g.strideH - g.padH;
    iw0 = ow * g.strideW - g.padW;
    base = ((b * g.h + ih0) * g.w + iw0) * g.c + group * g.cg;
  }
  if (bSub == 0) colOut[bCol] = valid ? n * g.k : -1;
  const int nTaps = g.reductionPadded / VEC;
  const int2* tapsGlobal = reinterpret_cast<const int2*>(l.taps);
  const bool staged = nTaps <= kSmemTaps;
  if (staged)
    for (int i = tid; i < nTaps; i += kThreads) tapStage[i] = __ldg(tapsGlobal + i);
  pdlWait();  // the taps are constants; x and y are the neighbouring kernels' tensors
  __syncthreads();
  const int2* taps = staged ? tapStage : tapsGlobal;

  uint4 aReg[kARegs];
  Vec bReg[kBRegs];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * kThreads;
      if (v < kAChunks) {
        const int row = v / (kTileRowBytes / 16), chunk = v % (kTileRowBytes / 16);
        aReg[i] = __ldg(reinterpret_cast<const uint4*>(w + row * wRowBytes + k0 * sizeof(__half)) + chunk);
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) {
      const int vec = bSub + i * kThreadsPerColumn;
      const int2 t = taps[k0 / VEC + vec];
      const int ih = ih0 + (t.y >> 16), iw = iw0 + (t.y & 0xffff);
      const bool inside = valid && static_cast<unsigned>(ih) < static_cast<unsigned>(g.h) &&
                          static_cast<unsigned>(iw) < static_cast<unsigned>(g.w);
      bReg[i] = inside ? *reinterpret_cast<const Vec*>(x + base + t.x) : NhwcVector<VEC>::zero();
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * kThreads;
      if (v < kAChunks) {
        const int row = v / (kTileRowBytes / 16), chunk = v % (kTileRowBytes / 16);
        *reinterpret_cast<uint4*>(As + row * kRowBytes + chunk * 16) = aReg[i];
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) {
      const int vec = bSub + i * kThreadsPerColumn;
      *reinterpret_cast<Vec*>(Bs + bCol * kRowBytes + vec * VEC * 2) = bReg[i];
    }
  };

  const int warpRow = (warp / WN) * kWarpM, warpCol = (warp % WN) * kWarpN;
  float acc[MI][NI][4] = {};
  mmaTileLoop<__half>(acc, As, Bs, g.reductionPadded, warpRow, warpCol, lane, fetch, stash);

  // Accumulators: c0, c1 at row (channel) gid, columns (pixels) 2 tig, 2 tig + 1; c2, c3 at
  // row gid + 8. Lanes gid and gid ^ 1 (lane ^ 4) hold channels m and m + 1 of the same pixels.
  __half* __restrict__ y = static_cast<__half*>(l.y);
  const int gid = lane >> 2, tig = lane & 3;
  const bool odd = gid & 1;
  const bool pairs = (g.kg & 1) == 0;  // half2 stores stay 4-byte aligned
  const int channel0 = group * g.kg;
#pragma unroll
  for (int ni = 0; ni < NI; ++ni) {
    const int nl = warpCol + ni * 8 + 2 * tig;
    const int off0 = colOut[nl], off1 = colOut[nl + 1];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int m = m0 + warpRow + mi * 16 + gid + 8 * h;
        const float bias = m < g.kg ? __ldg(l.epi.bias + channel0 + m) : 0.f;
        const float v0 = activateFast(acc[mi][ni][2 * h] + bias, l.epi.act);
        const float v1 = activateFast(acc[mi][ni][2 * h + 1] + bias, l.epi.act);
        if (pairs) {
          // The even lane keeps pixel nl and gets channel m + 1 of it; the odd lane keeps pixel
          // nl + 1 and gets channel m - 1 of it. Every lane shuffles: none has returned.
          const float other = __shfl_xor_sync(0xffffffffu, odd ? v0 : v1, 4);
          const int c = odd ? m - 1 : m, off = odd ? off1 : off0;
          if (off >= 0 && c < g.kg)
            *reinterpret_cast<__half2*>(y + off + channel0 + c) =
                odd ? __floats2half2_rn(other, v1) : __floats2half2_rn(v0, other);
        } else if (m < g.kg) {
          if (off0 >= 0) y[off0 + channel0 + m] = __float2half_rn(v0);
          if (off1 >= 0) y[off1 + channel0 + m] = __float2half_rn(v1);
        }
      }
  }
}

template <int VEC>
struct Tiles {
  template <int BM, int BN, int WM, int WN>
  static void run(const ConvLaunch& l, cudaStream_t stream) {
    launchKernel("cuda_conv2d_nhwc_fp16_hmma_implicit_gemm", convNhwcHmmaKernel<BM, BN, WM, WN, VEC>,
                 mmaTileGrid<BM, BN>(l), dim3(WM * WN * 32), 0, stream, 1, l);
  }
};

}  // namespace

void launchConvNhwcHmma(const ConvLaunch& l, int tile, int vec, cudaStream_t stream) {
  if (vec == 8) launchMmaTile<Tiles<8>>(tile, "NHWC FP16 convolution", l, stream);
  else if (vec == 4) launchMmaTile<Tiles<4>>(tile, "NHWC FP16 convolution", l, stream);
  else fail("internal error: NHWC FP16 convolution with vectors of ", vec, " channels");
}

}  // namespace int8rt::cuda::conv

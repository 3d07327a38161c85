// FP32 implicit-GEMM convolution on the CUDA cores (no TF32: results within float rounding of
// the CPU reference). CTA tile BM x BN, k tile 16, each thread a TM x TN block of outputs.
// Weights reach shared memory as float4 rows of the transposed packed weights; the input is
// gathered (im2col) one tap at a time, a thread owning one column so that neighbouring threads
// read neighbouring pixels. The next k tile is fetched into registers while the current one is
// multiplied. Bias and activation are fused into the store.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/conv/conv_device.cuh"
#include "backends/cuda/pdl.h"
#include "backends/cuda/conv/conv_launch.h"

namespace int8rt::cuda::conv {

namespace {

constexpr int kBK = 16;

template <int BM, int BN, int TM, int TN>
__global__ void __launch_bounds__((BM / TM) * (BN / TN))
    convFp32Kernel(const ConvLaunch l) {
  constexpr int T = (BM / TM) * (BN / TN);
  static_assert(T % BN == 0, "a thread owns one column of the B tile");
  constexpr int kARegs = (kBK * BM / 4 + T - 1) / T;  // float4 per thread
  constexpr int kBRegs = kBK * BN / T;                // taps per thread
  __shared__ __align__(16) float As[kBK][BM];
  __shared__ __align__(16) float Bs[kBK][BN];
  __shared__ int colOut[BN];  // output offset per column (ConvColumn::out), for the epilogue
  __shared__ int2 tapStage[kSmemTaps];

  const ConvGeometry& g = l.geo;
  const int tid = threadIdx.x;
  const int group = blockIdx.z;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int columns = l.batch * g.oh * g.ow;
  const float* __restrict__ x = static_cast<const float*>(l.x);
  const float* __restrict__ w =
      static_cast<const float*>(l.weights) + static_cast<size_t>(group) * g.reductionPadded * g.mPadded;

  const int bCol = tid % BN, bRow = tid / BN;
  const ConvColumn col = makeColumn(g, group, n0 + bCol, columns);
  if (bRow == 0) colOut[bCol] = col.out;  // published by the barrier below
  const TapSource tapAt = stageTaps(l, tapStage, tid, T);
  pdlWait();  // the taps are constants; x and y are the neighbours' tensors
  __syncthreads();

  float4 aReg[kARegs];
  float bReg[kBRegs];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * T;
      if (v < kBK * BM / 4) {
        const int kk = v / (BM / 4), mm = (v % (BM / 4)) * 4;
        aReg[i] = __ldg(reinterpret_cast<const float4*>(w + static_cast<size_t>(k0 + kk) * g.mPadded + m0 + mm));
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) {
      const int kk = bRow + i * (T / BN);
      bReg[i] = loadTap(x, g, col, tapAt(k0 + kk), 0.f);
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * T;
      if (v < kBK * BM / 4) {
        const int kk = v / (BM / 4), mm = (v % (BM / 4)) * 4;
        *reinterpret_cast<float4*>(&As[kk][mm]) = aReg[i];
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) Bs[bRow + i * (T / BN)][bCol] = bReg[i];
  };

  const int tx = tid % (BN / TN), ty = tid / (BN / TN);
  float acc[TM][TN] = {};
  fetch(0);
  for (int k0 = 0; k0 < g.reductionPadded; k0 += kBK) {
    stash();
    __syncthreads();
    if (k0 + kBK < g.reductionPadded) fetch(k0 + kBK);
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
      float a[TM], b[TN];
#pragma unroll
      for (int i = 0; i < TM; i += 4) *reinterpret_cast<float4*>(&a[i]) = *reinterpret_cast<const float4*>(&As[kk][ty * TM + i]);
#pragma unroll
      for (int j = 0; j < TN; j += 4) *reinterpret_cast<float4*>(&b[j]) = *reinterpret_cast<const float4*>(&Bs[kk][tx * TN + j]);
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

  // Epilogue: TN adjacent columns per thread, one float4 store when they are consecutive
  // outputs of one image and the address is aligned.
  static_assert(TN == 4, "the vector store assumes 4 columns per thread");
  float* __restrict__ y = static_cast<float*>(l.y);
  int off[TN];
#pragma unroll
  for (int j = 0; j < TN; ++j) off[j] = colOut[tx * TN + j];
#pragma unroll
  for (int i = 0; i < TM; ++i) {
    const int m = m0 + ty * TM + i;
    if (m >= g.kg || off[0] < 0) continue;
    const int row = outputRow(g, group, m);
    const float bias = __ldg(l.epi.bias + group * g.kg + m);
    float v[TN];
#pragma unroll
    for (int j = 0; j < TN; ++j) v[j] = activateFast(acc[i][j] + bias, l.epi.act);
    if (off[3] == off[0] + 3 && ((row + off[0]) & 3) == 0) {
      *reinterpret_cast<float4*>(y + row + off[0]) = make_float4(v[0], v[1], v[2], v[3]);
    } else {
#pragma unroll
      for (int j = 0; j < TN; ++j)
        if (off[j] >= 0) y[row + off[j]] = v[j];
    }
  }
}

template <int BM, int BN, int TM, int TN>
void launch(const ConvLaunch& l, cudaStream_t stream) {
  const int columns = l.batch * l.geo.oh * l.geo.ow;
  const dim3 grid((columns + BN - 1) / BN, (l.geo.kg + BM - 1) / BM, l.geo.groups);
  launchKernel("cuda_conv2d_fp32_implicit_gemm", convFp32Kernel<BM, BN, TM, TN>, grid,
               dim3((BM / TM) * (BN / TN)), 0, stream, 1, l);
}

}  // namespace

void launchConvFp32(const ConvLaunch& l, int tile, cudaStream_t stream) {
  switch (tile) {
    case 0: launch<32, 32, 4, 4>(l, stream); break;
    case 1: launch<32, 64, 4, 4>(l, stream); break;
    case 2: launch<64, 32, 4, 4>(l, stream); break;
    case 3: launch<64, 64, 4, 4>(l, stream); break;
    case 4: launch<128, 64, 8, 4>(l, stream); break;
    default: fail("internal error: FP32 convolution tile ", tile, " does not exist");
  }
  checkLaunch("cuda_conv2d_fp32_implicit_gemm");
}

}  // namespace int8rt::cuda::conv

// FP16 implicit-GEMM convolution on the tensor cores: half inputs and weights, FP32
// accumulation with mma.sync m16n8k16 (HMMA), bias and activation in FP32, output rounded to
// half once. The tile machinery is conv_mma_tile.cuh.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/conv/conv_launch.h"
#include "backends/cuda/conv/conv_mma_tile.cuh"

namespace int8rt::cuda::conv {

namespace {

template <int BM, int BN, int WM, int WN>
__global__ void __launch_bounds__(WM * WN * 32) convHmmaKernel(const ConvLaunch l) {
  const ConvGeometry& g = l.geo;
  const int group = blockIdx.z;
  __half* __restrict__ y = static_cast<__half*>(l.y);
  mmaConvTile<__half, float, BM, BN, WM, WN>(l, [&](int m, int off0, int off1, float v0, float v1) {
    if (m >= g.kg || off0 < 0) return;
    const int row = outputRow(g, group, m);
    const float bias = __ldg(l.epi.bias + group * g.kg + m);
    const __half h0 = __float2half_rn(activateFast(v0 + bias, l.epi.act));
    const __half h1 = __float2half_rn(activateFast(v1 + bias, l.epi.act));
    if (off1 == off0 + 1 && ((row + off0) & 1) == 0) {
      *reinterpret_cast<__half2*>(y + row + off0) = __halves2half2(h0, h1);
    } else {
      y[row + off0] = h0;
      if (off1 >= 0) y[row + off1] = h1;
    }
  });
}

struct Tiles {
  template <int BM, int BN, int WM, int WN>
  static void run(const ConvLaunch& l, cudaStream_t stream) {
    launchKernel("cuda_conv2d_fp16_hmma_implicit_gemm", convHmmaKernel<BM, BN, WM, WN>, mmaTileGrid<BM, BN>(l),
                 dim3(WM * WN * 32), 0, stream, 1, l);
  }
};

}  // namespace

void launchConvHmma(const ConvLaunch& l, int tile, cudaStream_t stream) {
  launchMmaTile<Tiles>(tile, "FP16 convolution", l, stream);
}

}  // namespace int8rt::cuda::conv

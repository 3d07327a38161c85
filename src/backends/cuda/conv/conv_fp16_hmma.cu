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

template <int BM, int BN, int WM, int WN>
void launch(const ConvLaunch& l, cudaStream_t stream) {
  const int columns = l.batch * l.geo.oh * l.geo.ow;
  const dim3 grid((columns + BN - 1) / BN, (l.geo.kg + BM - 1) / BM, l.geo.groups);
  launchKernel("cuda_conv2d_fp16_hmma_implicit_gemm", convHmmaKernel<BM, BN, WM, WN>, grid, dim3(WM * WN * 32), 0, stream, 1, l);
}

}  // namespace

void launchConvHmma(const ConvLaunch& l, int tile, cudaStream_t stream) {
  switch (tile) {
    case 0: launch<32, 64, 1, 2>(l, stream); break;
    case 1: launch<32, 128, 1, 4>(l, stream); break;
    case 2: launch<64, 64, 2, 2>(l, stream); break;
    case 3: launch<64, 128, 2, 4>(l, stream); break;
    case 4: launch<128, 64, 4, 2>(l, stream); break;
    case 5: launch<64, 32, 2, 2>(l, stream); break;
    default: fail("internal error: FP16 convolution tile ", tile, " does not exist");
  }
  checkLaunch("cuda_conv2d_fp16_hmma_implicit_gemm");
}

}  // namespace int8rt::cuda::conv

// INT8 implicit-GEMM convolution on the tensor cores: int8 inputs and per-output-channel
// quantized weights, exact int32 accumulation with mma.sync m16n8k32 (IMMA), then the CPU's
// Int8Epilogue bit for bit: y = fmaf(float(acc), mult[k], bias[k]), activation, and either the
// float y or requantizeValue(y, 1 / output scale). The tile machinery is conv_mma_tile.cuh.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/conv/conv_launch.h"
#include "backends/cuda/conv/conv_mma_tile.cuh"

namespace int8rt::cuda::conv {

namespace {

template <int BM, int BN, int WM, int WN>
__global__ void __launch_bounds__(WM * WN * 32) convImmaKernel(const ConvLaunch l) {
  const ConvGeometry& g = l.geo;
  const int group = blockIdx.z;
  mmaConvTile<int8_t, int, BM, BN, WM, WN>(l, [&](int m, int off0, int off1, int a0, int a1) {
    if (m >= g.kg || off0 < 0) return;
    const int k = group * g.kg + m, row = outputRow(g, group, m);
    const float mult = __ldg(l.epi.mult + k), bias = __ldg(l.epi.bias + k);
    const float v0 = activateFast(__fmaf_rn(static_cast<float>(a0), mult, bias), l.epi.act);
    const float v1 = activateFast(__fmaf_rn(static_cast<float>(a1), mult, bias), l.epi.act);
    const bool pair = off1 == off0 + 1 && ((row + off0) & 1) == 0;
    if (l.epi.outInt8) {
      int8_t* y = static_cast<int8_t*>(l.y) + row;
      const int8_t q0 = requantize(v0, l.epi.outInvScale), q1 = requantize(v1, l.epi.outInvScale);
      if (pair) {
        *reinterpret_cast<uint16_t*>(y + off0) =
            static_cast<uint16_t>(static_cast<uint8_t>(q0) | (static_cast<uint8_t>(q1) << 8));
      } else {
        y[off0] = q0;
        if (off1 >= 0) y[off1] = q1;
      }
    } else {
      float* y = static_cast<float*>(l.y) + row;
      if (pair) {
        *reinterpret_cast<float2*>(y + off0) = make_float2(v0, v1);
      } else {
        y[off0] = v0;
        if (off1 >= 0) y[off1] = v1;
      }
    }
  });
}

struct Tiles {
  template <int BM, int BN, int WM, int WN>
  static void run(const ConvLaunch& l, cudaStream_t stream) {
    launchKernel("cuda_conv2d_int8_imma_implicit_gemm", convImmaKernel<BM, BN, WM, WN>, mmaTileGrid<BM, BN>(l),
                 dim3(WM * WN * 32), 0, stream, 1, l);
  }
};

}  // namespace

void launchConvImma(const ConvLaunch& l, int tile, cudaStream_t stream) {
  launchMmaTile<Tiles>(tile, "INT8 convolution", l, stream);
}

}  // namespace int8rt::cuda::conv

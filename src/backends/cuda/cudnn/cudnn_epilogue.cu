// Bias + activation in place after a cuDNN convolution (cudnn_epilogue.h). Grid-stride, one
// element a thread; launched with programmatic dependent launch, waiting before the first access.
#include "backends/cuda/cudnn/cudnn_epilogue.h"
#include "backends/cuda/gemm/gemm_epilogue.cuh"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda {

namespace {

constexpr int kBlock = 256;

template <class T>
__global__ void channelBiasActivationKernel(T* __restrict__ y, const float* __restrict__ bias,
                                            int64_t count, int plane, int channels,
                                            DeviceActivation act) {
  pdlWait();
  for (int64_t i = blockIdx.x * int64_t{kBlock} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * kBlock) {
    float v = loadAsFloat(y, i);
    if (bias) v = __fadd_rn(v, bias[(i / plane) % channels]);  // never contracted, as on the CPU
    storeFromFloat(y, i, activateDevice(v, act));
  }
}

template <class T>
void launch(T* y, const float* bias, int64_t count, int plane, int channels, DeviceActivation act,
            cudaStream_t stream) {
  if (count == 0) return;
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  const int grid = static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);
  launchKernel("the bias and activation after cuDNN", channelBiasActivationKernel<T>, dim3(grid),
               dim3(kBlock), 0, stream, 1, y, bias, count, plane, channels, act);
}

}  // namespace

void launchChannelBiasActivation(float* y, const float* bias, int64_t count, int plane, int channels,
                                 DeviceActivation act, cudaStream_t stream) {
  launch(y, bias, count, plane, channels, act, stream);
}

void launchChannelBiasActivation(__half* y, const float* bias, int64_t count, int plane, int channels,
                                 DeviceActivation act, cudaStream_t stream) {
  launch(y, bias, count, plane, channels, act, stream);
}

}  // namespace int8rt::cuda

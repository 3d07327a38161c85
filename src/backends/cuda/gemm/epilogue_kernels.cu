// Epilogues that run after a cuBLASLt matmul: the INT8 FC epilogue over the s32 accumulators
// (cuBLASLt has no epilogue that is provably the CPU's fmaf + activation + requantization),
// and activations cuBLASLt has no exact epilogue for. Grid-stride loops, one element a thread;
// launched with programmatic dependent launch (pdl.h), waiting before their first access.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/gemm/gemm_epilogue.cuh"
#include "backends/cuda/gemm/gemm_kernels.h"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda {

namespace {

constexpr int kBlock = 256;

int gridFor(int64_t count) {
  const int64_t blocks = (count + kBlock - 1) / kBlock;
  return static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

__global__ void int8EpilogueKernel(const int32_t* __restrict__ acc, void* __restrict__ out,
                                   int64_t count, int k, DeviceInt8Epilogue epi) {
  pdlWait();
  for (int64_t i = blockIdx.x * int64_t{kBlock} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * kBlock)
    storeInt8Epilogue(epi, out, i, static_cast<int>(i % k), acc[i]);
}

template <class T>
__global__ void activationKernel(T* __restrict__ y, int64_t count, DeviceActivation act) {
  pdlWait();
  for (int64_t i = blockIdx.x * int64_t{kBlock} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * kBlock)
    storeFromFloat(y, i, activateDevice(loadAsFloat(y, i), act));
}

}  // namespace

void launchInt8Epilogue(const int32_t* acc, void* out, int64_t rows, int k,
                        const DeviceInt8Epilogue& epi, cudaStream_t stream) {
  const int64_t count = rows * k;
  if (count == 0) return;
  launchKernel("the INT8 fully connected epilogue", int8EpilogueKernel, dim3(gridFor(count)),
               dim3(kBlock), 0, stream, 1, acc, out, count, k, epi);
}

void launchActivationInPlace(float* y, int64_t count, DeviceActivation act, cudaStream_t stream) {
  if (count == 0) return;
  launchKernel("the fused activation after cuBLASLt", activationKernel<float>, dim3(gridFor(count)),
               dim3(kBlock), 0, stream, 1, y, count, act);
}

void launchActivationInPlace(__half* y, int64_t count, DeviceActivation act, cudaStream_t stream) {
  if (count == 0) return;
  launchKernel("the fused activation after cuBLASLt", activationKernel<__half>,
               dim3(gridFor(count)), dim3(kBlock), 0, stream, 1, y, count, act);
}

}  // namespace int8rt::cuda

// Launchers of the group's own CUDA kernels (fc_tiled_kernels.cu, epilogue_kernels.cu), with
// plain pointers only so that the candidates (C++20 host code) stay out of nvcc's C++17.
// Every launcher checks its launch (checkLaunch) and throws int8rt::Error.
#pragma once
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "int8rt/network.h"

namespace int8rt::cuda {

// The fused activation as a kernel argument (network.h's Activation without the host enum).
struct DeviceActivation {
  int type = 0;  // ActivationType
  float alpha = 0.f, beta = 0.f;
};

inline DeviceActivation toDevice(const Activation& a) {
  return {static_cast<int>(a.type), a.alpha, a.beta};
}

// The INT8 conv / FC epilogue constants on the device (int8_layer.h's EpilogueParams).
struct DeviceInt8Epilogue {
  const float* mult = nullptr;  // [K]: scale_x * scale_w[k]
  const float* bias = nullptr;  // [K], zeros when the layer has none
  DeviceActivation act;
  bool outInt8 = false;
  float outInvScale = 1.f;
};

// ---- own fully connected kernels: y[n][k] = epilogue(sum_c x[n][c] * w[k][c]) ----
// Tiles of 32 outputs x 16 samples per CTA, reduction staged through shared memory in chunks
// of fcTiledChunk() values; the weights are stored padded with zeros to ldw = a multiple of
// the chunk (fcTiledPaddedC), so that they load as aligned 16-byte vectors without bounds.
int64_t fcTiledPaddedC(int64_t c, bool int8);

// FP32 or FP16 (FP32 accumulation, weights kept in FP32): y = act(acc + bias[k]).
void launchFcTiledFloat(const float* x, const float* w, const float* bias, float* y, int n, int c,
                        int ldw, int k, DeviceActivation act, cudaStream_t stream);
void launchFcTiledHalf(const __half* x, const float* w, const float* bias, __half* y, int n, int c,
                       int ldw, int k, DeviceActivation act, cudaStream_t stream);
// INT8 with __dp4a: int32 accumulation, then the INT8 epilogue (INT8 or FP32 output).
void launchFcInt8Dp4a(const int8_t* x, const int8_t* w, void* y, int n, int c, int ldw, int k,
                      const DeviceInt8Epilogue& epi, cudaStream_t stream);

// INT8 on the tensor cores (mma.sync m16n8k32), small batches: packedW is W in fragment order
// (fcImmaPackWeights, fc_imma_pack.h); same epilogue as the dp4a kernel, exact. softmax (k <= 16,
// FP32 output): each sample's k outputs then go through a softmax (the fused SoftMax layer).
void launchFcInt8Imma(const int8_t* x, const void* packedW, void* y, int n, int c, int k,
                      const DeviceInt8Epilogue& epi, bool softmax, cudaStream_t stream);
// Samples per CTA the IMMA kernel uses at batch n with k outputs (8, 16 or 32).
int fcImmaSamplesPerCta(int n, int k);

// ---- epilogues after a cuBLASLt matmul ----
// out[i * k + j] = epilogue(acc[i * k + j]) for output channel j (INT8 FC after an s32 GEMM).
void launchInt8Epilogue(const int32_t* acc, void* out, int64_t rows, int k,
                        const DeviceInt8Epilogue& epi, cudaStream_t stream);
// y = act(y) in place (activations cuBLASLt has no exact epilogue for).
void launchActivationInPlace(float* y, int64_t count, DeviceActivation act, cudaStream_t stream);
void launchActivationInPlace(__half* y, int64_t count, DeviceActivation act, cudaStream_t stream);

}  // namespace int8rt::cuda

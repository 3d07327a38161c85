// 16-byte vector loads and stores of small arrays of elements: the element-wise kernels move
// V elements per step as whole uint4 (LDG.128 / STG.128) transactions. The memcpy between the
// uint4 registers and the element array compiles to register moves (no local memory).
#pragma once
#include <cuda_runtime.h>

#include <cstring>

namespace int8rt::cuda::dm {

// Loads V elements from p (16-byte aligned; V * sizeof(T) a multiple of 16).
template <int V, class T>
__device__ __forceinline__ void loadVector(const T* __restrict__ p, T (&v)[V]) {
  constexpr int kWords = V * sizeof(T) / 16;
  static_assert(V * sizeof(T) % 16 == 0, "whole 16-byte words");
  uint4 w[kWords];
#pragma unroll
  for (int k = 0; k < kWords; ++k) w[k] = __ldg(reinterpret_cast<const uint4*>(p) + k);
  memcpy(&v, &w, sizeof(w));
}

template <int V, class T>
__device__ __forceinline__ void storeVector(T* __restrict__ p, const T (&v)[V]) {
  constexpr int kWords = V * sizeof(T) / 16;
  static_assert(V * sizeof(T) % 16 == 0, "whole 16-byte words");
  uint4 w[kWords];
  memcpy(&w, &v, sizeof(w));
#pragma unroll
  for (int k = 0; k < kWords; ++k) reinterpret_cast<uint4*>(p)[k] = w[k];
}

}  // namespace int8rt::cuda::dm

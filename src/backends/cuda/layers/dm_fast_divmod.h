// Division by a run-time constant without a divide instruction: q = (umulhi(n, m) + n) >> s
// (Hacker's Delight, round-up method). The index math of the data-movement kernels divides every
// element's linear index by tensor dims; an integer division is ~20 instructions on the GPU, this
// is three. Exact for every n and d in [1, 2^31): the kernels' supports() keep tensors below
// 2^31 elements. Host and device: the host half is unit-tested without a GPU.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define DM_HOST_DEVICE __host__ __device__ __forceinline__
#define DM_UNROLL _Pragma("unroll")
#else
#define DM_HOST_DEVICE inline
#define DM_UNROLL
#endif

namespace int8rt::cuda::dm {

struct FastDivmod {
  uint32_t divisor = 1;
  uint32_t multiplier = 0;  // with shift 0 and divisor 1: q = (0 + n) >> 0 = n
  uint32_t shift = 0;

  FastDivmod() = default;
  // d in [1, 2^31).
  explicit FastDivmod(uint32_t d) : divisor(d) {
    uint32_t s = 0;
    while ((uint64_t(1) << s) < d) ++s;  // s = ceil(log2 d)
    shift = s;
    // m = floor(2^32 (2^s - d) / d) + 1 < 2^32 because 2^(s-1) < d <= 2^s.
    multiplier = static_cast<uint32_t>((((uint64_t(1) << s) - d) << 32) / d + 1);
  }

  DM_HOST_DEVICE uint32_t div(uint32_t n) const {
#if defined(__CUDA_ARCH__)
    const uint32_t hi = __umulhi(n, multiplier);
#else
    const uint32_t hi = static_cast<uint32_t>((uint64_t(n) * multiplier) >> 32);
#endif
    return (hi + n) >> shift;  // hi <= n < 2^31: the sum does not overflow
  }
  // Quotient, and n - q * divisor in rem.
  DM_HOST_DEVICE uint32_t divmod(uint32_t n, uint32_t& rem) const {
    const uint32_t q = div(n);
    rem = n - q * divisor;
    return q;
  }
};

// The largest element count the kernels index with 32-bit arithmetic.
constexpr int64_t kMaxIndexable = (int64_t(1) << 31) - 1;

}  // namespace int8rt::cuda::dm

// Device helpers of the INT8 tensor-core kernels that stage their operands in shared memory
// (the patch convolution, the fused chain): mma.sync m16n8k32 s8 x s8 -> s32, its A fragment by
// ldmatrix, byte packing, cp.async, and an exact float division for small indices.
#pragma once
#include <cstdint>

namespace int8rt::cuda::conv {

__device__ __forceinline__ uint32_t packBytes(int8_t a, int8_t b, int8_t c, int8_t d) {
  return static_cast<uint32_t>(static_cast<uint8_t>(a)) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b)) << 8) |
         (static_cast<uint32_t>(static_cast<uint8_t>(c)) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(d)) << 24);
}

// The A fragment of m16n8k32 (rows r0..r0+15, k bytes k0..k0+31 of a row-major int8 tile) with
// one ldmatrix.x4: seen as b16 elements, the four 8x8 matrices (rows 0-7 / 8-15 x bytes 0-15 /
// 16-31) are exactly a0..a3. Lane l gives the address of row (l & 7) + 8 ((l >> 3) & 1), byte
// 16 (l >> 4).
__device__ __forceinline__ void loadA(uint32_t (&a)[4], const unsigned char* rowBase, int stride,
                                      int lane) {
  const unsigned char* p = rowBase + ((lane & 7) + 8 * ((lane >> 3) & 1)) * stride + 16 * (lane >> 4);
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3])
               : "r"(addr));
}

__device__ __forceinline__ void imma(int (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// floor(i / d) for 0 <= i, d < 2^21 with inv = 1.f / d: (i + 0.5) / d is at least 0.5 / d
// away from an integer and the float error stays below that, so the truncation is exact.
__device__ __forceinline__ int fastDiv(int i, float inv) {
  return static_cast<int>(__fmul_rn(static_cast<float>(i) + 0.5f, inv));
}
// An inv for fastDiv in one instruction (1.f / d is a division routine: ~10 instructions and a
// slow-path branch). rcp.approx is within 1 ulp of 1 / d, and with it the error of
// (i + 0.5) * inv stays below 0.5 / d for the same i, d < 2^21: fastDiv stays exact.
__device__ __forceinline__ float fastRecip(int d) {
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(static_cast<float>(d)));
  return r;
}

__device__ __forceinline__ void cpAsync4(void* dst, const void* src, bool valid) {
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(d), "l"(src), "r"(valid ? 4 : 0));
}
__device__ __forceinline__ void cpAsync16(void* dst, const void* src, bool valid) {
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cpAsyncWaitOlder() { asm volatile("cp.async.wait_group 1;\n" ::); }
__device__ __forceinline__ void cpAsyncWaitAll() { asm volatile("cp.async.wait_group 0;\n" ::); }

}  // namespace int8rt::cuda::conv

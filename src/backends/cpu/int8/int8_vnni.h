// Entry points of the AVX-512 VNNI INT8 GEMM (gemm_int8_avx512vnni.cpp). Raw pointers only, as
// int8_common.h: no STL crosses into the *_avx512vnni.cpp translation unit.
//
// The operands are the AVX2 GEMM's packed layouts (int8_common.h): A [M/4][G][4 rows][4] signed
// weights in [-127, 127], B [N/16][G][16 cols][4] int8 activations, one B k-group of a block =
// 64 bytes = one zmm. vpdpbusd multiplies unsigned bytes by signed bytes, 4-way dot products
// into int32 lanes without any intermediate saturation. Signed activations are made unsigned
// by the offset u = x + 128 (x ^ 0x80): sum u*w = sum x*w + 128 * sum w, and the kernel
// subtracts 128 * rowSumW[row] (sum of the row's packed weights, computed at pack time).
// Column blocks flagged non-negative use x as u8 directly, no offset and no correction.
#pragma once
#include <cstdint>
#include <vector>

#include "backends/cpu/int8/int8_common.h"

namespace int8rt::cpu::i8 {

struct VnniGemmOperands {
  const int8_t* a = nullptr;        // packed A (packA layout)
  const int32_t* rowSumW = nullptr; // per row of A: sum of its weights (rows past M ignored)
  int64_t rows = 0;
  const int8_t* b = nullptr;        // packed B, 64-byte aligned
  int64_t cols = 0;
  int64_t kGroups = 0;
  const uint8_t* nonNegBlocks = nullptr;  // per column block: 1 = every value >= 0; null: none
};

// C = A * B exactly (int32), then the same float epilogue as gemmInt8Avx2, bit for bit.
// Needs AVX-512 F/BW/VL and VNNI (the caller checks cpuFeatures()).
void gemmInt8Avx512Vnni(const VnniGemmOperands& g, const Int8Epilogue& ep);

// Sum of each row's weights of a packed A with `rows` rows (rows past it are not written).
void packedRowSums(const int8_t* packedA, int64_t rows, int64_t kGroups, int32_t* sums);

}  // namespace int8rt::cpu::i8

namespace int8rt::cpu {
// The two kernels' lists (conv_int8_vnni.cpp, fc_int8_vnni.cpp); int8Avx512VnniCandidates()
// (int8_candidates.h) joins them.
std::vector<KernelCandidate> convolutionInt8VnniCandidates();
std::vector<KernelCandidate> fullyConnectedInt8VnniCandidates();
}  // namespace int8rt::cpu

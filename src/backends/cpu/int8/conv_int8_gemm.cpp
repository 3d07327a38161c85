// INT8 2-D convolution, AVX2: im2col + packing (conv_int8_im2col.h) feeding the exact int8 GEMM
// of gemm_int8_avx2.cpp. Tile 4 output channels x 16 pixels.
// U8 operands only for data without a negative byte; otherwise widened S16 operands
// (gemm_int8_avx2.cpp says why both are exact).
#include "backends/cpu/int8/conv_int8_im2col.h"
#include "backends/cpu/int8/int8_candidates.h"

namespace int8rt::cpu {

namespace {

struct Avx2ConvGemm {
  static constexpr const char* kName = "INT8 GEMM";
  std::vector<int16_t> packedA16;  // the packed weights sign-extended: the S16 scheme's operand

  void prepare(const std::vector<int8_t>& packedA, int64_t, int64_t, int64_t, int64_t) {
    packedA16.resize(packedA.size());
    i8::widenInt8Avx2(packedA.data(), packedA16.data(), static_cast<int64_t>(packedA.size()));
  }

  void run(const std::vector<int8_t>& packedA, int64_t aOffset, int64_t, int64_t rows,
           const int8_t* packedB, int64_t cols, int64_t kGroups, const uint8_t* flags,
           bool nonNeg, int64_t packBytes, const i8::Int8Epilogue& ep) const {
    i8::GemmOperands op;
    op.a8 = packedA.data() + aOffset;
    op.a16 = packedA16.data() + aOffset;
    op.rows = rows;
    op.b8 = packedB;
    op.cols = cols;
    op.kGroups = kGroups;
    op.nonNegBlocks = flags;
    if (!nonNeg) {
      auto* wide = reinterpret_cast<int16_t*>(threadScratch((packBytes + 1) / 2, 3));
      i8::widenInt8Avx2(packedB, wide, i8::packedBBytes(cols, kGroups));
      op.b16 = wide;
    }
    i8::gemmInt8Avx2(op, ep);
  }
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  return cpu.avx2 && cpu.fma && i8::im2colConvolutionSupports(s);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<i8::ConvolutionInt8Im2col<Avx2ConvGemm>>(s);
}

}  // namespace

std::vector<KernelCandidate> convolutionInt8GemmCandidates() {
  return {{"convolution_int8_im2col_gemm_4x16_avx2", LayerKind::kCONVOLUTION, DataType::kINT8,
           supports, create}};
}

}  // namespace int8rt::cpu

// INT8 2-D convolution with AVX-512 VNNI: the im2col + packing of conv_int8_im2col.h (same
// reduction order and packed layouts as the AVX2 kernel) feeding the VNNI GEMM
// (gemm_int8_avx512vnni.cpp, exactness argued there). Tile 8 output channels x 32 pixels.
// Non-negative data goes in as u8 directly, signed data with the +128 offset.
#include "backends/cpu/int8/conv_int8_im2col.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_vnni.h"

namespace int8rt::cpu {

namespace {

struct VnniConvGemm {
  static constexpr const char* kName = "INT8 VNNI";
  std::vector<int32_t> rowSumW;  // per output channel: sum of its quantized weights

  void prepare(const std::vector<int8_t>& packedA, int64_t groups, int64_t rowsPerGroup,
               int64_t kGroups, int64_t bytesPerGroup) {
    rowSumW.resize(static_cast<size_t>(groups * rowsPerGroup));
    for (int64_t g = 0; g < groups; ++g)
      i8::packedRowSums(packedA.data() + g * bytesPerGroup, rowsPerGroup, kGroups,
                        rowSumW.data() + g * rowsPerGroup);
  }

  void run(const std::vector<int8_t>& packedA, int64_t aOffset, int64_t row0, int64_t rows,
           const int8_t* packedB, int64_t cols, int64_t kGroups, const uint8_t* flags, bool,
           int64_t, const i8::Int8Epilogue& ep) const {
    i8::VnniGemmOperands op;
    op.a = packedA.data() + aOffset;
    op.rowSumW = rowSumW.data() + row0;
    op.rows = rows;
    op.b = packedB;
    op.cols = cols;
    op.kGroups = kGroups;
    op.nonNegBlocks = flags;
    i8::gemmInt8Avx512Vnni(op, ep);
  }
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  return cpu.avx2 && cpu.fma && cpu.avx512f && cpu.avx512bw && cpu.avx512vnni &&
         i8::im2colConvolutionSupports(s);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<i8::ConvolutionInt8Im2col<VnniConvGemm>>(s);
}

}  // namespace

std::vector<KernelCandidate> convolutionInt8VnniCandidates() {
  return {{"convolution_int8_im2col_gemm_8x32_avx512vnni", LayerKind::kCONVOLUTION,
           DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

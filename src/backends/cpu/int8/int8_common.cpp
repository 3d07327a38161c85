// Scalar pieces shared by the INT8 reference and fast kernels: setup checks, the epilogue of one
// accumulator, activation over an array, and packing of the weights (A) for the GEMM.
// Compiled without -mfma on purpose: std::fma is then the correctly rounded library call, which
// gives the same bits as the AVX2 vfmadd, and no other expression can be contracted.
#include "backends/cpu/int8/int8_common.h"

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/int8/int8_layer.h"
#include "core/error.h"

namespace int8rt::cpu::i8 {

bool int8Input(const KernelSetup& s, size_t i) {
  return i < s.inputTypes.size() && i < s.inputScales.size() &&
         s.inputTypes[i] == DataType::kINT8 && validScale(s.inputScales[i]);
}

bool int8OrFloatOutput(const KernelSetup& s, bool allowFloat) {
  if (s.outputTypes.size() != 1 || s.outputShapes.size() != 1) return false;
  if (s.outputTypes[0] == DataType::kFLOAT) return allowFloat;
  return s.outputTypes[0] == DataType::kINT8 && s.outputScales.size() == 1 &&
         validScale(s.outputScales[0]);
}

float epilogueFloat(int32_t acc, float mult, float bias, const Activation& act) {
  // One rounding for acc * mult + bias (fma), as the AVX2 epilogue.
  return activate(std::fma(static_cast<float>(acc), mult, bias), act);
}

void activateArray(float* y, int64_t n, const Activation& act) { activateRange(y, n, act); }

bool activationIsVectorized(const Activation& act) {
  switch (act.type) {
    case ActivationType::kNONE:
    case ActivationType::kRELU:
    case ActivationType::kCLIP:
    case ActivationType::kLEAKY_RELU:
      return true;
    default:
      return false;
  }
}

void packA(const int8_t* a, int64_t rows, int64_t r, int64_t lda, int8_t* packed) {
  const int64_t kGroups = (r + 3) / 4;
  const int64_t blocks = (rows + kMR - 1) / kMR;
  for (int64_t b = 0; b < blocks; ++b) {
    int8_t* dst = packed + b * kGroups * kMR * 4;
    for (int64_t g = 0; g < kGroups; ++g)
      for (int m = 0; m < kMR; ++m)
        for (int j = 0; j < 4; ++j) {
          const int64_t row = b * kMR + m, col = g * 4 + j;
          int8_t v = row < rows && col < r ? a[row * lda + col] : 0;
          // |w| <= 127 is what keeps both vpmaddubsw schemes exact (int8_common.h).
          check(v != -128, "internal error: INT8 weight -128 cannot be packed");
          dst[(g * kMR + m) * 4 + j] = v;
        }
  }
}

EpilogueParams makeEpilogueParams(const KernelSetup& s, const std::vector<float>& weightScales,
                                  const Weights& bias, const Activation& act,
                                  const std::string& layer) {
  const size_t k = weightScales.size();
  check(bias.empty() || bias.values.size() == k, "layer '", layer, "': bias has ", bias.count(),
        " values, expected ", k);
  check(static_cast<int>(act.type) < static_cast<int>(ActivationType::kCOUNT), "layer '", layer,
        "': unknown fused activation");
  check(int8Input(s, 0), "layer '", layer, "': INT8 kernel needs an INT8 input with a scale");
  check(int8OrFloatOutput(s, true), "layer '", layer,
        "': INT8 kernel needs an INT8 (with a scale) or FP32 output");
  EpilogueParams p;
  const float sx = s.inputScales[0];
  p.mult.resize(k);
  for (size_t i = 0; i < k; ++i) p.mult[i] = sx * weightScales[i];
  p.bias = bias.empty() ? std::vector<float>(k, 0.f) : bias.values;
  p.act = act;
  p.outInt8 = s.outputTypes[0] == DataType::kINT8;
  p.outInvScale = p.outInt8 ? 1.f / s.outputScales[0] : 1.f;
  return p;
}

Int8Epilogue makeEpilogue(const EpilogueParams& p, void* out, int64_t rowStride,
                          int64_t colStride) {
  Int8Epilogue e;
  e.mult = p.mult.data();
  e.bias = p.bias.data();
  e.act = p.act;
  e.outInt8 = p.outInt8;
  e.outInvScale = p.outInvScale;
  e.out = out;
  e.rowStride = rowStride;
  e.colStride = colStride;
  return e;
}

}  // namespace int8rt::cpu::i8

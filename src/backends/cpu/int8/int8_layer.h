// Layer-level helpers of the INT8 kernels (STL allowed: never included by *_avx2.cpp): the
// per-output-channel epilogue constants and the scalar store of one output value.
#pragma once
#include <string>
#include <vector>

#include "backends/cpu/int8/int8_common.h"
#include "backends/cpu/int8/quantize.h"

namespace int8rt::cpu::i8 {

struct EpilogueParams {
  std::vector<float> mult;  // [K]: scale_x * scale_w[k], one float product as the contract says
  std::vector<float> bias;  // [K], zeros when the layer has none
  Activation act;
  bool outInt8 = false;
  float outInvScale = 1.f;  // 1.f / output scale: requantizeValue multiplies
};

// From the setup's input/output types and scales and the layer's weight scales and bias.
EpilogueParams makeEpilogueParams(const KernelSetup& s, const std::vector<float>& weightScales,
                                  const Weights& bias, const Activation& act,
                                  const std::string& layer);

// An Int8Epilogue view over `p` writing to `out` with the given strides.
Int8Epilogue makeEpilogue(const EpilogueParams& p, void* out, int64_t rowStride, int64_t colStride);

// out[index] = epilogue of acc for output channel k (float or requantized int8).
inline void storeOutput(const EpilogueParams& p, void* out, int64_t index, int64_t k, int32_t acc) {
  const float y = epilogueFloat(acc, p.mult[k], p.bias[k], p.act);
  if (p.outInt8)
    static_cast<int8_t*>(out)[index] = requantizeValue(y, p.outInvScale);
  else
    static_cast<float*>(out)[index] = y;
}

}  // namespace int8rt::cpu::i8

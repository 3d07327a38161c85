// The convolution test case shared by the CUDA convolution tests (implicit GEMM, NHWC, cuDNN):
// one description of a case, its layer with seeded random weights, its typed setup, so every
// suite builds the same layer from the same numbers.
#pragma once
#include <string>
#include <vector>

#include "cuda_test_util.h"

namespace int8rt::cuda::test {

// A 2-D convolution case: the setup batch and a run batch below it, input c×h×w, k maps of r×s.
struct ConvCase {
  const char* what;
  int64_t setupBatch, runBatch, c, h, w, k, r, s;
  Shape stride, padBegin, padEnd, dilation;
  int64_t groups;
  ActivationType act;
  bool bias = true;
};

// The layer of a case; roundToHalf makes weights and bias exactly representable in FP16 so
// that the FP16 comparison sees only accumulation order and the output rounding.
inline Layer makeConvLayer(const ConvCase& cc, uint32_t seed, bool roundToHalf = false,
                           float weightMagnitude = 1.f) {
  ConvolutionParams p;
  p.nbOutputMaps = cc.k;
  p.kernel = {cc.r, cc.s};
  p.stride = cc.stride;
  p.padBegin = cc.padBegin;
  p.padEnd = cc.padEnd;
  p.dilation = cc.dilation;
  p.groups = cc.groups;
  p.weights.values = cpu::test::randomValues(cc.k * (cc.c / cc.groups) * cc.r * cc.s, seed, weightMagnitude);
  if (cc.bias) p.bias.values = cpu::test::randomValues(cc.k, seed + 1);
  if (roundToHalf) {
    for (float& v : p.weights.values) v = __half2float(__float2half(v));
    for (float& v : p.bias.values) v = __half2float(__float2half(v));
  }
  p.activation.type = cc.act;
  if (cc.act == ActivationType::kLEAKY_RELU) p.activation.alpha = 0.1f;
  if (cc.act == ActivationType::kCLIP) p.activation = {ActivationType::kCLIP, -0.5f, 1.5f};
  return cpu::test::makeLayer(std::move(p), 1, cc.what);
}

// The setup at the case's setup batch with the given input and output types.
inline KernelSetup typedSetup(const Layer& layer, const ConvCase& cc, DataType in, DataType out) {
  KernelSetup s = cpu::test::makeSetup(layer, {{cc.setupBatch, cc.c, cc.h, cc.w}});
  s.inputTypes = {in};
  s.outputTypes = {out};
  return s;
}

inline Shape runShape(const ConvCase& cc) { return {cc.runBatch, cc.c, cc.h, cc.w}; }
// Products summed per output element (the error of a sum grows with it).
inline int64_t reductionOf(const ConvCase& cc) { return cc.c / cc.groups * cc.r * cc.s; }

// The configurations a candidate offers for s; none when no candidate has that name.
inline std::vector<std::string> configsFor(const std::string& name, const KernelSetup& s) {
  const Candidate* c = findKernel(name);
  if (!c) return {};
  return configsOf(*c, s, currentDevice());
}

}  // namespace int8rt::cuda::test

// A random INT8 convolution test case shared by the AVX2 and VNNI kernel tests: the spec, the
// layer it makes (random non-zero weights and bias) and its input shape.
#pragma once
#include "int8_test_util.h"

namespace int8rt::cpu::int8test {

struct ConvSpec {
  int64_t c = 3, k = 7, h = 13, w = 11;
  Shape kernel{3, 3}, stride{1, 1}, padBegin{0, 0}, padEnd{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  Activation act;
  float inScale = 0.05f, outScale = 0.1f;  // outScale 0: FP32 output
  int64_t setupBatch = 3, runBatch = 2;
  int lo = -128, hi = 127;  // activation range
  uint32_t seed = 1;
};

inline Layer convLayer(const ConvSpec& s) {
  ConvolutionParams p;
  p.nbOutputMaps = s.k;
  p.kernel = s.kernel;
  p.stride = s.stride;
  p.padBegin = s.padBegin;
  p.padEnd = s.padEnd;
  p.dilation = s.dilation;
  p.groups = s.groups;
  int64_t kv = 1;
  for (int64_t d : s.kernel) kv *= d;
  p.weights.values = randomFloats(s.k * (s.c / s.groups) * kv, s.seed + 100, -0.5f, 0.5f);
  p.bias.values = randomFloats(s.k, s.seed + 200, -2.f, 2.f);
  p.activation = s.act;
  return makeLayer(p, 1, "conv");
}

inline Shape inputShape(const ConvSpec& s, int64_t n) {
  return s.kernel.size() == 1 ? Shape{n, s.c, s.w} : Shape{n, s.c, s.h, s.w};
}

}  // namespace int8rt::cpu::int8test

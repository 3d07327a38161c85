// Per-output-channel symmetric weight quantization (CONTRACTS §2), shared by the INT8 kernels,
// the builder and the diagnostics so that everybody quantizes weights the same way.
#pragma once
#include <cstdint>
#include <vector>

#include "int8rt/network.h"

namespace int8rt::cpu {

struct QuantizedWeights {
  int64_t channels = 0;
  int64_t perChannel = 0;      // values per output channel
  std::vector<int8_t> values;  // [channels * perChannel], each in [-127, 127]
  std::vector<float> scales;   // [channels]: max|W_k| / 127; 0 for an all-zero channel
};

// Channel k owns w[k * perChannel, (k + 1) * perChannel): the layout of convolution weights
// [K, C/g, k...] and fully connected weights [K, C]. scale_k = max|W_k| / 127 (float32),
// q = round_half_even(W / scale_k), never -128 (the AVX2 kernels' exactness proof needs
// |q| <= 127). A zero channel gets scale 0 and zero weights. Throws on non-finite weights.
QuantizedWeights quantizeWeightsPerChannel(const float* w, int64_t channels, int64_t perChannel);
QuantizedWeights quantizeWeightsPerChannel(const Weights& w, int64_t channels);

}  // namespace int8rt::cpu

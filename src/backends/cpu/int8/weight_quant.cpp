// Per-output-channel symmetric weight quantization: scale_k = max|W_k| / 127, q = rne(W / s).
// Layout: channel k contiguous (conv [K, C/g, k...], FC [K, C]); one pass per channel.
#include "backends/cpu/int8/weight_quant.h"

#include <cmath>

#include "core/error.h"

namespace int8rt::cpu {

QuantizedWeights quantizeWeightsPerChannel(const float* w, int64_t channels, int64_t perChannel) {
  check(channels >= 0 && perChannel >= 0, "quantizeWeightsPerChannel: negative size");
  QuantizedWeights q;
  q.channels = channels;
  q.perChannel = perChannel;
  q.values.assign(static_cast<size_t>(channels * perChannel), 0);
  q.scales.assign(static_cast<size_t>(channels), 0.f);
  for (int64_t k = 0; k < channels; ++k) {
    const float* wk = w + k * perChannel;
    float amax = 0.f;
    for (int64_t i = 0; i < perChannel; ++i) {
      if (!std::isfinite(wk[i]))
        fail("quantizeWeightsPerChannel: channel ", k, " has a non-finite weight");
      amax = std::fmax(amax, std::fabs(wk[i]));
    }
    if (amax == 0.f) continue;  // scale 0, weights 0: the channel outputs its bias only
    const float scale = amax / 127.f;
    if (scale == 0.f) continue;  // amax is a denormal that underflows: treat as a zero channel
    q.scales[k] = scale;
    int8_t* qk = q.values.data() + k * perChannel;
    for (int64_t i = 0; i < perChannel; ++i) {
      // W / scale is at most 127 * (1 + 2^-23) in magnitude, so the clamp only guards -128.
      float v = std::nearbyint(wk[i] / scale);
      v = std::fmin(std::fmax(v, -127.f), 127.f);
      qk[i] = static_cast<int8_t>(v);
    }
  }
  return q;
}

QuantizedWeights quantizeWeightsPerChannel(const Weights& w, int64_t channels) {
  check(channels > 0 && w.count() % channels == 0, "quantizeWeightsPerChannel: ", w.count(),
        " weights do not split into ", channels, " channels");
  return quantizeWeightsPerChannel(w.values.data(), channels, w.count() / channels);
}

}  // namespace int8rt::cpu

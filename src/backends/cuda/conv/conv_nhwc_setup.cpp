// Host-side preparation of the NHWC FP16 convolution: see conv_nhwc.h.
#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/conv/conv_nhwc.h"
#include "backends/cuda/conv/conv_setup.h"

namespace int8rt::cuda::conv {

int nhwcVectorWidth(int64_t cg) {
  if (cg % 8 == 0) return 8;
  if (cg % 4 == 0) return 4;
  return 0;
}

bool supportedNhwcConv(const KernelSetup& s) {
  if (!supportedConv2d(s) || !cpu::allOfType(s, DataType::kHALF)) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  return nhwcVectorWidth(s.inputShapes[0][1] / p.groups) != 0;
}

std::vector<ConvTap> makeNhwcTapTable(const ConvGeometry& g, const ConvolutionParams& p, int vec) {
  check(vec > 0 && g.cg % vec == 0 && g.reductionPadded % vec == 0,
        "internal error: NHWC tap table for ", g.cg, " channels in vectors of ", vec);
  const int s = static_cast<int>(p.kernel[1]);
  const int dh = static_cast<int>(cpu::dimOr(p.dilation, 0, 1));
  const int dw = static_cast<int>(cpu::dimOr(p.dilation, 1, 1));
  std::vector<ConvTap> taps(static_cast<size_t>(g.reductionPadded / vec), ConvTap{0, kNoTap << 16});
  for (int k = 0; k < g.reduction; k += vec) {
    const int tap = k / g.cg, c = k % g.cg;  // a vector never crosses a tap: cg % vec == 0
    const int dy = tap / s * dh, dx = tap % s * dw;
    taps[static_cast<size_t>(k / vec)] = {(dy * g.w + dx) * g.c + c, dy << 16 | dx};
  }
  return taps;
}

std::vector<float> packNhwcWeights(const ConvGeometry& g, const ConvolutionParams& p) {
  const int r = static_cast<int>(p.kernel[0]), s = static_cast<int>(p.kernel[1]);
  const std::vector<float>& w = p.weights.values;
  std::vector<float> out(static_cast<size_t>(g.groups) * g.mPadded * g.reductionPadded, 0.f);
  for (int grp = 0; grp < g.groups; ++grp)
    for (int m = 0; m < g.kg; ++m)
      for (int c = 0; c < g.cg; ++c)
        for (int kr = 0; kr < r; ++kr)
          for (int ks = 0; ks < s; ++ks) {
            const size_t from = (static_cast<size_t>(grp * g.kg + m) * g.cg + c) * r * s + kr * s + ks;
            const size_t to = (static_cast<size_t>(grp) * g.mPadded + m) * g.reductionPadded +
                              static_cast<size_t>((kr * s + ks) * g.cg + c);
            out[to] = w[from];
          }
  return out;
}

}  // namespace int8rt::cuda::conv

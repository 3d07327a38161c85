// Host-side preparation of the CUDA convolutions: see conv_setup.h.
#include "backends/cuda/conv/conv_setup.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/conv/conv_launch.h"

namespace int8rt::cuda::conv {

namespace {

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

bool rankOk(const Shape& v) { return v.empty() || v.size() == 2; }

}  // namespace

bool quantizedOnLoad(const KernelSetup& s) {
  return !s.inputTypes.empty() && s.inputTypes[0] == DataType::kFLOAT && !s.inputScales.empty() &&
         s.inputScales[0] > 0.f && std::isfinite(s.inputScales[0]);
}

void convOutputPlane(const KernelSetup& s, int64_t& oh, int64_t& ow) {
  const auto& p = s.layer->as<ConvolutionParams>();
  const Shape& x = s.inputShapes[0];
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    const int64_t span = x[2 + i] + cpu::dimOr(p.padBegin, i, 0) + cpu::dimOr(p.padEnd, i, 0) -
                         (p.kernel[i] - 1) * cpu::dimOr(p.dilation, i, 1) - 1;
    out[i] = span < 0 ? 0 : span / cpu::dimOr(p.stride, i, 1) + 1;
  }
  oh = out[0];
  ow = out[1];
}

bool supportedConv2d(const KernelSetup& s, bool allowFusedPool) {
  if (!cpu::isKind(s, LayerKind::kCONVOLUTION)) return false;
  if (s.inputShapes.size() != 1 || s.inputTypes.size() != 1 || s.outputShapes.size() != 1 ||
      s.outputTypes.size() != 1)
    return false;
  const Shape& x = s.inputShapes[0];
  const Shape& y = s.outputShapes[0];
  if (x.size() != 4 || y.size() != 4) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  if (p.kernel.size() != 2 || !rankOk(p.stride) || !rankOk(p.padBegin) || !rankOk(p.padEnd) ||
      !rankOk(p.dilation))
    return false;
  for (int i = 0; i < 2; ++i)
    if (p.kernel[i] < 1 || cpu::dimOr(p.stride, i, 1) < 1 || cpu::dimOr(p.dilation, i, 1) < 1 ||
        cpu::dimOr(p.padBegin, i, 0) < 0 || cpu::dimOr(p.padEnd, i, 0) < 0)
      return false;
  const int64_t c = x[1], k = p.nbOutputMaps;
  if (p.groups < 1 || c % p.groups != 0 || k % p.groups != 0 || y[1] != k || y[0] != x[0])
    return false;
  const int64_t reduction = c / p.groups * p.kernel[0] * p.kernel[1];
  if (p.weights.count() != k * reduction || (!p.bias.empty() && p.bias.count() != k)) return false;
  if (!cpu::isValidActivation(p.activation)) return false;
  // The output plane: the convolution's, or the fused pool's (window == stride, floor).
  int64_t oh = 0, ow = 0;
  convOutputPlane(s, oh, ow);
  if (oh < 1 || ow < 1) return false;
  if (!p.fusedMaxPool.empty()) {
    if (!allowFusedPool || p.fusedMaxPool.size() != 2 || p.fusedMaxPool[0] < 1 ||
        p.fusedMaxPool[1] < 1 || p.fusedMaxPool[0] > oh || p.fusedMaxPool[1] > ow)
      return false;
    oh /= p.fusedMaxPool[0];
    ow /= p.fusedMaxPool[1];
  }
  if (y[2] != oh || y[3] != ow) return false;
  // Tap displacements are packed in 16 bits (conv_params.h); indices are int.
  const int64_t span0 = (p.kernel[0] - 1) * cpu::dimOr(p.dilation, 0, 1);
  const int64_t span1 = (p.kernel[1] - 1) * cpu::dimOr(p.dilation, 1, 1);
  if (x[2] >= kNoTap || x[3] >= kNoTap || span0 >= kNoTap || span1 >= kNoTap) return false;
  const int64_t limit = std::numeric_limits<int>::max() / 2;
  if (cpu::elementCount(x) > limit || cpu::elementCount(y) > limit) return false;
  if (y[0] * y[2] * y[3] > limit || roundUp(reduction, kReductionAlign) * (k + kRowAlign) > limit)
    return false;
  return y[2] >= 1 && y[3] >= 1;
}

ConvGeometry makeConvGeometry(const KernelSetup& s) {
  check(supportedConv2d(s), "layer '", s.layer ? s.layer->name : std::string("?"),
        "': not a 2-D convolution the CUDA kernels support");
  const Shape& x = s.inputShapes[0];
  const Shape& y = s.outputShapes[0];
  const auto& p = s.layer->as<ConvolutionParams>();
  ConvGeometry g;
  g.c = static_cast<int>(x[1]);
  g.h = static_cast<int>(x[2]);
  g.w = static_cast<int>(x[3]);
  g.k = static_cast<int>(p.nbOutputMaps);
  g.oh = static_cast<int>(y[2]);
  g.ow = static_cast<int>(y[3]);
  g.groups = static_cast<int>(p.groups);
  g.cg = g.c / g.groups;
  g.kg = g.k / g.groups;
  g.reduction = static_cast<int>(g.cg * p.kernel[0] * p.kernel[1]);
  g.reductionPadded = static_cast<int>(roundUp(g.reduction, kReductionAlign));
  g.mPadded = static_cast<int>(roundUp(g.kg, kRowAlign));
  g.strideH = static_cast<int>(cpu::dimOr(p.stride, 0, 1));
  g.strideW = static_cast<int>(cpu::dimOr(p.stride, 1, 1));
  g.padH = static_cast<int>(cpu::dimOr(p.padBegin, 0, 0));
  g.padW = static_cast<int>(cpu::dimOr(p.padBegin, 1, 0));
  return g;
}

std::vector<ConvTap> makeTapTable(const ConvGeometry& g, const ConvolutionParams& p) {
  const int r = static_cast<int>(p.kernel[0]), sz = static_cast<int>(p.kernel[1]);
  const int dh = static_cast<int>(cpu::dimOr(p.dilation, 0, 1));
  const int dw = static_cast<int>(cpu::dimOr(p.dilation, 1, 1));
  std::vector<ConvTap> taps(static_cast<size_t>(g.reductionPadded), ConvTap{0, kNoTap << 16});
  for (int c = 0; c < g.cg; ++c)
    for (int kr = 0; kr < r; ++kr)
      for (int ks = 0; ks < sz; ++ks) {
        const int dy = kr * dh, dx = ks * dw;
        taps[static_cast<size_t>((c * r + kr) * sz + ks)] = {c * g.h * g.w + dy * g.w + dx, dy << 16 | dx};
      }
  return taps;
}

std::vector<float> packWeightsTransposed(const ConvGeometry& g, const std::vector<float>& w) {
  std::vector<float> out(static_cast<size_t>(g.groups) * g.reductionPadded * g.mPadded, 0.f);
  for (int grp = 0; grp < g.groups; ++grp)
    for (int m = 0; m < g.kg; ++m)
      for (int r = 0; r < g.reduction; ++r)
        out[(static_cast<size_t>(grp) * g.reductionPadded + r) * g.mPadded + m] =
            w[static_cast<size_t>(grp * g.kg + m) * g.reduction + r];
  return out;
}

template <class T>
static std::vector<T> packRows(const ConvGeometry& g, const std::vector<T>& w) {
  std::vector<T> out(static_cast<size_t>(g.groups) * g.mPadded * g.reductionPadded, T(0));
  for (int grp = 0; grp < g.groups; ++grp)
    for (int m = 0; m < g.kg; ++m)
      for (int r = 0; r < g.reduction; ++r)
        out[(static_cast<size_t>(grp) * g.mPadded + m) * g.reductionPadded + r] =
            w[static_cast<size_t>(grp * g.kg + m) * g.reduction + r];
  return out;
}

std::vector<float> packWeightsRows(const ConvGeometry& g, const std::vector<float>& w) {
  return packRows(g, w);
}

std::vector<int8_t> packInt8Rows(const ConvGeometry& g, const std::vector<int8_t>& w) {
  return packRows(g, w);
}

ConvActivation makeConvActivation(const Activation& a) {
  ConvActivation c;
  c.type = static_cast<int>(a.type);
  c.alpha = a.alpha;
  c.beta = a.beta;
  const float inf = std::numeric_limits<float>::infinity();
  switch (a.type) {
    case ActivationType::kNONE: c.linear = true, c.slope = 1.f, c.lo = -inf, c.hi = inf; break;
    case ActivationType::kRELU: c.linear = true, c.slope = 0.f, c.lo = 0.f, c.hi = inf; break;
    case ActivationType::kLEAKY_RELU: c.linear = true, c.slope = a.alpha, c.lo = -inf, c.hi = inf; break;
    case ActivationType::kCLIP: c.linear = true, c.slope = 1.f, c.lo = a.alpha, c.hi = a.beta; break;
    default: break;
  }
  return c;
}

int defaultTile(const ConvGeometry& g, int64_t batch, const std::vector<std::string>& tiles) {
  const int64_t columns = batch * g.oh * g.ow;
  int best = 0;
  int64_t bestArea = -1, smallestArea = std::numeric_limits<int64_t>::max();
  int smallest = 0;
  for (size_t i = 0; i < tiles.size(); ++i) {
    int bm = 0, bn = 0;
    if (std::sscanf(tiles[i].c_str(), "%dx%d", &bm, &bn) != 2) continue;
    const int64_t ctas = (columns + bn - 1) / bn * ((g.kg + bm - 1) / bm) * g.groups;
    const int64_t area = int64_t(bm) * bn;
    if (area < smallestArea) smallestArea = area, smallest = static_cast<int>(i);
    if (ctas >= 132 && area > bestArea) bestArea = area, best = static_cast<int>(i);
  }
  return bestArea < 0 ? smallest : best;
}

void checkRunShapes(const Shape& xs, const Shape& ys, int64_t maxBatch,
                    const std::array<int64_t, 3>& in, const std::array<int64_t, 3>& out,
                    const std::string& layer) {
  check(xs.size() == 4 && ys.size() == 4 && xs[0] == ys[0] && xs[0] >= 1 && xs[0] <= maxBatch &&
            xs[1] == in[0] && xs[2] == in[1] && xs[3] == in[2] && ys[1] == out[0] &&
            ys[2] == out[1] && ys[3] == out[2],
        "layer '", layer, "': run shapes ", cpu::shapeText(xs), " -> ", cpu::shapeText(ys),
        " do not match the convolution");
}

}  // namespace int8rt::cuda::conv

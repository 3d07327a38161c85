// N-d convolution (groups, stride, dilation, asymmetric pads) + bias + fused activation, scalar,
// then the fused max pool where the builder fused one (ConvolutionParams::fusedMaxPool).
// Layout: x [N, C, d...], w [K, C/groups, k...], y [N, K, o...]; no tiling: this is the oracle.
#include <algorithm>
#include <limits>
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/fused_max_pool.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/spatial_geometry.h"

namespace int8rt::cpu {

namespace {

class ConvolutionRef final : public CpuKernel {
 public:
  explicit ConvolutionRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ConvolutionParams>()) {
    const Shape& x = s.inputShapes.at(0);
    if (x.size() < 3)
      fail("layer '", name_, "': convolution input ", shapeText(x), " has no spatial dims");
    geo_ = makeGeometry(static_cast<int>(x.size()) - 2, p_.kernel, p_.stride, p_.padBegin,
                        p_.padEnd, p_.dilation, name_);
    int64_t c = x[1], k = p_.nbOutputMaps;
    if (p_.groups < 1 || c % p_.groups != 0 || k % p_.groups != 0)
      fail("layer '", name_, "': ", c, " channels and ", k, " outputs do not split into ",
           p_.groups, " groups");
    if (p_.weights.count() != k * (c / p_.groups) * elementCount(p_.kernel))
      fail("layer '", name_, "': convolution weights have ", p_.weights.count(),
           " values, expected ", k * (c / p_.groups) * elementCount(p_.kernel));
    if (!p_.bias.empty() && p_.bias.count() != k)
      fail("layer '", name_, "': bias has ", p_.bias.count(), " values, expected ", k);
    if (!isValidActivation(p_.activation)) fail("layer '", name_, "': unknown fused activation");
    if (!p_.fusedMaxPool.empty() && static_cast<int>(p_.fusedMaxPool.size()) != geo_.rank)
      fail("layer '", name_, "': fused max pool ", shapeText(p_.fusedMaxPool), " does not match ",
           geo_.rank, " spatial dims");
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const float* x = a.inputs[0].f32();
    const int S = geo_.rank;
    if (static_cast<int>(xs.size()) != S + 2 || ys.size() != xs.size() || ys[1] != p_.nbOutputMaps)
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
           " do not match the convolution");
    // With a fused max pool the convolution writes a scratch tensor, pooled into y at the end.
    const Shape zs = unpooledShape(xs, ys, geo_, p_, name_);
    std::vector<float> scratch(p_.fusedMaxPool.empty() ? 0 : static_cast<size_t>(elementCount(zs)));
    float* y = p_.fusedMaxPool.empty() ? a.outputs[0].f32() : scratch.data();
    const int64_t N = xs[0], C = xs[1], K = ys[1], G = p_.groups;
    const int64_t Cg = C / G, Kg = K / G;
    const int64_t inVol = product(xs, 2, xs.size()), outVol = product(zs, 2, zs.size());
    const int64_t kVol = elementCount(geo_.kernel);
    const float* w = p_.weights.values.data();

    std::vector<int64_t> o(S), kp(S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        const int64_t g = k / Kg;
        for (int64_t oi = 0; oi < outVol; ++oi) {
          unravelIndex(oi, zs, 2, o);
          float acc = p_.bias.empty() ? 0.f : p_.bias.values[k];
          for (int64_t c = 0; c < Cg; ++c) {
            const float* xc = x + (n * C + g * Cg + c) * inVol;
            const float* wc = w + (k * Cg + c) * kVol;
            for (int64_t ki = 0; ki < kVol; ++ki) {
              unravelIndex(ki, geo_.kernel, 0, kp);
              int64_t off = 0;
              bool inside = true;
              for (int d = 0; d < S && inside; ++d) {
                int64_t i = o[d] * geo_.stride[d] - geo_.padBegin[d] + kp[d] * geo_.dilation[d];
                inside = i >= 0 && i < xs[2 + d];
                off = off * xs[2 + d] + i;
              }
              if (inside) acc += xc[off] * wc[ki];
            }
          }
          y[(n * K + k) * outVol + oi] = activate(acc, p_.activation);
        }
      }
    if (!p_.fusedMaxPool.empty()) maxPoolWindows(y, zs, a.outputs[0].f32(), ys, p_.fusedMaxPool);
  }

 private:
  std::string name_;
  ConvolutionParams p_;
  SpatialGeometry geo_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kCONVOLUTION, 1) && s.inputShapes[0].size() >= 3;
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ConvolutionRef>(s);
}

}  // namespace

std::vector<KernelCandidate> convolutionRefCandidates() {
  return {{"convolution_ref", LayerKind::kCONVOLUTION, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

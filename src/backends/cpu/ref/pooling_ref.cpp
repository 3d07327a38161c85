// N-d max / average pooling (stride, dilation, asymmetric pads, ceil-rounded output, global),
// scalar. Layout: x [N, C, d...], y [N, C, o...] (output sizes come from the run's shapes); no
// tiling.
#include <limits>
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/spatial_geometry.h"

namespace int8rt::cpu {

namespace {

class PoolingRef final : public CpuKernel {
 public:
  explicit PoolingRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<PoolingParams>()) {
    const Shape& x = s.inputShapes.at(0);
    if (x.size() < 3)
      fail("layer '", name_, "': pooling input ", shapeText(x), " has no spatial dims");
    if (!p_.global)
      makeGeometry(static_cast<int>(x.size()) - 2, p_.window, p_.stride, p_.padBegin, p_.padEnd,
                   p_.dilation, name_);
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    const int S = static_cast<int>(xs.size()) - 2;
    if (S < 1 || ys.size() != xs.size() || ys[0] != xs[0] || ys[1] != xs[1])
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
           " do not match the pooling");
    SpatialGeometry g = poolingGeometry(p_, xs, name_);
    const bool isMax = p_.type == PoolingType::kMAX;
    const int64_t planes = xs[0] * xs[1];
    const int64_t inVol = product(xs, 2, xs.size()), outVol = product(ys, 2, ys.size());
    const int64_t wVol = elementCount(g.kernel);
    std::vector<int64_t> o(S), kp(S);

    for (int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x + pl * inVol;
      for (int64_t oi = 0; oi < outVol; ++oi) {
        unravelIndex(oi, ys, 2, o);
        float best = std::numeric_limits<float>::lowest();
        float sum = 0.f;
        auto [inside, inPadded] = visitPoolWindow(g, xs, o.data(), kp.data(), wVol, [&](int64_t off) {
          if (xp[off] > best) best = xp[off];
          sum += xp[off];
        });
        float v;
        if (isMax) {
          v = best;  // a window wholly in the padding keeps the lowest float, as Caffe does
        } else {
          int64_t count = p_.averageExcludesPadding ? inside : inPadded;
          v = count > 0 ? sum / static_cast<float>(count) : 0.f;
        }
        y[pl * outVol + oi] = v;
      }
    }
  }

 private:
  std::string name_;
  PoolingParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kPOOLING, 1) && s.inputShapes[0].size() >= 3;
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<PoolingRef>(s); }

}  // namespace

std::vector<KernelCandidate> poolingRefCandidates() {
  return {{"pooling_ref", LayerKind::kPOOLING, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

// Scale: y = (x * scale + shift) ^ power, per tensor, per channel (dim 1) or per element of a
// sample, then the fused activation. Layout: any shape with batch first, row-major; scalar.
#include <cmath>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class ScaleRef final : public CpuKernel {
 public:
  explicit ScaleRef(const KernelSetup& s) : name_(s.layer->name), p_(s.layer->as<ScaleParams>()) {
    const int64_t n = weightCount_ = count(s.inputShapes.at(0));
    for (const Weights* w : {&p_.shift, &p_.scale, &p_.power})
      if (!w->empty() && w->count() != n)
        fail("layer '", name_, "': scale weights have ", w->count(), " values, expected ", n,
             " for input ", shapeText(s.inputShapes[0]));
    if (!isValidActivation(p_.activation)) fail("layer '", name_, "': unknown fused activation");
  }

  void run(const RunArgs& args) override {
    const Shape& xs = args.inputs[0].shape;
    if (count(xs) != weightCount_)
      fail("layer '", name_, "': run shape ", shapeText(xs), " does not match the scale weights");
    const int64_t n = elementCount(xs);
    // Element i uses weight index (i / inner) % period: 0 for uniform, the channel, or the
    // position within the sample.
    int64_t inner = 1, period = 1;
    if (p_.mode == ScaleMode::kCHANNEL) {
      inner = product(xs, 2, xs.size());
      period = xs[1];
    } else if (p_.mode == ScaleMode::kELEMENTWISE) {
      period = product(xs, 1, xs.size());
    }
    const float* x = args.inputs[0].f32();
    float* y = args.outputs[0].f32();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t w = (i / inner) % period;
      float v = x[i] * (p_.scale.empty() ? 1.f : p_.scale.values[w]) +
                (p_.shift.empty() ? 0.f : p_.shift.values[w]);
      if (!p_.power.empty() && p_.power.values[w] != 1.f) v = std::pow(v, p_.power.values[w]);
      y[i] = activate(v, p_.activation);
    }
  }

 private:
  // Number of weight values the mode needs for an input of shape x.
  int64_t count(const Shape& x) const {
    if (p_.mode == ScaleMode::kCHANNEL) {
      if (x.size() < 2) fail("layer '", name_, "': per-channel scale needs a channel dim");
      return x[1];
    }
    if (p_.mode == ScaleMode::kELEMENTWISE) return product(x, 1, x.size());
    return 1;
  }

  std::string name_;
  ScaleParams p_;
  int64_t weightCount_ = 0;  // values per weight array the setup shape needs
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kSCALE, 1) && !s.inputShapes[0].empty();
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<ScaleRef>(s); }

}  // namespace

std::vector<KernelCandidate> scaleRefCandidates() {
  return {{"scale_ref", LayerKind::kSCALE, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

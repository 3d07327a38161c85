// Softmax / log-softmax over one axis (or over the flattened trailing dims with coerce2D),
// numerically stable (the row maximum is subtracted first). Layout: any shape, row-major; scalar.
#include <cmath>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/softmax_row.h"

namespace int8rt::cpu {

namespace {

class SoftMaxRef final : public CpuKernel {
 public:
  explicit SoftMaxRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<SoftMaxParams>()) {
    normalizeAxis(p_.axis, s.inputShapes.at(0).size(), name_);
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const int axis = normalizeAxis(p_.axis, xs.size(), name_);
    // The data is viewed as [outer, len, inner] and normalised along len.
    int64_t outer = product(xs, 0, axis), len, inner;
    if (p_.coerce2D) {
      len = product(xs, axis, xs.size());
      inner = 1;
    } else {
      len = xs[axis];
      inner = product(xs, axis + 1, xs.size());
    }
    if (elementCount(a.outputs[0].shape) != outer * len * inner)
      fail("layer '", name_, "': output ", shapeText(a.outputs[0].shape), " differs from input ",
           shapeText(xs));
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t in = 0; in < inner; ++in)
        softmaxRow(x + o * len * inner + in, y + o * len * inner + in, len, inner, p_.log);
  }

 private:
  std::string name_;
  SoftMaxParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kSOFTMAX, 1) && !s.inputShapes[0].empty();
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<SoftMaxRef>(s); }

}  // namespace

std::vector<KernelCandidate> softMaxRefCandidates() {
  return {{"softmax_ref", LayerKind::kSOFTMAX, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

// PReLU: y = x >= 0 ? x : slope * x, with the slope broadcast against x (numpy, right-aligned).
// Layout: any shape, row-major; scalar.
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/broadcast.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class PReLURef final : public CpuKernel {
 public:
  explicit PReLURef(const KernelSetup& s) : name_(s.layer->name), p_(s.layer->as<PReLUParams>()) {
    if (elementCount(p_.slopeShape) != p_.slope.count())
      fail("layer '", name_, "': slope shape ", shapeText(p_.slopeShape), " holds ",
           elementCount(p_.slopeShape), " values, got ", p_.slope.count());
  }

  void run(const RunArgs& args) override {
    const Shape& xs = args.inputs[0].shape;
    auto strides = broadcastStrides(p_.slopeShape, xs, name_);
    const float* x = args.inputs[0].f32();
    float* y = args.outputs[0].f32();
    const int64_t n = elementCount(xs);
    for (int64_t i = 0; i < n; ++i) {
      const float s = p_.slope.values[broadcastOffset(i, xs, strides)];
      y[i] = x[i] >= 0.f ? x[i] : s * x[i];
    }
  }

 private:
  std::string name_;
  PReLUParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kPRELU, 1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<PReLURef>(s); }

}  // namespace

std::vector<KernelCandidate> preluRefCandidates() {
  return {{"prelu_ref", LayerKind::kPRELU, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

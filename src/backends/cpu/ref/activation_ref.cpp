// Every ActivationType of network.h applied elementwise, via the shared scalar definition.
// Layout: any shape, contiguous; input and output may alias; no tiling.
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class ActivationRef final : public CpuKernel {
 public:
  explicit ActivationRef(const KernelSetup& s)
      : name_(s.layer->name), act_(s.layer->as<ActivationParams>().activation) {
    if (!isValidActivation(act_)) fail("layer '", name_, "': unknown activation type");
  }

  void run(const RunArgs& a) override {
    const int64_t n = elementCount(a.inputs[0].shape);
    if (elementCount(a.outputs[0].shape) != n)
      fail("layer '", name_, "': output ", shapeText(a.outputs[0].shape), " differs from input ",
           shapeText(a.inputs[0].shape));
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    for (int64_t i = 0; i < n; ++i) y[i] = activate(x[i], act_);
  }

 private:
  std::string name_;
  Activation act_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kACTIVATION, 1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ActivationRef>(s);
}

}  // namespace

std::vector<KernelCandidate> activationRefCandidates() {
  return {{"activation_ref", LayerKind::kACTIVATION, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

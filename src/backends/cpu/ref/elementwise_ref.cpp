// Binary elementwise ops with numpy broadcasting, optional per-input coefficients (Caffe Eltwise)
// and the fused activation. Layout: any shapes, row-major, broadcast to the run's output; scalar.
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/broadcast.h"
#include "backends/cpu/common/elementwise_math.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class ElementWiseRef final : public CpuKernel {
 public:
  explicit ElementWiseRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ElementWiseParams>()) {
    if (!isValidElementWiseOp(p_.op)) fail("layer '", name_, "': unknown elementwise op");
    if (!p_.coeffs.empty() && p_.coeffs.size() != 2)
      fail("layer '", name_, "': ", p_.coeffs.size(), " coefficients for 2 inputs");
    if (!isValidActivation(p_.activation)) fail("layer '", name_, "': unknown fused activation");
  }

  void run(const RunArgs& args) override {
    const Shape& ys = args.outputs[0].shape;
    auto sa = broadcastStrides(args.inputs[0].shape, ys, name_);
    auto sb = broadcastStrides(args.inputs[1].shape, ys, name_);
    const float ca = p_.coeffs.empty() ? 1.f : p_.coeffs[0];
    const float cb = p_.coeffs.empty() ? 1.f : p_.coeffs[1];
    const float* a = args.inputs[0].f32();
    const float* b = args.inputs[1].f32();
    float* y = args.outputs[0].f32();
    const int64_t n = elementCount(ys);
    for (int64_t i = 0; i < n; ++i) {
      float va = a[broadcastOffset(i, ys, sa)], vb = b[broadcastOffset(i, ys, sb)];
      if (!p_.coeffs.empty()) {
        va *= ca;
        vb *= cb;
      }
      y[i] = activate(elementWise(p_.op, va, vb), p_.activation);
    }
  }

 private:
  std::string name_;
  ElementWiseParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kELEMENTWISE, 2);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ElementWiseRef>(s);
}

}  // namespace

std::unique_ptr<CpuKernel> createElementWiseRef(const KernelSetup& setup) { return create(setup); }

std::vector<KernelCandidate> elementWiseRefCandidates() {
  return {{"elementwise_ref", LayerKind::kELEMENTWISE, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

// Identity: copies its input to its output (nothing when they are the same buffer).
// Layout: any shape, contiguous.
#include <cstring>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class IdentityRef final : public CpuKernel {
 public:
  explicit IdentityRef(const KernelSetup& s) : name_(s.layer->name) {}

  void run(const RunArgs& args) override {
    const int64_t n = elementCount(args.inputs[0].shape);
    if (elementCount(args.outputs[0].shape) != n)
      fail("layer '", name_, "': output ", shapeText(args.outputs[0].shape), " differs from input ",
           shapeText(args.inputs[0].shape));
    if (args.outputs[0].data != args.inputs[0].data)
      std::memcpy(args.outputs[0].data, args.inputs[0].data,
                  sizeof(float) * static_cast<size_t>(n));
  }

 private:
  std::string name_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kIDENTITY, 1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<IdentityRef>(s); }

}  // namespace

std::vector<KernelCandidate> identityRefCandidates() {
  return {{"identity_ref", LayerKind::kIDENTITY, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

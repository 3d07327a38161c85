// Constant: copies the layer's values into its output (the runtime usually evaluates constants
// once at load time; this kernel exists so that every kind has a reference). Layout: row-major.
#include <cstring>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class ConstantRef final : public CpuKernel {
 public:
  explicit ConstantRef(const KernelSetup& s)
      : name_(s.layer->name), values_(s.layer->as<ConstantParams>().values.values) {}

  void run(const RunArgs& args) override {
    const int64_t n = elementCount(args.outputs[0].shape);
    if (n != static_cast<int64_t>(values_.size()))
      fail("layer '", name_, "': output ", shapeText(args.outputs[0].shape), " holds ", n,
           " values, the constant has ", values_.size());
    std::memcpy(args.outputs[0].f32(), values_.data(), sizeof(float) * values_.size());
  }

 private:
  std::string name_;
  std::vector<float> values_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kCONSTANT, 0);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<ConstantRef>(s); }

}  // namespace

std::vector<KernelCandidate> constantRefCandidates() {
  return {{"constant_ref", LayerKind::kCONSTANT, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

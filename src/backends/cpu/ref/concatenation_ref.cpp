// Concatenation of any number of inputs along any axis (negative axes count from the end).
// Layout: row-major; each input is copied as [outer, len_i * inner] blocks into the output.
#include <cstring>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class ConcatenationRef final : public CpuKernel {
 public:
  explicit ConcatenationRef(const KernelSetup& s)
      : name_(s.layer->name), axis_(s.layer->as<ConcatenationParams>().axis) {}

  void run(const RunArgs& args) override {
    const Shape& ys = args.outputs[0].shape;
    const int axis = normalizeAxis(axis_, ys.size(), name_);
    const int64_t outer = product(ys, 0, axis), inner = product(ys, axis + 1, ys.size());
    int64_t offset = 0;  // along the axis
    float* y = args.outputs[0].f32();
    for (const TensorRef& in : args.inputs) {
      if (in.shape.size() != ys.size())
        fail("layer '", name_, "': input ", shapeText(in.shape), " and output ", shapeText(ys),
             " differ in rank");
      const int64_t len = in.shape[axis];
      if (product(in.shape, 0, axis) != outer ||
          product(in.shape, axis + 1, in.shape.size()) != inner || offset + len > ys[axis])
        fail("layer '", name_, "': input ", shapeText(in.shape), " does not fit output ",
             shapeText(ys), " on axis ", axis);
      const float* x = in.f32();
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(y + (o * ys[axis] + offset) * inner, x + o * len * inner,
                    sizeof(float) * static_cast<size_t>(len * inner));
      offset += len;
    }
    if (offset != ys[axis])
      fail("layer '", name_, "': inputs fill ", offset, " of ", ys[axis], " along axis ", axis);
  }

 private:
  std::string name_;
  int axis_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kCONCATENATION, -1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ConcatenationRef>(s);
}

}  // namespace

std::vector<KernelCandidate> concatenationRefCandidates() {
  return {{"concatenation_ref", LayerKind::kCONCATENATION, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

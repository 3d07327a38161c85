// Padding of every dim (batch included): constant, reflect (edge not repeated), edge, wrap;
// negative pads crop. Layout: row-major; each output element maps to one input element or the
// value.
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"

namespace int8rt::cpu {

namespace {

// Input coordinate for coordinate i (which may lie outside [0, n)), or -1 for the constant.
int64_t sourceIndex(int64_t i, int64_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  if (n <= 0) return -1;
  switch (mode) {
    case PaddingMode::kCONSTANT:
      return -1;
    case PaddingMode::kEDGE:
      return i < 0 ? 0 : n - 1;
    case PaddingMode::kWRAP:
      return ((i % n) + n) % n;
    case PaddingMode::kREFLECT: {
      if (n == 1) return 0;
      // Reflection has period 2(n-1): 0 1 .. n-1 n-2 .. 1 0 1 ..
      const int64_t period = 2 * (n - 1);
      int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

class PaddingRef final : public CpuKernel {
 public:
  explicit PaddingRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<PaddingParams>()) {
    const size_t r = s.inputShapes.at(0).size();
    if (p_.padBegin.size() != r || p_.padEnd.size() != r)
      fail("layer '", name_, "': pads for ", p_.padBegin.size(), " dims, input has ", r);
  }

  void run(const RunArgs& args) override {
    const Shape& xs = args.inputs[0].shape;
    const Shape& ys = args.outputs[0].shape;
    if (xs.size() != p_.padBegin.size() || ys.size() != xs.size())
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
           " do not match the pads");
    const std::vector<int64_t> inStrides = rowMajorStrides(xs);
    const float* x = args.inputs[0].f32();
    float* y = args.outputs[0].f32();
    std::vector<int64_t> o(ys.size());
    const int64_t n = elementCount(ys);
    for (int64_t i = 0; i < n; ++i) {
      unravelIndex(i, ys, 0, o);
      int64_t off = 0;
      bool constant = false;
      for (size_t d = 0; d < ys.size() && !constant; ++d) {
        const int64_t src = sourceIndex(o[d] - p_.padBegin[d], xs[d], p_.mode);
        constant = src < 0;
        off += src * inStrides[d];
      }
      y[i] = constant ? p_.value : x[off];
    }
  }

 private:
  std::string name_;
  PaddingParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kPADDING, 1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<PaddingRef>(s); }

}  // namespace

std::vector<KernelCandidate> paddingRefCandidates() {
  return {{"padding_ref", LayerKind::kPADDING, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

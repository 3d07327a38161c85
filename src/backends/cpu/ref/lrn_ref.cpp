// Local response normalisation across channels: y = x / (k + alpha/size * sum of x^2 over the
// `size` channels c - (size-1)/2 .. c + size/2, clipped)^beta. Layout: [N, C, ...]; scalar.
#include <algorithm>
#include <cmath>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class LRNRef final : public CpuKernel {
 public:
  explicit LRNRef(const KernelSetup& s) : name_(s.layer->name), p_(s.layer->as<LRNParams>()) {
    if (p_.size < 1) fail("layer '", name_, "': LRN size ", p_.size, " must be positive");
  }

  void run(const RunArgs& args) override {
    const Shape& xs = args.inputs[0].shape;
    if (xs.size() < 2) fail("layer '", name_, "': LRN needs a channel dim, input ", shapeText(xs));
    const int64_t N = xs[0], C = xs[1], inner = product(xs, 2, xs.size());
    const int64_t before = (p_.size - 1) / 2, after = p_.size - 1 - before;
    const float* x = args.inputs[0].f32();
    float* y = args.outputs[0].f32();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < inner; ++i) {
          float sq = 0.f;
          for (int64_t j = std::max<int64_t>(0, c - before); j <= std::min(C - 1, c + after); ++j) {
            const float v = x[(n * C + j) * inner + i];
            sq += v * v;
          }
          const int64_t at = (n * C + c) * inner + i;
          y[at] = x[at] / std::pow(p_.k + p_.alpha / static_cast<float>(p_.size) * sq, p_.beta);
        }
  }

 private:
  std::string name_;
  LRNParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) { return fp32Layer(s, LayerKind::kLRN, 1); }

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<LRNRef>(s); }

}  // namespace

std::vector<KernelCandidate> lrnRefCandidates() {
  return {{"lrn_ref", LayerKind::kLRN, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

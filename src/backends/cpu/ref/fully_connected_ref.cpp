// Fully connected: y[n, k] = sum_c x[n, c] * W[k, c] + bias[k], then the fused activation, then
// the fused softmax over k where the builder fused one; scalar.
// Layout: x [N, ...] flattened from dim 1, W [K, C] row-major, y [N, K]; no tiling.
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/softmax_row.h"

namespace int8rt::cpu {

namespace {

class FullyConnectedRef final : public CpuKernel {
 public:
  explicit FullyConnectedRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<FullyConnectedParams>()) {
    const Shape& x = s.inputShapes.at(0);
    int64_t c = x.empty() || x[0] == 0 ? 0 : elementCount(x) / x[0];
    if (p_.weights.count() != p_.nbOutputs * c)
      fail("layer '", name_, "': weights have ", p_.weights.count(), " values, expected ",
           p_.nbOutputs, "x", c);
    if (!p_.bias.empty() && p_.bias.count() != p_.nbOutputs)
      fail("layer '", name_, "': bias has ", p_.bias.count(), " values, expected ", p_.nbOutputs);
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const int64_t N = xs.at(0), K = p_.nbOutputs;
    const int64_t C = N ? elementCount(xs) / N : 0;
    if (C * K != p_.weights.count() || elementCount(a.outputs[0].shape) != N * K)
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(a.outputs[0].shape),
           " do not match ", K, " outputs of ", p_.weights.count() / (K ? K : 1), " features");
    const float* x = a.inputs[0].f32();
    const float* w = p_.weights.values.data();
    float* y = a.outputs[0].f32();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        float acc = p_.bias.empty() ? 0.f : p_.bias.values[k];
        for (int64_t c = 0; c < C; ++c) acc += x[n * C + c] * w[k * C + c];
        y[n * K + k] = activate(acc, p_.activation);
      }
    if (p_.fusedSoftmax)
      for (int64_t n = 0; n < N; ++n) softmaxRow(y + n * K, y + n * K, K, 1, false);
  }

 private:
  std::string name_;
  FullyConnectedParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kFULLY_CONNECTED, 1) && !s.inputShapes[0].empty();
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<FullyConnectedRef>(s);
}

}  // namespace

std::vector<KernelCandidate> fullyConnectedRefCandidates() {
  return {{"fully_connected_ref", LayerKind::kFULLY_CONNECTED, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

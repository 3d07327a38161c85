// INT8 fully connected: acc[n][k] = sum_c qx[n][c] * qw[k][c] in int32, then the epilogue, then
// the fused softmax over k (FP32 output) where the builder fused one.
// Layout: x [N, ...] flattened from dim 1 to C, w [K, C] row-major, y [N, K]; no tiling.
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/softmax_row.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"

namespace int8rt::cpu {

namespace {

class FullyConnectedInt8Ref final : public CpuKernel {
 public:
  explicit FullyConnectedInt8Ref(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<FullyConnectedParams>()) {
    const Shape& x = s.inputShapes.at(0);
    check(x.size() >= 2, "layer '", name_, "': fully connected input ", shapeText(x),
          " has no feature dims");
    c_ = product(x, 1, x.size());
    check(p_.nbOutputs > 0 && p_.weights.count() == p_.nbOutputs * c_, "layer '", name_,
          "': fully connected weights have ", p_.weights.count(), " values, expected ",
          p_.nbOutputs * c_);
    qw_ = quantizeWeightsPerChannel(p_.weights.values.data(), p_.nbOutputs, c_);
    epi_ = i8::makeEpilogueParams(s, qw_.scales, p_.bias, p_.activation, name_);
    p_.weights = Weights{};  // kept quantized; the float copy is not needed any more
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const int64_t N = xs.at(0), K = p_.nbOutputs;
    check(product(xs, 1, xs.size()) == c_ && elementCount(a.outputs[0].shape) == N * K, "layer '",
          name_, "': run shapes ", shapeText(xs), " -> ", shapeText(a.outputs[0].shape),
          " do not match the fully connected layer");
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        const int8_t* xr = x + n * c_;
        const int8_t* wr = qw_.values.data() + k * c_;
        int32_t acc = 0;
        for (int64_t c = 0; c < c_; ++c)
          acc += static_cast<int32_t>(xr[c]) * static_cast<int32_t>(wr[c]);
        i8::storeOutput(epi_, a.outputs[0].data, n * K + k, k, acc);
      }
    if (p_.fusedSoftmax) {
      float* y = static_cast<float*>(a.outputs[0].data);
      for (int64_t n = 0; n < N; ++n) softmaxRow(y + n * K, y + n * K, K, 1, false);
    }
  }

 private:
  std::string name_;
  FullyConnectedParams p_;
  int64_t c_ = 0;
  QuantizedWeights qw_;
  i8::EpilogueParams epi_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  if (!isKind(s, LayerKind::kFULLY_CONNECTED) || s.inputShapes.size() != 1) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, true)) return false;
  if (s.layer->as<FullyConnectedParams>().fusedSoftmax && s.outputTypes[0] != DataType::kFLOAT)
    return false;
  const Shape& x = s.inputShapes[0];
  return x.size() >= 2 && i8::accumulatorFits(product(x, 1, x.size()));
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<FullyConnectedInt8Ref>(s);
}

}  // namespace

std::vector<KernelCandidate> fullyConnectedInt8RefCandidates() {
  return {
      {"fully_connected_int8_ref", LayerKind::kFULLY_CONNECTED, DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

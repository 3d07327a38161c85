// INT8 N-d convolution (groups, stride, dilation, asymmetric pads): acc = sum qx*qw in int32,
// then the epilogue. Layout: x [N, C, d...] int8, w [K, C/g, k...], y [N, K, o...]; no tiling.
// This is the oracle of the fast convolution: plain loops, nothing clever. A fused max pool
// (ConvolutionParams::fusedMaxPool) takes the max of the stored outputs (requantized INT8 or
// FP32) over each window: exactly this layer followed by pooling_int8_ref.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/cpu/common/fused_max_pool.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"

namespace int8rt::cpu {

namespace {

class ConvolutionInt8Ref final : public CpuKernel {
 public:
  explicit ConvolutionInt8Ref(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ConvolutionParams>()) {
    const Shape& x = s.inputShapes.at(0);
    check(x.size() >= 3, "layer '", name_, "': convolution input ", shapeText(x),
          " has no spatial dims");
    geo_ = makeGeometry(static_cast<int>(x.size()) - 2, p_.kernel, p_.stride, p_.padBegin,
                        p_.padEnd, p_.dilation, name_);
    const int64_t c = x[1], k = p_.nbOutputMaps;
    check(p_.groups >= 1 && c % p_.groups == 0 && k % p_.groups == 0, "layer '", name_, "': ", c,
          " channels and ", k, " outputs do not split into ", p_.groups, " groups");
    const int64_t perChannel = (c / p_.groups) * elementCount(p_.kernel);
    check(p_.weights.count() == k * perChannel, "layer '", name_, "': convolution weights have ",
          p_.weights.count(), " values, expected ", k * perChannel);
    qw_ = quantizeWeightsPerChannel(p_.weights.values.data(), k, perChannel);
    epi_ = i8::makeEpilogueParams(s, qw_.scales, p_.bias, p_.activation, name_);
    p_.weights = Weights{};  // kept quantized; the float copy is not needed any more
    check(p_.fusedMaxPool.empty() || static_cast<int>(p_.fusedMaxPool.size()) == geo_.rank,
          "layer '", name_, "': fused max pool ", shapeText(p_.fusedMaxPool), " does not match ",
          geo_.rank, " spatial dims");
    outInt8_ = s.outputTypes.at(0) == DataType::kINT8;
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    const int S = geo_.rank;
    check(static_cast<int>(xs.size()) == S + 2 && ys.size() == xs.size() &&
              ys[1] == p_.nbOutputMaps && ys[0] == xs[0],
          "layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
          " do not match the convolution");
    // With a fused max pool the outputs are stored to scratch, pooled into y at the end.
    const Shape zs = unpooledShape(xs, ys, geo_, p_, name_);
    const size_t elem = outInt8_ ? 1 : sizeof(float);
    const bool pooled = !p_.fusedMaxPool.empty();
    std::vector<uint8_t> scratch(pooled ? static_cast<size_t>(elementCount(zs)) * elem : 0);
    void* out = pooled ? scratch.data() : a.outputs[0].data;
    const int64_t N = xs[0], C = xs[1], K = ys[1], G = p_.groups;
    const int64_t Cg = C / G, Kg = K / G;
    const int64_t inVol = product(xs, 2, xs.size()), outVol = product(zs, 2, zs.size());
    const int64_t kVol = elementCount(geo_.kernel);

    std::vector<int64_t> o(S), kp(S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        const int64_t g = k / Kg;
        for (int64_t oi = 0; oi < outVol; ++oi) {
          unravelIndex(oi, zs, 2, o);
          int32_t acc = 0;
          for (int64_t c = 0; c < Cg; ++c) {
            const int8_t* xc = x + (n * C + g * Cg + c) * inVol;
            const int8_t* wc = qw_.values.data() + (k * Cg + c) * kVol;
            for (int64_t ki = 0; ki < kVol; ++ki) {
              unravelIndex(ki, geo_.kernel, 0, kp);
              int64_t off = 0;
              bool inside = true;
              for (int d = 0; d < S && inside; ++d) {
                int64_t i = o[d] * geo_.stride[d] - geo_.padBegin[d] + kp[d] * geo_.dilation[d];
                inside = i >= 0 && i < xs[2 + d];
                off = off * xs[2 + d] + i;
              }
              // Padding is the real value 0, which is q = 0 with a zero point of 0.
              if (inside) acc += static_cast<int32_t>(xc[off]) * static_cast<int32_t>(wc[ki]);
            }
          }
          i8::storeOutput(epi_, out, (n * K + k) * outVol + oi, k, acc);
        }
      }
    if (!pooled) return;
    if (outInt8_)
      maxPoolWindows(reinterpret_cast<const int8_t*>(scratch.data()), zs,
                     static_cast<int8_t*>(a.outputs[0].data), ys, p_.fusedMaxPool);
    else
      maxPoolWindows(reinterpret_cast<const float*>(scratch.data()), zs,
                     static_cast<float*>(a.outputs[0].data), ys, p_.fusedMaxPool);
  }

 private:
  std::string name_;
  ConvolutionParams p_;
  SpatialGeometry geo_;
  QuantizedWeights qw_;
  i8::EpilogueParams epi_;
  bool outInt8_ = true;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  if (!isKind(s, LayerKind::kCONVOLUTION) || s.inputShapes.size() != 1) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, true)) return false;
  const Shape& x = s.inputShapes[0];
  if (x.size() < 3) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  if (p.groups < 1 || x[1] % p.groups != 0) return false;
  return i8::accumulatorFits(x[1] / p.groups * elementCount(p.kernel));
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ConvolutionInt8Ref>(s);
}

}  // namespace

std::vector<KernelCandidate> convolutionInt8RefCandidates() {
  return {{"convolution_int8_ref", LayerKind::kCONVOLUTION, DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

// INT8 N-d max / average pooling (stride, dilation, asymmetric pads, ceil-rounded output,
// global). Layout: x [N, C, d...] int8, y [N, C, o...] int8 or FP32; no tiling: the oracle.
// Max: the largest q (max commutes with the monotonic quantization), -128 for a window wholly in
// the padding (the FP32 reference's lowest float, quantized). Average: the int32 sum of q over
// the window divided by the count in float and rounded half to even: for equal input and output
// scales that is rne(sum / count) exactly (float(sum) is exact and the quotient's rounding error
// cannot reach a .5 tie while count < 65536); otherwise quantize(mean * s_in, s_out).
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_common.h"
#include "backends/cpu/int8/quantize.h"

namespace int8rt::cpu {

namespace {

class PoolingInt8Ref final : public CpuKernel {
 public:
  explicit PoolingInt8Ref(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<PoolingParams>()) {
    const Shape& x = s.inputShapes.at(0);
    check(x.size() >= 3, "layer '", name_, "': pooling input ", shapeText(x),
          " has no spatial dims");
    if (!p_.global)
      makeGeometry(static_cast<int>(x.size()) - 2, p_.window, p_.stride, p_.padBegin, p_.padEnd,
                   p_.dilation, name_);
    check(i8::int8Input(s, 0) && i8::int8OrFloatOutput(s, true), "layer '", name_,
          "': INT8 pooling needs an INT8 input and an INT8 or FP32 output with scales");
    inScale_ = s.inputScales[0];
    outInt8_ = s.outputTypes[0] == DataType::kINT8;
    outScale_ = outInt8_ ? s.outputScales[0] : 1.f;
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    const int S = static_cast<int>(xs.size()) - 2;
    check(S >= 1 && ys.size() == xs.size() && ys[0] == xs[0] && ys[1] == xs[1], "layer '", name_,
          "': run shapes ", shapeText(xs), " -> ", shapeText(ys), " do not match the pooling");
    SpatialGeometry g = poolingGeometry(p_, xs, name_);
    const bool isMax = p_.type == PoolingType::kMAX;
    const int64_t planes = xs[0] * xs[1];
    const int64_t inVol = product(xs, 2, xs.size()), outVol = product(ys, 2, ys.size());
    const int64_t wVol = elementCount(g.kernel);
    std::vector<int64_t> o(S), kp(S);

    for (int64_t pl = 0; pl < planes; ++pl) {
      const int8_t* xp = x + pl * inVol;
      for (int64_t oi = 0; oi < outVol; ++oi) {
        unravelIndex(oi, ys, 2, o);
        int best = -128;
        int32_t sum = 0;
        auto [inside, inPadded] = visitPoolWindow(g, xs, o.data(), kp.data(), wVol, [&](int64_t off) {
          best = xp[off] > best ? xp[off] : best;
          sum += xp[off];
        });
        const int64_t idx = pl * outVol + oi;
        if (isMax) {
          store(a.outputs[0].data, idx, static_cast<int8_t>(best));
          continue;
        }
        const int64_t count = p_.averageExcludesPadding ? inside : inPadded;
        const float mean = count > 0 ? static_cast<float>(sum) / static_cast<float>(count) : 0.f;
        if (!outInt8_)
          static_cast<float*>(a.outputs[0].data)[idx] = mean * inScale_;
        else if (outScale_ == inScale_)
          static_cast<int8_t*>(a.outputs[0].data)[idx] = quantizeValue(mean, 1.f);
        else
          static_cast<int8_t*>(a.outputs[0].data)[idx] = quantizeValue(mean * inScale_, outScale_);
      }
    }
  }

 private:
  void store(void* y, int64_t idx, int8_t q) const {
    if (!outInt8_)
      static_cast<float*>(y)[idx] = dequantizeValue(q, inScale_);
    else if (outScale_ == inScale_)
      static_cast<int8_t*>(y)[idx] = q;
    else
      static_cast<int8_t*>(y)[idx] = quantizeValue(dequantizeValue(q, inScale_), outScale_);
  }

  std::string name_;
  PoolingParams p_;
  float inScale_ = 1.f, outScale_ = 1.f;
  bool outInt8_ = true;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return isKind(s, LayerKind::kPOOLING) && s.inputShapes.size() == 1 &&
         s.inputShapes[0].size() >= 3 && i8::int8Input(s, 0) && i8::int8OrFloatOutput(s, true);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<PoolingInt8Ref>(s);
}

}  // namespace

std::vector<KernelCandidate> poolingInt8RefCandidates() {
  return {{"pooling_int8_ref", LayerKind::kPOOLING, DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

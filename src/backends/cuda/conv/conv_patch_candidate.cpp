// The candidate "cuda_conv2d_int8_imma_patch": the patch-staged INT8 convolution (conv_patch.h)
// with an optional fused max pool and an optional FP32 input quantized on load (the CPU's
// quantize rule with the setup's input scale, as if an FP32 -> INT8 reformat ran first).
// Config strings "rows<N>[split][,w8][,hwc]" (conv_patch_setup.h): conv output rows per CTA
// band, the k tiles shared among warps that would otherwise idle, 8 warps instead of 4, the
// vectorized-channel patch.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/candidates.h"
#include "backends/cuda/conv/conv_patch_launch.h"
#include "backends/cuda/conv/conv_patch_setup.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/device_buffer.h"

namespace int8rt::cuda {

namespace {

constexpr const char* kName = "cuda_conv2d_int8_imma_patch";

class PatchConvKernel final : public Kernel {
 public:
  PatchConvKernel(const KernelSetup& s, const std::string& config) : name_(s.layer->name) {
    const auto& p = s.layer->as<ConvolutionParams>();
    conv::PatchVariant variant;
    if (config.empty()) {
      variant.rows = conv::defaultPatchRows(s, conv::patchBandChoices(s));
    } else {
      for (const conv::PatchVariant& v : conv::patchVariants(s))
        if (conv::patchConfigName(v) == config) variant = v;
    }
    check(variant.rows > 0, "layer '", name_, "': ", kName, " has no configuration '", config, "'");
    launch_.geo = conv::makePatchGeometry(s, variant);
    const conv::PatchGeometry& g = launch_.geo;
    maxBatch_ = s.inputShapes[0][0];

    const std::vector<uint16_t> taps = conv::makePatchTaps(g, p);
    taps_ = DeviceBuffer(taps.size() * sizeof(uint16_t), "convolution tap table");
    taps_.upload(taps.data(), taps_.bytes());
    launch_.taps = taps_.as<unsigned short>();

    // The CPU's per-channel weight quantization and epilogue constants (bit-identical results).
    const int reduction = static_cast<int>(p.weights.count() / g.k);
    const cpu::QuantizedWeights qw =
        cpu::quantizeWeightsPerChannel(p.weights.values.data(), g.k, reduction);
    KernelSetup asInt8 = s;  // an FP32 input behaves as its quantized INT8 tensor
    asInt8.inputTypes[0] = DataType::kINT8;
    const cpu::i8::EpilogueParams ep =
        cpu::i8::makeEpilogueParams(asInt8, qw.scales, p.bias, p.activation, name_);
    launch_.weightGroupStride = g.mRows * g.reductionPadded;
    const std::vector<int8_t> packed = conv::packPatchWeights(g, p, qw.values);
    weights_ = DeviceBuffer(packed.size(), "convolution weights");
    weights_.upload(packed.data(), packed.size());
    launch_.weights = weights_.as<int8_t>();

    std::vector<float> consts = ep.bias;
    consts.insert(consts.end(), ep.mult.begin(), ep.mult.end());
    epilogue_ = DeviceBuffer(consts.size() * sizeof(float), "convolution epilogue");
    epilogue_.upload(consts.data(), consts.size() * sizeof(float));
    launch_.epi.bias = epilogue_.as<float>();
    launch_.epi.mult = epilogue_.as<float>() + ep.bias.size();
    launch_.epi.act = conv::makeConvActivation(p.activation);
    launch_.epi.outInt8 = ep.outInt8;
    launch_.epi.outInvScale = ep.outInvScale;
    bool multNonNegative = true;
    for (float m : ep.mult) multNonNegative = multNonNegative && m >= 0.f;
    launch_.poolOnAccumulators = multNonNegative;
    launch_.xFloat = conv::quantizedOnLoad(s);
    launch_.inScale = s.inputScales[0];
    const int perSm = conv::preparePatchConv(g, launch_.xFloat);
    launch_.grid = perSm * requireDevice().multiprocessors;
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs.at(0).shape;
    const Shape& ys = a.outputs.at(0).shape;
    const conv::PatchGeometry& g = launch_.geo;
    conv::checkRunShapes(xs, ys, maxBatch_, {g.c, g.h, g.w}, {g.k, g.ph, g.pw}, name_);
    conv::PatchLaunch l = launch_;
    l.x = a.inputs[0].data;
    l.y = a.outputs[0].data;
    l.batch = static_cast<int>(xs[0]);
    conv::launchPatchConv(l, a.stream);
  }

 private:
  std::string name_;
  int64_t maxBatch_ = 0;
  conv::PatchLaunch launch_;
  DeviceBuffer taps_, weights_, epilogue_;
};

bool supports(const KernelSetup& s, const DeviceInfo& d) {
  if (!d.present || d.sm() < 80 || !conv::patchShapeSupported(s)) return false;
  if (!cpu::i8::int8Input(s, 0) && !conv::quantizedOnLoad(s)) return false;
  if (!cpu::i8::int8OrFloatOutput(s, true)) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  return cpu::i8::accumulatorFits(s.inputShapes[0][1] / p.groups * cpu::elementCount(p.kernel));
}

std::vector<std::string> configs(const KernelSetup& s, const DeviceInfo&) {
  return conv::patchConfigs(s);
}

std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  return std::make_unique<PatchConvKernel>(s, config);
}

}  // namespace

std::vector<Candidate> patchConvolutionCandidates() {
  return {{kName, LayerKind::kCONVOLUTION, DataType::kINT8, supports, configs, create}};
}

}  // namespace int8rt::cuda

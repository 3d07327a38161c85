// The CUDA convolution candidates (2-D, NCHW, any stride / padding / dilation / groups):
// FP32 on the CUDA cores, FP16 on HMMA, INT8 on IMMA, all implicit GEMM (conv_launch.h). This
// file is the host side: supports(), the tile configs, and create(), which precomputes
// everything a launch needs (geometry, tap table, packed weights, epilogue constants) so that
// enqueue() only fills in the run's pointers and batch.
#include <cuda_fp16.h>

#include <cstring>

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/candidates.h"
#include "backends/cuda/conv/conv_launch.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/device_buffer.h"

namespace int8rt::cuda {

namespace {

using conv::ConvLaunch;

enum class Flavor { kFp32, kHmma, kImma };

const char* nameOf(Flavor f) {
  switch (f) {
    case Flavor::kFp32: return "cuda_conv2d_fp32_implicit_gemm";
    case Flavor::kHmma: return "cuda_conv2d_fp16_hmma_implicit_gemm";
    case Flavor::kImma: return "cuda_conv2d_int8_imma_implicit_gemm";
  }
  return "";
}

std::vector<std::string> tilesOf(Flavor f) {
  switch (f) {
    case Flavor::kFp32: return {std::begin(conv::kFp32Tiles), std::end(conv::kFp32Tiles)};
    case Flavor::kHmma: return {std::begin(conv::kHmmaTiles), std::end(conv::kHmmaTiles)};
    case Flavor::kImma: return {std::begin(conv::kImmaTiles), std::end(conv::kImmaTiles)};
  }
  return {};
}

class ConvKernel final : public Kernel {
 public:
  ConvKernel(const KernelSetup& s, Flavor flavor, const std::string& config)
      : flavor_(flavor), name_(s.layer->name) {
    const std::vector<std::string> tiles = tilesOf(flavor);
    const auto& p = s.layer->as<ConvolutionParams>();
    launch_.geo = conv::makeConvGeometry(s);
    const conv::ConvGeometry& g = launch_.geo;
    tile_ = config.empty() ? conv::defaultTile(g, s.inputShapes[0][0], tiles) : -1;
    for (size_t i = 0; i < tiles.size() && tile_ < 0; ++i)
      if (config == tiles[i]) tile_ = static_cast<int>(i);
    check(tile_ >= 0, "layer '", name_, "': ", nameOf(flavor), " has no configuration '", config, "'");
    maxBatch_ = s.inputShapes[0][0];

    const std::vector<conv::ConvTap> taps = conv::makeTapTable(g, p);
    taps_ = DeviceBuffer(taps.size() * sizeof(conv::ConvTap), "convolution tap table");
    taps_.upload(taps.data(), taps_.bytes());
    launch_.taps = taps_.as<conv::ConvTap>();

    std::vector<float> bias(static_cast<size_t>(g.k), 0.f), mult;
    if (!p.bias.empty()) bias = p.bias.values;
    if (flavor == Flavor::kFp32) {
      uploadWeights(conv::packWeightsTransposed(g, p.weights.values));
    } else if (flavor == Flavor::kHmma) {
      const std::vector<float> packed = conv::packWeightsRows(g, p.weights.values);
      std::vector<__half> h(packed.size());
      for (size_t i = 0; i < packed.size(); ++i) h[i] = __float2half_rn(packed[i]);
      uploadWeights(h);
    } else {
      // The CPU's quantization and epilogue constants, so that the two agree bit for bit.
      const cpu::QuantizedWeights qw =
          cpu::quantizeWeightsPerChannel(p.weights.values.data(), g.k, g.reduction);
      const cpu::i8::EpilogueParams ep =
          cpu::i8::makeEpilogueParams(s, qw.scales, p.bias, p.activation, name_);
      uploadWeights(conv::packInt8Rows(g, qw.values));
      bias = ep.bias;
      mult = ep.mult;
      launch_.epi.outInt8 = ep.outInt8;
      launch_.epi.outInvScale = ep.outInvScale;
    }
    // One buffer for the per-channel constants: bias, then mult (INT8).
    epilogue_ = DeviceBuffer((bias.size() + mult.size()) * sizeof(float), "convolution bias");
    std::vector<float> consts = bias;
    consts.insert(consts.end(), mult.begin(), mult.end());
    epilogue_.upload(consts.data(), consts.size() * sizeof(float));
    launch_.epi.bias = epilogue_.as<float>();
    launch_.epi.mult = mult.empty() ? nullptr : epilogue_.as<float>() + bias.size();
    launch_.epi.act = conv::makeConvActivation(p.activation);
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs.at(0).shape;
    const Shape& ys = a.outputs.at(0).shape;
    const conv::ConvGeometry& g = launch_.geo;
    conv::checkRunShapes(xs, ys, maxBatch_, {g.c, g.h, g.w}, {g.k, g.oh, g.ow}, name_);
    ConvLaunch l = launch_;
    l.x = a.inputs[0].data;
    l.y = a.outputs[0].data;
    l.batch = static_cast<int>(xs[0]);
    switch (flavor_) {
      case Flavor::kFp32: conv::launchConvFp32(l, tile_, a.stream); break;
      case Flavor::kHmma: conv::launchConvHmma(l, tile_, a.stream); break;
      case Flavor::kImma: conv::launchConvImma(l, tile_, a.stream); break;
    }
  }

 private:
  template <class T>
  void uploadWeights(const std::vector<T>& w) {
    weights_ = DeviceBuffer(w.size() * sizeof(T), "convolution weights");
    weights_.upload(w.data(), weights_.bytes());
    launch_.weights = weights_.get();
  }

  Flavor flavor_;
  std::string name_;
  int tile_ = -1;
  int64_t maxBatch_ = 0;
  ConvLaunch launch_;
  DeviceBuffer taps_, weights_, epilogue_;
};

bool supportsFp32(const KernelSetup& s, const DeviceInfo& d) {
  return d.present && conv::supportedConv2d(s) && cpu::allOfType(s, DataType::kFLOAT);
}

bool supportsHmma(const KernelSetup& s, const DeviceInfo& d) {
  return d.present && d.sm() >= 80 && conv::supportedConv2d(s) && cpu::allOfType(s, DataType::kHALF);
}

bool supportsImma(const KernelSetup& s, const DeviceInfo& d) {
  if (!d.present || d.sm() < 80 || !conv::supportedConv2d(s)) return false;
  if (!cpu::i8::int8Input(s, 0) || !cpu::i8::int8OrFloatOutput(s, true)) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  return cpu::i8::accumulatorFits(s.inputShapes[0][1] / p.groups * cpu::elementCount(p.kernel));
}

template <Flavor F>
std::vector<std::string> configs(const KernelSetup&, const DeviceInfo&) {
  return tilesOf(F);
}

template <Flavor F>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  return std::make_unique<ConvKernel>(s, F, config);
}

}  // namespace

std::vector<Candidate> patchConvolutionCandidates();  // conv_patch_candidate.cpp
std::vector<Candidate> nhwcConvolutionCandidates();   // conv_nhwc_candidate.cpp

std::vector<Candidate> convolutionCandidates() {
  std::vector<Candidate> out = patchConvolutionCandidates();  // fastest INT8 first
  std::vector<Candidate> rest = {
      {nameOf(Flavor::kImma), LayerKind::kCONVOLUTION, DataType::kINT8, supportsImma,
       configs<Flavor::kImma>, create<Flavor::kImma>},
      {nameOf(Flavor::kHmma), LayerKind::kCONVOLUTION, DataType::kHALF, supportsHmma,
       configs<Flavor::kHmma>, create<Flavor::kHmma>},
      {nameOf(Flavor::kFp32), LayerKind::kCONVOLUTION, DataType::kFLOAT, supportsFp32,
       configs<Flavor::kFp32>, create<Flavor::kFp32>},
  };
  out.insert(out.end(), rest.begin(), rest.end());
  std::vector<Candidate> nhwc = nhwcConvolutionCandidates();  // NHWC tensors only
  out.insert(out.end(), nhwc.begin(), nhwc.end());
  return out;
}

}  // namespace int8rt::cuda

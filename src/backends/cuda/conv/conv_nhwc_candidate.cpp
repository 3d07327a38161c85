// The NHWC FP16 convolution candidate (conv_nhwc.h): supports() for NHWC tensors only (the
// candidate's FormatRule), the HMMA tile configurations, and create(), which packs the weights
// in (r, s, c) order and builds the vector tap table once, so that enqueue() only fills in the
// run's pointers and batch.
#include <cuda_fp16.h>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/candidates.h"
#include "backends/cuda/conv/conv_launch.h"
#include "backends/cuda/conv/conv_nhwc.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/device_buffer.h"

namespace int8rt::cuda {

namespace {

constexpr const char* kName = "cuda_conv2d_nhwc_fp16_hmma_implicit_gemm";

std::vector<std::string> tiles() { return {std::begin(conv::kHmmaTiles), std::end(conv::kHmmaTiles)}; }

class NhwcConvKernel final : public Kernel {
 public:
  NhwcConvKernel(const KernelSetup& s, const std::string& config) : name_(s.layer->name) {
    const auto& p = s.layer->as<ConvolutionParams>();
    launch_.geo = conv::makeConvGeometry(s);
    const conv::ConvGeometry& g = launch_.geo;
    const std::vector<std::string> t = tiles();
    tile_ = config.empty() ? conv::defaultTile(g, s.inputShapes[0][0], t) : -1;
    for (size_t i = 0; i < t.size() && tile_ < 0; ++i)
      if (config == t[i]) tile_ = static_cast<int>(i);
    check(tile_ >= 0, "layer '", name_, "': ", kName, " has no configuration '", config, "'");
    vec_ = conv::nhwcVectorWidth(g.cg);
    check(vec_ > 0, "layer '", name_, "': ", kName, " needs channels per group divisible by 4");
    maxBatch_ = s.inputShapes[0][0];

    const std::vector<conv::ConvTap> taps = conv::makeNhwcTapTable(g, p, vec_);
    taps_ = DeviceBuffer(taps.size() * sizeof(conv::ConvTap), "NHWC convolution tap table");
    taps_.upload(taps.data(), taps_.bytes());
    launch_.taps = taps_.as<conv::ConvTap>();

    const std::vector<float> packed = conv::packNhwcWeights(g, p);
    std::vector<__half> h(packed.size());
    for (size_t i = 0; i < packed.size(); ++i) h[i] = __float2half_rn(packed[i]);
    weights_ = DeviceBuffer(h.size() * sizeof(__half), "NHWC convolution weights");
    weights_.upload(h.data(), weights_.bytes());
    launch_.weights = weights_.get();

    std::vector<float> bias(static_cast<size_t>(g.k), 0.f);
    if (!p.bias.empty()) bias = p.bias.values;
    bias_ = DeviceBuffer(bias.size() * sizeof(float), "NHWC convolution bias");
    bias_.upload(bias.data(), bias_.bytes());
    launch_.epi.bias = bias_.as<float>();
    launch_.epi.act = conv::makeConvActivation(p.activation);
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs.at(0).shape;
    const Shape& ys = a.outputs.at(0).shape;
    const conv::ConvGeometry& g = launch_.geo;
    conv::checkRunShapes(xs, ys, maxBatch_, {g.c, g.h, g.w}, {g.k, g.oh, g.ow}, name_);
    // Vector loads need the input 16-byte aligned (arena offsets and cudaMalloc are).
    check(reinterpret_cast<uintptr_t>(a.inputs[0].data) % 16 == 0 &&
              reinterpret_cast<uintptr_t>(a.outputs[0].data) % 4 == 0,
          "layer '", name_, "': ", kName, " needs a 16-byte aligned input and 4-byte aligned output");
    conv::ConvLaunch l = launch_;
    l.x = a.inputs[0].data;
    l.y = a.outputs[0].data;
    l.batch = static_cast<int>(xs[0]);
    conv::launchConvNhwcHmma(l, tile_, vec_, a.stream);
  }

 private:
  std::string name_;
  int tile_ = -1, vec_ = 0;
  int64_t maxBatch_ = 0;
  conv::ConvLaunch launch_;
  DeviceBuffer taps_, weights_, bias_;
};

bool supports(const KernelSetup& s, const DeviceInfo& d) {
  return d.present && d.sm() >= 80 && conv::supportedNhwcConv(s);
}

std::vector<std::string> configs(const KernelSetup&, const DeviceInfo&) { return tiles(); }

std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  return std::make_unique<NhwcConvKernel>(s, config);
}

}  // namespace

std::vector<Candidate> nhwcConvolutionCandidates() {
  return {{kName, LayerKind::kCONVOLUTION, DataType::kHALF, supports, configs, create,
           FormatRule::kNhwcOnly}};
}

}  // namespace int8rt::cuda

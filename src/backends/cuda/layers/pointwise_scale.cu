// Scale layers: y = act((x * scale[w] + shift[w]) ^ power[w]) with w the tensor's one weight
// (kUNIFORM), the channel (kCHANNEL) or the position within the sample (kELEMENTWISE), as
// scale_ref; FP32 and FP16 (FP32 math). The weights are uploaded once as FP32; an empty array
// reads as its neutral value. One element per thread: w = (i / inner) % period. NHWC tensors
// (rank 4; kUNIFORM and kCHANNEL only): channels are innermost, so inner = 1, period = C.
#include "backends/cuda/layers/pointwise_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

struct ScaleMath {
  const float* scale = nullptr;  // null: 1
  const float* shift = nullptr;  // null: 0
  const float* power = nullptr;  // null: 1
  uint32_t inner = 1, period = 1;
  DeviceActivation act;
};

template <class T>
__global__ void cudaScaleKernel(const T* x, T* y, uint32_t n, ScaleMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  const uint32_t w = (i / m.inner) % m.period;
  const float s = m.scale ? m.scale[w] : 1.f, b = m.shift ? m.shift[w] : 0.f;
  float v = __fadd_rn(__fmul_rn(toFloat(x[i]), s), b);  // x * s + b, unfused as on the CPU
  if (m.power) {
    const float p = m.power[w];
    if (p != 1.f) v = powf(v, p);
  }
  y[i] = fromFloat<T>(activate(v, m.act));
}

// Weight values the mode needs for input x (-1: the mode cannot apply to x).
int64_t weightCount(ScaleMode mode, const Shape& x) {
  if (mode == ScaleMode::kCHANNEL) return x.size() >= 2 ? x[1] : -1;
  if (mode == ScaleMode::kELEMENTWISE) return x.empty() ? -1 : elements(x) / x[0];
  return 1;
}

template <class T>
class ScaleKernel final : public Kernel {
 public:
  explicit ScaleKernel(const KernelSetup& s) : name_(s.layer->name), setupShape_(s.inputShapes[0]) {
    const bool nhwc = s.inputFormat(0) == TensorFormat::kNHWC;
    const auto& p = s.layer->as<ScaleParams>();
    const int64_t count = weightCount(p.mode, setupShape_);
    for (const Weights* w : {&p.shift, &p.scale, &p.power})
      check(w->empty() || w->count() == count, "layer '", name_, "': scale weights have ",
            w->count(), " values, expected ", count);
    scale_ = uploadFloats(p.scale.values, "scale weights");
    shift_ = uploadFloats(p.shift.values, "shift weights");
    power_ = uploadFloats(p.power.values, "power weights");
    math_.scale = p.scale.empty() ? nullptr : scale_.as<float>();
    math_.shift = p.shift.empty() ? nullptr : shift_.as<float>();
    math_.power = p.power.empty() ? nullptr : power_.as<float>();
    if (p.mode == ScaleMode::kCHANNEL && nhwc) {
      math_.period = static_cast<uint32_t>(setupShape_[1]);
    } else if (p.mode == ScaleMode::kCHANNEL) {
      math_.inner = static_cast<uint32_t>(elements(setupShape_) / setupShape_[0] / setupShape_[1]);
      math_.period = static_cast<uint32_t>(setupShape_[1]);
    } else if (p.mode == ScaleMode::kELEMENTWISE) {
      math_.period = static_cast<uint32_t>(count);
    }
    math_.act = deviceActivation(p.activation);
  }

  void enqueue(const RunArgs& a) override {
    checkRunRank(a.inputs[0].shape, setupShape_, name_);
    const auto n = static_cast<uint32_t>(elements(a.inputs[0].shape));
    if (n == 0) return;
    launchKernel(name_.c_str(), cudaScaleKernel<T>, blocksFor(n, kThreads), kThreads, 0, a.stream,
                 1, static_cast<const T*>(a.inputs[0].data), static_cast<T*>(a.outputs[0].data), n,
                 math_);
  }

 private:
  std::string name_;
  Shape setupShape_;
  DeviceBuffer scale_, shift_, power_;
  ScaleMath math_;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!layerOfType(s, LayerKind::kSCALE, 1, kType) || s.inputShapes[0].empty()) return false;
  const auto& p = s.layer->as<ScaleParams>();
  const int64_t count = weightCount(p.mode, s.inputShapes[0]);
  if (count < 1 || !validActivation(p.activation)) return false;
  if (s.inputFormat(0) == TensorFormat::kNHWC &&
      (s.inputShapes[0].size() != 4 || p.mode == ScaleMode::kELEMENTWISE))
    return false;
  for (const Weights* w : {&p.shift, &p.scale, &p.power})
    if (!w->empty() && w->count() != count) return false;
  return true;
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_scale");
  return std::make_unique<ScaleKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> scaleCandidates() {
  return {
      {"cuda_scale_fp32", LayerKind::kSCALE, DataType::kFLOAT, supports<DataType::kFLOAT>,
       nullptr, create<float>, FormatRule::kSameFormat},
      {"cuda_scale_fp16", LayerKind::kSCALE, DataType::kHALF, supports<DataType::kHALF>, nullptr,
       create<__half>, FormatRule::kSameFormat},
  };
}

}  // namespace int8rt::cuda::layers

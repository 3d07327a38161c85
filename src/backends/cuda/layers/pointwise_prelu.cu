// PReLU: y = x >= 0 ? x : slope * x, the slope broadcast against x (numpy, right-aligned) as
// prelu_ref; FP32 and FP16 (FP32 math). The slope is uploaded once as FP32 and indexed through
// the collapsed broadcast plan (operand 1; x itself is read at the output's index).
#include "backends/cuda/layers/pointwise_broadcast.cuh"
#include "backends/cuda/layers/pointwise_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

template <class T>
__global__ void cudaPReLUKernel(const T* x, T* y, uint32_t n, const float* slope,
                                BroadcastPlan plan) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  uint32_t unused, w;
  broadcastOffsets(plan, i, unused, w);
  const float v = toFloat(x[i]);
  y[i] = fromFloat<T>(v >= 0.f ? v : __fmul_rn(slope[w], v));
}

template <class T>
class PReLUKernel final : public Kernel {
 public:
  explicit PReLUKernel(const KernelSetup& s) : name_(s.layer->name), setupShape_(s.inputShapes[0]) {
    const auto& p = s.layer->as<PReLUParams>();
    check(elements(p.slopeShape) == p.slope.count(), "layer '", name_, "': slope shape holds ",
          elements(p.slopeShape), " values, got ", p.slope.count());
    plan_ = makeBroadcastPlan({setupShape_, p.slopeShape}, setupShape_, name_);
    slope_ = uploadFloats(p.slope.values, "PReLU slopes");
  }

  void enqueue(const RunArgs& a) override {
    checkRunRank(a.inputs[0].shape, setupShape_, name_);
    const auto n = static_cast<uint32_t>(elements(a.inputs[0].shape));
    if (n == 0) return;
    launchKernel(name_.c_str(), cudaPReLUKernel<T>, blocksFor(n, kThreads), kThreads, 0, a.stream,
                 1, static_cast<const T*>(a.inputs[0].data), static_cast<T*>(a.outputs[0].data), n,
                 slope_.as<const float>(), plan_);
  }

 private:
  std::string name_;
  Shape setupShape_;
  BroadcastPlan plan_;
  DeviceBuffer slope_;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!layerOfType(s, LayerKind::kPRELU, 1, kType)) return false;
  const auto& p = s.layer->as<PReLUParams>();
  return elements(p.slopeShape) == p.slope.count() && p.slope.count() > 0 &&
         s.inputShapes[0].size() <= kMaxBroadcastRank && broadcasts(p.slopeShape, s.inputShapes[0]);
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_prelu");
  return std::make_unique<PReLUKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> preluCandidates() {
  return {
      {"cuda_prelu_broadcast_fp32", LayerKind::kPRELU, DataType::kFLOAT,
       supports<DataType::kFLOAT>, nullptr, create<float>},
      {"cuda_prelu_broadcast_fp16", LayerKind::kPRELU, DataType::kHALF, supports<DataType::kHALF>,
       nullptr, create<__half>},
  };
}

}  // namespace int8rt::cuda::layers

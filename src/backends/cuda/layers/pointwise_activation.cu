// Activation layers (every ActivationType, the CPU's formulas), FP32 and FP16: one thread per
// four elements with 16-byte (FP32) / 8-byte (FP16) accesses when the run's pointers and
// element count allow, else one element per thread. Input and output may alias. Elements are
// independent, so any format works as long as input and output share it (FormatRule).
#include "backends/cuda/layers/pointwise_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

template <class T, int kVec>
__global__ void cudaActivationKernel(const T* x, T* y, uint32_t n, DeviceActivation act) {
  const uint32_t i = (blockIdx.x * blockDim.x + threadIdx.x) * kVec;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  if constexpr (kVec == 4) {
    float v[4];
    load4(x + i, v);
#pragma unroll
    for (int j = 0; j < 4; ++j) v[j] = activate(v[j], act);
    store4(y + i, v);
  } else {
    y[i] = fromFloat<T>(activate(toFloat(x[i]), act));
  }
}

template <class T>
class ActivationKernel final : public Kernel {
 public:
  explicit ActivationKernel(const KernelSetup& s)
      : name_(s.layer->name),
        setupShape_(s.inputShapes[0]),
        act_(deviceActivation(s.layer->as<ActivationParams>().activation)) {}

  void enqueue(const RunArgs& a) override {
    checkRunRank(a.inputs[0].shape, setupShape_, name_);
    const auto n = static_cast<uint32_t>(elements(a.inputs[0].shape));
    if (n == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    T* y = static_cast<T*>(a.outputs[0].data);
    if (n % 4 == 0 && aligned(x, 4 * sizeof(T)) && aligned(y, 4 * sizeof(T)))
      launchKernel(name_.c_str(), cudaActivationKernel<T, 4>, blocksFor(n / 4, kThreads), kThreads,
                   0, a.stream, 1, x, y, n, act_);
    else
      launchKernel(name_.c_str(), cudaActivationKernel<T, 1>, blocksFor(n, kThreads), kThreads, 0,
                   a.stream, 1, x, y, n, act_);
  }

 private:
  std::string name_;
  Shape setupShape_;
  DeviceActivation act_;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  return layerOfType(s, LayerKind::kACTIVATION, 1, kType) &&
         validActivation(s.layer->as<ActivationParams>().activation) &&
         elements(s.inputShapes[0]) == elements(s.outputShapes[0]);
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_activation");
  return std::make_unique<ActivationKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> activationCandidates() {
  return {
      {"cuda_activation_fp32", LayerKind::kACTIVATION, DataType::kFLOAT,
       supports<DataType::kFLOAT>, nullptr, create<float>, FormatRule::kSameFormat},
      {"cuda_activation_fp16", LayerKind::kACTIVATION, DataType::kHALF,
       supports<DataType::kHALF>, nullptr, create<__half>, FormatRule::kSameFormat},
  };
}

}  // namespace int8rt::cuda::layers

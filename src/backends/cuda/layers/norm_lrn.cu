// LRN across channels as lrn_ref: y = x / (k + alpha/size * sum of x^2 over the channels
// c - (size-1)/2 .. c + size/2, clipped)^beta; FP32 and FP16 (FP32 math). One thread per
// element: neighbouring threads are neighbouring pixels, so every channel tap is a coalesced
// read (and the window's rows are shared through L1). The sum of squares is accumulated in the
// CPU's order without FMA, so only powf's rounding differs from the reference.
#include <algorithm>

#include "backends/cuda/layers/norm_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

struct LrnMath {
  uint32_t C = 1, inner = 1;
  int before = 0, after = 0;
  float k = 1.f, alphaOverSize = 0.f, beta = 0.75f;
};

template <class T>
__global__ void cudaLrnAcrossChannelsKernel(const T* __restrict__ x, T* __restrict__ y,
                                            uint32_t n, LrnMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  const uint32_t pix = i % m.inner, rest = i / m.inner;
  const int c = static_cast<int>(rest % m.C);
  const uint32_t sampleBase = (rest - c) * m.inner + pix;  // channel 0 of this pixel
  const int lo = max(0, c - m.before), hi = min(static_cast<int>(m.C) - 1, c + m.after);
  float sq = 0.f;
  for (int j = lo; j <= hi; ++j) {
    const float v = toFloat(x[sampleBase + j * m.inner]);
    sq = __fadd_rn(sq, __fmul_rn(v, v));
  }
  const float d = powf(__fadd_rn(m.k, __fmul_rn(m.alphaOverSize, sq)), m.beta);
  y[i] = fromFloat<T>(__fdiv_rn(toFloat(x[i]), d));
}

template <class T>
class LrnKernel final : public Kernel {
 public:
  explicit LrnKernel(const KernelSetup& s) : name_(s.layer->name), setupShape_(s.inputShapes[0]) {
    const auto& p = s.layer->as<LRNParams>();
    check(p.size >= 1, "layer '", name_, "': LRN size ", p.size, " must be positive");
    m_.C = static_cast<uint32_t>(setupShape_[1]);
    m_.inner = static_cast<uint32_t>(elements(setupShape_) / setupShape_[0] / setupShape_[1]);
    m_.before = static_cast<int>((p.size - 1) / 2);
    m_.after = static_cast<int>(p.size - 1 - m_.before);
    m_.k = p.k;
    m_.alphaOverSize = p.alpha / static_cast<float>(p.size);  // as the CPU rounds it
    m_.beta = p.beta;
  }

  void enqueue(const RunArgs& a) override {
    checkRunRank(a.inputs[0].shape, setupShape_, name_);
    const auto n = static_cast<uint32_t>(elements(a.inputs[0].shape));
    if (n == 0) return;
    launchKernel(name_.c_str(), cudaLrnAcrossChannelsKernel<T>, blocksFor(n, kThreads), kThreads,
                 0, a.stream, 1, static_cast<const T*>(a.inputs[0].data),
                 static_cast<T*>(a.outputs[0].data), n, m_);
  }

 private:
  std::string name_;
  Shape setupShape_;
  LrnMath m_;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  return layerOfType(s, LayerKind::kLRN, 1, kType) && s.inputShapes[0].size() >= 2 &&
         s.inputShapes[0][0] > 0 && s.inputShapes[0][1] > 0 && s.layer->as<LRNParams>().size >= 1 &&
         s.layer->as<LRNParams>().size < (int64_t(1) << 30);
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_lrn_across_channels");
  return std::make_unique<LrnKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> lrnCandidates() {
  return {
      {"cuda_lrn_across_channels_fp32", LayerKind::kLRN, DataType::kFLOAT,
       supports<DataType::kFLOAT>, nullptr, create<float>},
      {"cuda_lrn_across_channels_fp16", LayerKind::kLRN, DataType::kHALF,
       supports<DataType::kHALF>, nullptr, create<__half>},
  };
}

}  // namespace int8rt::cuda::layers

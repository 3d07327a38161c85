// Elementwise layers (every ElementWiseOp, numpy broadcasting, Caffe coefficients, the fused
// activation), FP32 and FP16 with FP32 math. Two kernels, chosen per run:
//   flat: each operand is the output's shape or one scalar (the common residual add / scalar
//         case); four elements per thread with vector accesses when aligned.
//   broadcast: the collapsed index math of pointwise_broadcast.cuh, one element per thread.
#include "backends/cuda/layers/pointwise_broadcast.cuh"
#include "backends/cuda/layers/pointwise_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

struct EltMath {
  ElementWiseOp op = ElementWiseOp::kSUM;
  bool coeffs = false;
  float ca = 1.f, cb = 1.f;
  DeviceActivation act;
};

__device__ __forceinline__ float eltCompute(float a, float b, const EltMath& m) {
  if (m.coeffs) {
    a = __fmul_rn(a, m.ca);
    b = __fmul_rn(b, m.cb);
  }
  return activate(elementWise(m.op, a, b), m.act);
}

// sa, sb: 1 = the operand has the output's shape, 0 = a scalar.
template <class T, int kVec>
__global__ void cudaElementWiseFlatKernel(const T* a, const T* b, T* y, uint32_t n, uint32_t sa,
                                          uint32_t sb, EltMath m) {
  const uint32_t i = (blockIdx.x * blockDim.x + threadIdx.x) * kVec;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  if constexpr (kVec == 4) {
    float va[4], vb[4], vy[4];
    if (sa) load4(a + i, va);
    else va[0] = va[1] = va[2] = va[3] = toFloat(a[0]);
    if (sb) load4(b + i, vb);
    else vb[0] = vb[1] = vb[2] = vb[3] = toFloat(b[0]);
#pragma unroll
    for (int j = 0; j < 4; ++j) vy[j] = eltCompute(va[j], vb[j], m);
    store4(y + i, vy);
  } else {
    y[i] = fromFloat<T>(eltCompute(toFloat(a[i * sa]), toFloat(b[i * sb]), m));
  }
}

template <class T>
__global__ void cudaElementWiseBroadcastKernel(const T* a, const T* b, T* y, uint32_t n,
                                               BroadcastPlan plan, EltMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= n) return;
  uint32_t oa, ob;
  broadcastOffsets(plan, i, oa, ob);
  y[i] = fromFloat<T>(eltCompute(toFloat(a[oa]), toFloat(b[ob]), m));
}

template <class T>
class ElementWiseKernel final : public Kernel {
 public:
  explicit ElementWiseKernel(const KernelSetup& s)
      : name_(s.layer->name), setupOut_(s.outputShapes[0]) {
    const auto& p = s.layer->as<ElementWiseParams>();
    check(p.coeffs.empty() || p.coeffs.size() == 2, "layer '", name_, "': ", p.coeffs.size(),
          " coefficients for 2 inputs");
    math_.op = p.op;
    math_.coeffs = !p.coeffs.empty();
    if (math_.coeffs) math_.ca = p.coeffs[0], math_.cb = p.coeffs[1];
    math_.act = deviceActivation(p.activation);
    plan_ = makeBroadcastPlan({s.inputShapes[0], s.inputShapes[1]}, setupOut_, name_);
    flat_ = (isContiguous(plan_, 0) || isScalar(plan_, 0)) &&
            (isContiguous(plan_, 1) || isScalar(plan_, 1));
  }

  void enqueue(const RunArgs& r) override {
    checkRunRank(r.outputs[0].shape, setupOut_, name_);
    const auto n = static_cast<uint32_t>(elements(r.outputs[0].shape));
    if (n == 0) return;
    const T* a = static_cast<const T*>(r.inputs[0].data);
    const T* b = static_cast<const T*>(r.inputs[1].data);
    T* y = static_cast<T*>(r.outputs[0].data);
    if (flat_) {
      const uint32_t sa = plan_.stride[0][0], sb = plan_.stride[1][0];
      const size_t v = 4 * sizeof(T);
      if (n % 4 == 0 && (!sa || aligned(a, v)) && (!sb || aligned(b, v)) && aligned(y, v))
        launchKernel(name_.c_str(), cudaElementWiseFlatKernel<T, 4>, blocksFor(n / 4, kThreads),
                     kThreads, 0, r.stream, 1, a, b, y, n, sa, sb, math_);
      else
        launchKernel(name_.c_str(), cudaElementWiseFlatKernel<T, 1>, blocksFor(n, kThreads),
                     kThreads, 0, r.stream, 1, a, b, y, n, sa, sb, math_);
    } else {
      launchKernel(name_.c_str(), cudaElementWiseBroadcastKernel<T>, blocksFor(n, kThreads),
                   kThreads, 0, r.stream, 1, a, b, y, n, plan_, math_);
    }
  }

 private:
  std::string name_;
  Shape setupOut_;
  EltMath math_;
  BroadcastPlan plan_;
  bool flat_ = false;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!layerOfType(s, LayerKind::kELEMENTWISE, 2, kType)) return false;
  const auto& p = s.layer->as<ElementWiseParams>();
  const Shape& out = s.outputShapes[0];
  // Broadcasting indexes in NCHW order: another format (one for all, FormatRule) takes
  // operands of the output's shape or single values only, where the order does not matter.
  if (s.outputFormat(0) != TensorFormat::kLINEAR)
    for (const Shape& x : s.inputShapes)
      if (x != out && elements(x) != 1) return false;
  return static_cast<int>(p.op) <= static_cast<int>(ElementWiseOp::kPOW) &&
         (p.coeffs.empty() || p.coeffs.size() == 2) && validActivation(p.activation) &&
         out.size() <= kMaxBroadcastRank && broadcasts(s.inputShapes[0], out) &&
         broadcasts(s.inputShapes[1], out);
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_elementwise");
  return std::make_unique<ElementWiseKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> elementWiseCandidates() {
  return {
      {"cuda_elementwise_broadcast_fp32", LayerKind::kELEMENTWISE, DataType::kFLOAT,
       supports<DataType::kFLOAT>, nullptr, create<float>, FormatRule::kSameFormat},
      {"cuda_elementwise_broadcast_fp16", LayerKind::kELEMENTWISE, DataType::kHALF,
       supports<DataType::kHALF>, nullptr, create<__half>, FormatRule::kSameFormat},
  };
}

}  // namespace int8rt::cuda::layers

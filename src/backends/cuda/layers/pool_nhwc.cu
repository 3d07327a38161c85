// NHWC pooling (max / average, 2-D, any window, stride, padding, dilation, rounding), FP32 and
// FP16 (FP32 math), as pooling_ref computes it on the same values. Channels are innermost, so a
// thread takes one output pixel and VEC adjacent channels (the widest of 16, 8, 4 or 2 bytes
// that C and the pointers allow, else one channel), loading each tap's channels with one vector
// access; taps are visited row-major as the CPU does, so FP32 sums round identically.
#include "backends/cuda/candidates.h"
#include "backends/cuda/layers/pool_kernels.cuh"
#include "backends/cuda/layers/pool_setup.h"

namespace int8rt::cuda {

namespace {

using layers::PoolGeometry;
using layers::PoolMath;

constexpr int kThreads = 256;

// VEC consecutive elements moved as one access of VEC * sizeof(T) bytes; p aligned to it.
template <int kBytes>
struct RawVector;
template <>
struct RawVector<16> { using Type = uint4; };
template <>
struct RawVector<8> { using Type = uint2; };
template <>
struct RawVector<4> { using Type = uint32_t; };
template <>
struct RawVector<2> { using Type = uint16_t; };

template <class T, int VEC>
__device__ __forceinline__ void loadVec(const T* p, float (&v)[VEC]) {
  if constexpr (VEC == 1) {
    v[0] = layers::toFloat(p[0]);
  } else {
    using R = typename RawVector<VEC * sizeof(T)>::Type;
    const R raw = *reinterpret_cast<const R*>(p);
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int j = 0; j < VEC; ++j) v[j] = layers::toFloat(e[j]);
  }
}
template <class T, int VEC>
__device__ __forceinline__ void storeVec(T* p, const float (&v)[VEC]) {
  if constexpr (VEC == 1) {
    p[0] = layers::fromFloat<T>(v[0]);
  } else {
    using R = typename RawVector<VEC * sizeof(T)>::Type;
    R raw;
    T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
    for (int j = 0; j < VEC; ++j) e[j] = layers::fromFloat<T>(v[j]);
    *reinterpret_cast<R*>(p) = raw;
  }
}

// One thread per (output pixel, VEC channels): work = N * OH * OW * C / VEC.
template <class T, int VEC>
__global__ void cudaPoolingNhwcKernel(const T* __restrict__ x, T* __restrict__ y, uint32_t work,
                                      int channels, PoolGeometry g, PoolMath m) {
  const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // inputs are the previous kernel's outputs (pdl.h)
  if (i >= work) return;
  const uint32_t vectors = channels / VEC;
  const int c = static_cast<int>(i % vectors) * VEC;
  uint32_t rest = i / vectors;
  const int ow = static_cast<int>(rest % g.OW);
  rest /= g.OW;
  const int oh = static_cast<int>(rest % g.OH);
  const uint32_t b = rest / g.OH;
  const int y0 = oh * g.sh - g.ph, x0 = ow * g.sw - g.pw;
  float best[VEC], sum[VEC];
#pragma unroll
  for (int j = 0; j < VEC; ++j) best[j] = -FLT_MAX, sum[j] = 0.f;
  const int count = poolWindow(g, y0, x0, m.excludePad, [&](int iy, int ix) {
    float v[VEC];
    loadVec<T, VEC>(x + ((static_cast<size_t>(b) * g.H + iy) * g.W + ix) * channels + c, v);
#pragma unroll
    for (int j = 0; j < VEC; ++j) {
      if (v[j] > best[j]) best[j] = v[j];
      sum[j] += v[j];
    }
  });
  float out[VEC];
#pragma unroll
  for (int j = 0; j < VEC; ++j) out[j] = layers::poolResult<T, float>(best[j], sum[j], count, m);
  storeVec<T, VEC>(y + ((static_cast<size_t>(b) * g.OH + oh) * g.OW + ow) * channels + c, out);
}

template <class T>
class NhwcPoolingKernel final : public Kernel {
 public:
  explicit NhwcPoolingKernel(const KernelSetup& s)
      : name_(s.layer->name), setupShape_(s.inputShapes[0]) {
    const auto& p = s.layer->as<PoolingParams>();
    g_ = layers::makePoolGeometry(p, setupShape_, s.outputShapes[0], name_);
    m_.isMax = p.type == PoolingType::kMAX;
    m_.excludePad = p.averageExcludesPadding;
    channels_ = static_cast<int>(setupShape_[1]);
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    layers::checkRunRank(xs, setupShape_, name_);
    const uint32_t pixels = static_cast<uint32_t>(xs[0] * g_.OH * g_.OW);
    if (pixels == 0 || channels_ == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    T* y = static_cast<T*>(a.outputs[0].data);
    constexpr int kWidest = 16 / sizeof(T);
    // The widest vector of channels that C and both pointers allow.
    int vec = kWidest;
    while (vec > 1 && (channels_ % vec != 0 || !layers::aligned(x, vec * sizeof(T)) ||
                       !layers::aligned(y, vec * sizeof(T))))
      vec /= 2;
    switch (vec) {
      case 8:
        if constexpr (kWidest >= 8) launch<8>(a, x, y, pixels);  // FP16 only
        break;
      case 4: launch<4>(a, x, y, pixels); break;
      case 2: launch<2>(a, x, y, pixels); break;
      default: launch<1>(a, x, y, pixels); break;
    }
  }

 private:
  template <int VEC>
  void launch(const RunArgs& a, const T* x, T* y, uint32_t pixels) {
    const uint32_t work = pixels * static_cast<uint32_t>(channels_ / VEC);
    launchKernel(name_.c_str(), cudaPoolingNhwcKernel<T, VEC>, layers::blocksFor(work, kThreads),
                 kThreads, 0, a.stream, 1, x, y, work, channels_, g_, m_);
  }

  std::string name_;
  Shape setupShape_;
  PoolGeometry g_;
  PoolMath m_;
  int channels_ = 0;
};

// 2-D pooling of one type (the NCHW kernels' checks) on a rank-4 tensor; the formats are the
// candidate's rule (NHWC only).
template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  return layers::layerOfType(s, LayerKind::kPOOLING, 1, kType) && s.inputShapes[0].size() == 4 &&
         layers::poolingShapesFit(s);
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  layers::expectNoConfig(config, "cuda_pooling2d_nhwc");
  return std::make_unique<NhwcPoolingKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> nhwcPoolingCandidates() {
  return {
      {"cuda_pooling2d_nhwc_fp32", LayerKind::kPOOLING, DataType::kFLOAT,
       supports<DataType::kFLOAT>, nullptr, create<float>, FormatRule::kNhwcOnly},
      {"cuda_pooling2d_nhwc_fp16", LayerKind::kPOOLING, DataType::kHALF,
       supports<DataType::kHALF>, nullptr, create<__half>, FormatRule::kNhwcOnly},
  };
}

}  // namespace int8rt::cuda

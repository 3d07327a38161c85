// Pooling (max / average; 1-D or 2-D; any window, stride, padding, dilation, floor or ceil
// rounding; global), FP32, FP16 (FP32 math) and INT8 (pooling_int8_ref's contract: max keeps
// the input's q, average rounds the exact int sum / count as the CPU does, an FP32 output is
// allowed). create() turns the layer into a PoolGeometry and picks one of pool_kernels.cuh's
// kernels; enqueue only counts the run's planes and launches.
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cuda/candidates.h"
#include "backends/cuda/layers/pool_kernels.cuh"
#include "backends/cuda/layers/pool_setup.h"

namespace int8rt::cuda {

namespace {

using layers::PoolGeometry;
using layers::PoolMath;
using layers::PoolStore;
using layers::makePoolGeometry;
using layers::poolingShapesFit;

constexpr int kThreads = 256;

enum class PoolPath { kWindow, k2x2s2, kGlobal };

PoolPath choosePath(const PoolGeometry& g) {
  const bool noPad = g.ph == 0 && g.pw == 0 && g.peh == 0 && g.pew == 0;
  if (noPad && g.OH == 1 && g.OW == 1 && g.kh == g.H && g.kw == g.W) return PoolPath::kGlobal;
  // Every 2x2 stride-2 window inside the input: 4 taps, count 4 whatever the divisor rule.
  if (g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 && g.ph == 0 &&
      g.pw == 0 && 2 * (g.OH - 1) + 2 <= g.H && 2 * (g.OW - 1) + 2 <= g.W)
    return PoolPath::k2x2s2;
  return PoolPath::kWindow;
}

template <class T, class O>
class PoolingKernel final : public Kernel {
 public:
  explicit PoolingKernel(const KernelSetup& s)
      : name_(s.layer->name), setupShape_(s.inputShapes[0]) {
    const auto& p = s.layer->as<PoolingParams>();
    g_ = makePoolGeometry(p, setupShape_, s.outputShapes[0], name_);
    path_ = choosePath(g_);
    m_.isMax = p.type == PoolingType::kMAX;
    m_.excludePad = p.averageExcludesPadding;
    if constexpr (std::is_same_v<T, int8_t>) {
      m_.inScale = s.inputScales[0];
      if (s.outputTypes[0] == DataType::kFLOAT) {
        m_.store = PoolStore::kInt8ToFloat;
      } else {
        m_.outScale = s.outputScales[0];
        m_.store = m_.outScale == m_.inScale ? PoolStore::kInt8Same : PoolStore::kInt8Rescale;
      }
    }
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    layers::checkRunRank(xs, setupShape_, name_);
    const auto planes = static_cast<uint32_t>(xs[0] * xs[1]);
    if (planes == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    O* y = static_cast<O*>(a.outputs[0].data);
    const uint32_t outputs = planes * static_cast<uint32_t>(g_.OH * g_.OW);
    switch (path_) {
      case PoolPath::kGlobal: {
        constexpr int kWarps = kThreads / 32;
        launchKernel(name_.c_str(), layers::cudaPoolingGlobalKernel<T, O>,
                     layers::blocksFor(planes, kWarps), kThreads, 0, a.stream, 1, x, y, planes,
                     static_cast<uint32_t>(g_.H * g_.W), m_);
        break;
      }
      case PoolPath::k2x2s2:
        if (g_.W % 4 == 0 && g_.OW % 2 == 0 && layers::aligned(x, 4 * sizeof(T)))
          launchKernel(name_.c_str(), layers::cudaPooling2x2s2QuadKernel<T, O>,
                       layers::blocksFor(outputs / 2, kThreads), kThreads, 0, a.stream, 1, x, y,
                       outputs / 2, g_, m_);
        else if (g_.W % 2 == 0 && layers::aligned(x, 2 * sizeof(T)))
          launchKernel(name_.c_str(), layers::cudaPooling2x2s2Kernel<T, O, true>,
                       layers::blocksFor(outputs, kThreads), kThreads, 0, a.stream, 1, x, y, outputs,
                       g_, m_);
        else
          launchKernel(name_.c_str(), layers::cudaPooling2x2s2Kernel<T, O, false>,
                       layers::blocksFor(outputs, kThreads), kThreads, 0, a.stream, 1, x, y, outputs,
                       g_, m_);
        break;
      case PoolPath::kWindow:
        launchKernel(name_.c_str(), layers::cudaPoolingWindowKernel<T, O>,
                     layers::blocksFor(outputs, kThreads), kThreads, 0, a.stream, 1, x, y, outputs,
                     g_, m_);
        break;
    }
  }

 private:
  std::string name_;
  Shape setupShape_;
  PoolGeometry g_;
  PoolPath path_ = PoolPath::kWindow;
  PoolMath m_;
};

bool validScale(float v) { return std::isfinite(v) && v > 0.f; }

template <DataType kType>
bool supportsFloat(const KernelSetup& s, const DeviceInfo&) {
  return layers::layerOfType(s, LayerKind::kPOOLING, 1, kType) && poolingShapesFit(s);
}

bool supportsInt8(const KernelSetup& s, const DeviceInfo&) {
  if (!s.layer || s.layer->kind() != LayerKind::kPOOLING) return false;
  if (s.inputShapes.size() != 1 || s.inputTypes.size() != 1 || s.inputScales.size() != 1) return false;
  if (s.outputShapes.size() != 1 || s.outputTypes.size() != 1) return false;
  if (s.inputTypes[0] != DataType::kINT8 || !validScale(s.inputScales[0])) return false;
  const DataType out = s.outputTypes[0];
  if (out == DataType::kINT8 && (s.outputScales.size() != 1 || !validScale(s.outputScales[0])))
    return false;
  if (out != DataType::kINT8 && out != DataType::kFLOAT) return false;
  return layers::elements(s.inputShapes[0]) < (int64_t(1) << 31) && poolingShapesFit(s);
}

template <class T>
std::unique_ptr<Kernel> createFloat(const KernelSetup& s, const std::string& config) {
  layers::expectNoConfig(config, "cuda_pooling2d");
  return std::make_unique<PoolingKernel<T, T>>(s);
}

std::unique_ptr<Kernel> createInt8(const KernelSetup& s, const std::string& config) {
  layers::expectNoConfig(config, "cuda_pooling2d_int8");
  if (s.outputTypes.at(0) == DataType::kFLOAT)
    return std::make_unique<PoolingKernel<int8_t, float>>(s);
  return std::make_unique<PoolingKernel<int8_t, int8_t>>(s);
}

}  // namespace

std::vector<Candidate> nhwcPoolingCandidates();  // pool_nhwc.cu

std::vector<Candidate> poolingCandidates() {
  std::vector<Candidate> all = {
      {"cuda_pooling2d_fp32", LayerKind::kPOOLING, DataType::kFLOAT,
       supportsFloat<DataType::kFLOAT>, nullptr, createFloat<float>},
      {"cuda_pooling2d_fp16", LayerKind::kPOOLING, DataType::kHALF,
       supportsFloat<DataType::kHALF>, nullptr, createFloat<__half>},
      {"cuda_pooling2d_int8", LayerKind::kPOOLING, DataType::kINT8, supportsInt8, nullptr,
       createInt8},
  };
  std::vector<Candidate> nhwc = nhwcPoolingCandidates();  // NHWC tensors only
  all.insert(all.end(), nhwc.begin(), nhwc.end());
  return all;
}

}  // namespace int8rt::cuda

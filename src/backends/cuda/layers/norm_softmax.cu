// Softmax / log-softmax over one axis (or the flattened trailing dims with coerce2D), as
// softmax_ref: the data is [outer, len, inner], normalised along len; the row maximum is
// subtracted first; FP32 and FP16 (FP32 math, FP32 sums). Three kernels:
//   rows (inner == 1, len <= 1024): G threads per row (G = 4..32, a power of two covering
//        short rows: LeNet's 10 classes take 16 lanes), each holding P elements in registers;
//        max and sum reduce with shuffles inside the group; one read, one write.
//   block (inner == 1, longer rows): one block per row, three passes (max, sum, write) with
//        block reductions; the row stays in L1/L2 between passes.
//   columns (inner > 1): one thread per (outer, inner) column walking len with stride inner,
//        so neighbouring threads read neighbouring addresses.
// The kernel and the tensor split are chosen once in the constructor (SoftMaxPlan), so enqueue is
// one launch; every kernel computes its indices before pdlWait().
#include "backends/cuda/layers/norm_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;
// The rows kernel's block: small, so a few hundred short rows (LeNet: 100 x 10 classes, 16
// lanes each) still spread over a dozen SMs.
constexpr int kRowThreads = 128;

// Max and sum over the G lanes of a group (G a power of two dividing 32).
template <int G>
__device__ __forceinline__ float groupMax(float v) {
#pragma unroll
  for (int d = G / 2; d > 0; d /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, d, G));
  return v;
}
template <int G>
__device__ __forceinline__ float groupSum(float v) {
#pragma unroll
  for (int d = G / 2; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d, G);
  return v;
}

template <class T, int G, int P>
__global__ void cudaSoftmaxRowsKernel(const T* __restrict__ x, T* __restrict__ y, uint32_t rows,
                                      uint32_t len, bool log) {
  const uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  const uint32_t row = t / G;
  const uint32_t lane = t % G;
  // Groups past the last row still take part in the shuffles (full-warp masks); they only skip
  // their loads and stores.
  const bool valid = row < rows;
  const T* xr = x + static_cast<size_t>(row) * len;
  pdlWait();  // x is the previous kernel's output (pdl.h)
  float v[P];
  float mx = -INFINITY;
#pragma unroll
  for (int j = 0; j < P; ++j) {
    const uint32_t k = lane + j * G;
    v[j] = valid && k < len ? toFloat(xr[k]) : -INFINITY;
    mx = fmaxf(mx, v[j]);
  }
  mx = groupMax<G>(mx);
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < P; ++j) sum += lane + j * G < len ? expf(v[j] - mx) : 0.f;
  sum = groupSum<G>(sum);
  if (!valid) return;
  T* yr = y + static_cast<size_t>(row) * len;
  const float lse = logf(sum);
#pragma unroll
  for (int j = 0; j < P; ++j) {
    const uint32_t k = lane + j * G;
    if (k < len) yr[k] = fromFloat<T>(log ? v[j] - mx - lse : __fdiv_rn(expf(v[j] - mx), sum));
  }
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024); every thread gets it.
template <bool kMax>
__device__ float blockReduce(float v, float* scratch /* 32 floats */) {
#pragma unroll
  for (int d = 16; d > 0; d /= 2) {
    const float o = __shfl_xor_sync(0xffffffffu, v, d);
    v = kMax ? fmaxf(v, o) : v + o;
  }
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
  __syncthreads();  // scratch may still be read by the previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : (kMax ? -INFINITY : 0.f);
#pragma unroll
  for (int d = 16; d > 0; d /= 2) {
    const float o = __shfl_xor_sync(0xffffffffu, v, d);
    v = kMax ? fmaxf(v, o) : v + o;
  }
  return v;
}

template <class T>
__global__ void cudaSoftmaxBlockKernel(const T* __restrict__ x, T* __restrict__ y, uint32_t len,
                                       bool log) {
  __shared__ float scratch[32];
  const T* xr = x + static_cast<size_t>(blockIdx.x) * len;
  T* yr = y + static_cast<size_t>(blockIdx.x) * len;
  pdlWait();  // x is the previous kernel's output (pdl.h)
  float mx = -INFINITY;
  for (uint32_t k = threadIdx.x; k < len; k += blockDim.x) mx = fmaxf(mx, toFloat(xr[k]));
  mx = blockReduce<true>(mx, scratch);
  float sum = 0.f;
  for (uint32_t k = threadIdx.x; k < len; k += blockDim.x) sum += expf(toFloat(xr[k]) - mx);
  sum = blockReduce<false>(sum, scratch);
  const float lse = logf(sum);
  for (uint32_t k = threadIdx.x; k < len; k += blockDim.x) {
    const float v = toFloat(xr[k]);
    yr[k] = fromFloat<T>(log ? v - mx - lse : __fdiv_rn(expf(v - mx), sum));
  }
}

template <class T>
__global__ void cudaSoftmaxColumnsKernel(const T* __restrict__ x, T* __restrict__ y,
                                         uint32_t columns, uint32_t len, uint32_t inner,
                                         bool log) {
  const uint32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  pdlWait();  // x is the previous kernel's output (pdl.h)
  if (c >= columns) return;
  const size_t base = static_cast<size_t>(c / inner) * len * inner + c % inner;
  const T* xc = x + base;
  T* yc = y + base;
  float mx = -INFINITY;
  for (uint32_t k = 0; k < len; ++k) mx = fmaxf(mx, toFloat(xc[static_cast<size_t>(k) * inner]));
  float sum = 0.f;
  for (uint32_t k = 0; k < len; ++k) sum += expf(toFloat(xc[static_cast<size_t>(k) * inner]) - mx);
  const float lse = logf(sum);
  for (uint32_t k = 0; k < len; ++k) {
    const float v = toFloat(xc[static_cast<size_t>(k) * inner]);
    yc[static_cast<size_t>(k) * inner] =
        fromFloat<T>(log ? v - mx - lse : __fdiv_rn(expf(v - mx), sum));
  }
}

// How one softmax runs, fixed at build time: the kernel and the [outer, len, inner] split of the
// tensor. Only the batch (dim 0) changes between runs, so for axis > 0 a run just multiplies
// outer by its batch; axis 0 (len is the batch) is re-planned per run.
template <class T>
struct SoftMaxPlan {
  using Fn = void (*)(const T*, T*, uint32_t, uint32_t, bool);
  enum class Path { kRows, kBlock, kColumns } path = Path::kRows;
  Fn rows = nullptr;      // the rows kernel for this len (kRows)
  uint32_t group = 1;     // its lanes per row
  int64_t outerPerSample = 1, len = 1, inner = 1;
};

template <class T>
SoftMaxPlan<T> planSoftMax(const Shape& xs, int axis, bool coerce2D) {
  SoftMaxPlan<T> p;
  for (int d = 1; d < static_cast<int>(xs.size()); ++d) {
    if (d < axis) p.outerPerSample *= xs[d];
    else if (d == axis || coerce2D) p.len *= xs[d];
    else p.inner *= xs[d];
  }
  if (axis == 0) p.len *= xs[0];  // else the batch is part of outer
  using P = SoftMaxPlan<T>;
  auto rows = [&](typename P::Fn fn, uint32_t g) {
    p.rows = fn;
    p.group = g;
  };
  if (p.inner > 1) p.path = P::Path::kColumns;
  else if (p.len <= 4) rows(cudaSoftmaxRowsKernel<T, 4, 1>, 4);
  else if (p.len <= 8) rows(cudaSoftmaxRowsKernel<T, 8, 1>, 8);
  else if (p.len <= 16) rows(cudaSoftmaxRowsKernel<T, 16, 1>, 16);
  else if (p.len <= 32) rows(cudaSoftmaxRowsKernel<T, 32, 1>, 32);
  else if (p.len <= 64) rows(cudaSoftmaxRowsKernel<T, 32, 2>, 32);
  else if (p.len <= 128) rows(cudaSoftmaxRowsKernel<T, 32, 4>, 32);
  else if (p.len <= 256) rows(cudaSoftmaxRowsKernel<T, 32, 8>, 32);
  else if (p.len <= 512) rows(cudaSoftmaxRowsKernel<T, 32, 16>, 32);
  else if (p.len <= 1024) rows(cudaSoftmaxRowsKernel<T, 32, 32>, 32);
  else p.path = P::Path::kBlock;
  return p;
}

template <class T>
class SoftMaxKernel final : public Kernel {
 public:
  explicit SoftMaxKernel(const KernelSetup& s)
      : name_(s.layer->name), setupShape_(s.inputShapes[0]), p_(s.layer->as<SoftMaxParams>()) {
    const int rank = static_cast<int>(setupShape_.size());
    axis_ = p_.axis < 0 ? p_.axis + rank : p_.axis;
    check(axis_ >= 0 && axis_ < rank, "layer '", name_, "': axis ", p_.axis,
          " is out of range for rank ", rank);
    plan_ = planSoftMax<T>(setupShape_, axis_, p_.coerce2D);
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    checkRunRank(xs, setupShape_, name_);
    const SoftMaxPlan<T> plan = axis_ == 0 ? planSoftMax<T>(xs, 0, p_.coerce2D) : plan_;
    const int64_t outer = axis_ == 0 ? plan.outerPerSample : xs[0] * plan.outerPerSample;
    if (outer * plan.len * plan.inner == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    T* y = static_cast<T*>(a.outputs[0].data);
    const auto rows = static_cast<uint32_t>(outer), n = static_cast<uint32_t>(plan.len);
    const bool lg = p_.log;
    const char* what = name_.c_str();
    switch (plan.path) {
      case SoftMaxPlan<T>::Path::kRows:
        launchKernel(what, plan.rows, blocksFor(int64_t{rows} * plan.group, kRowThreads),
                     kRowThreads, 0, a.stream, 1, x, y, rows, n, lg);
        break;
      case SoftMaxPlan<T>::Path::kBlock:
        launchKernel(what, cudaSoftmaxBlockKernel<T>, rows, kThreads, 0, a.stream, 1, x, y, n, lg);
        break;
      case SoftMaxPlan<T>::Path::kColumns: {
        const auto columns = static_cast<uint32_t>(outer * plan.inner);
        launchKernel(what, cudaSoftmaxColumnsKernel<T>, blocksFor(columns, kThreads), kThreads, 0,
                     a.stream, 1, x, y, columns, n, static_cast<uint32_t>(plan.inner), lg);
        break;
      }
    }
  }

 private:
  std::string name_;
  Shape setupShape_;
  SoftMaxParams p_;
  int axis_ = 1;
  SoftMaxPlan<T> plan_;
};

template <DataType kType>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!layerOfType(s, LayerKind::kSOFTMAX, 1, kType) || s.inputShapes[0].empty()) return false;
  const int rank = static_cast<int>(s.inputShapes[0].size());
  const int axis = s.layer->as<SoftMaxParams>().axis;
  return axis >= -rank && axis < rank;
}

template <class T>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  expectNoConfig(config, "cuda_softmax");
  return std::make_unique<SoftMaxKernel<T>>(s);
}

}  // namespace

std::vector<Candidate> softMaxCandidates() {
  return {
      {"cuda_softmax_fp32", LayerKind::kSOFTMAX, DataType::kFLOAT, supports<DataType::kFLOAT>,
       nullptr, create<float>},
      {"cuda_softmax_fp16", LayerKind::kSOFTMAX, DataType::kHALF, supports<DataType::kHALF>,
       nullptr, create<__half>},
  };
}

}  // namespace int8rt::cuda::layers

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
#include "backends/cuda/layers/norm_candidates.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

namespace {

constexpr int kThreads = 256;

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

template <class T, int G, int P>
void launchRows(const T* x, T* y, uint32_t rows, uint32_t len, bool log, cudaStream_t s) {
  const int64_t threads = static_cast<int64_t>(rows) * G;
  cudaSoftmaxRowsKernel<T, G, P><<<blocksFor(threads, kThreads), kThreads, 0, s>>>(x, y, rows, len, log);
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
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    checkRunRank(xs, setupShape_, name_);
    // [outer, len, inner] of this run (only the batch, dim 0, can differ from the setup).
    int64_t outer = 1, len = 1, inner = 1;
    for (int d = 0; d < static_cast<int>(xs.size()); ++d) {
      if (d < axis_) outer *= xs[d];
      else if (d == axis_ || p_.coerce2D) len *= xs[d];
      else inner *= xs[d];
    }
    if (outer * len * inner == 0) return;
    const T* x = static_cast<const T*>(a.inputs[0].data);
    T* y = static_cast<T*>(a.outputs[0].data);
    const auto rows = static_cast<uint32_t>(outer), n = static_cast<uint32_t>(len);
    const bool lg = p_.log;
    if (inner > 1) {
      const auto columns = static_cast<uint32_t>(outer * inner);
      cudaSoftmaxColumnsKernel<T><<<blocksFor(columns, kThreads), kThreads, 0, a.stream>>>(
          x, y, columns, n, static_cast<uint32_t>(inner), lg);
    } else if (len <= 4) launchRows<T, 4, 1>(x, y, rows, n, lg, a.stream);
    else if (len <= 8) launchRows<T, 8, 1>(x, y, rows, n, lg, a.stream);
    else if (len <= 16) launchRows<T, 16, 1>(x, y, rows, n, lg, a.stream);
    else if (len <= 32) launchRows<T, 32, 1>(x, y, rows, n, lg, a.stream);
    else if (len <= 64) launchRows<T, 32, 2>(x, y, rows, n, lg, a.stream);
    else if (len <= 128) launchRows<T, 32, 4>(x, y, rows, n, lg, a.stream);
    else if (len <= 256) launchRows<T, 32, 8>(x, y, rows, n, lg, a.stream);
    else if (len <= 512) launchRows<T, 32, 16>(x, y, rows, n, lg, a.stream);
    else if (len <= 1024) launchRows<T, 32, 32>(x, y, rows, n, lg, a.stream);
    else cudaSoftmaxBlockKernel<T><<<rows, kThreads, 0, a.stream>>>(x, y, n, lg);
    checkLaunch("the softmax kernel of layer '", name_, "'");
  }

 private:
  std::string name_;
  Shape setupShape_;
  SoftMaxParams p_;
  int axis_ = 1;
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

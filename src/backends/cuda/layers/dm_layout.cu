// Layout reformats: an Identity layer whose input and output differ in memory format (NCHW <->
// NHWC, rank 4), optionally changing the type on the way with the precision reformats'
// conversions (dm_convert.cuh, bit-identical to the CPU's). The builder inserts them around runs
// of NHWC layers, or turns an existing precision reformat at a run's edge into one.
//
// Per image both directions are one matrix transpose: NCHW -> NHWC moves [C][HW] to [HW][C],
// NHWC -> NCHW [HW][C] to [C][HW]. A 32 x 32 tile is staged in shared memory so that reads and
// writes are both coalesced; when one side of the matrix is narrow (C = 1 or 3 of an image
// input) most of a tile would be idle, so a direct kernel with coalesced writes is used instead.
#include <cuda_fp16.h>

#include <memory>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/layers/dm_common.h"
#include "backends/cuda/layers/dm_convert.cuh"
#include "backends/cuda/layers/dm_geometry.h"
#include "backends/cuda/layers/dm_transpose.cuh"
#include "backends/cuda/pdl.h"

namespace int8rt::cuda::dm {

namespace {

constexpr int kNarrow = 8;  // below this many rows or columns: the direct kernel

// x: [batch][rows][cols] -> y: [batch][cols][rows], each element through op, one output element
// per thread (writes coalesced, reads strided): for
// matrices with few rows or columns, where tiles would be mostly empty.
template <class In, class Out, class Op>
__global__ void __launch_bounds__(kThreads)
    transposeDirectKernel(const In* __restrict__ x, Out* __restrict__ y, int64_t n, int rows,
                          int cols, Op op) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t plane = static_cast<int64_t>(rows) * cols;
  pdlWait();  // x is the previous kernel's output (pdl.h)
  for (int64_t i = t; i < n; i += stride) {
    const int64_t b = i / plane, rest = i - b * plane;
    const int c = static_cast<int>(rest / rows), r = static_cast<int>(rest - static_cast<int64_t>(c) * rows);
    y[i] = op(x[b * plane + static_cast<int64_t>(r) * cols + c]);
  }
}

template <class In, class Out, class Op>
void launchTranspose(const void* x, void* y, int batch, int rows, int cols, Op op,
                     cudaStream_t stream, const char* name) {
  const auto* xi = static_cast<const In*>(x);
  auto* yo = static_cast<Out*>(y);
  if (rows < kNarrow || cols < kNarrow) {
    const int64_t n = static_cast<int64_t>(batch) * rows * cols;
    launchKernel(name, transposeDirectKernel<In, Out, Op>, gridFor(n), kThreads, 0, stream, 1, xi,
                 yo, n, rows, cols, op);
    return;
  }
  launchTiledTranspose(name, xi, yo, batch, rows, cols, op, stream);  // dm_transpose.cuh
}

enum class Conversion {
  kCopy, kQuantizeFloat, kDequantizeFloat, kQuantizeHalf, kDequantizeHalf, kFloatToHalf,
  kHalfToFloat
};

constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;

// The conversion from one type to another, or false when there is none.
bool conversionOf(DataType in, DataType out, Conversion& c) {
  if (in == out) return c = Conversion::kCopy, true;
  if (in == F && out == Q) return c = Conversion::kQuantizeFloat, true;
  if (in == Q && out == F) return c = Conversion::kDequantizeFloat, true;
  if (in == H && out == Q) return c = Conversion::kQuantizeHalf, true;
  if (in == Q && out == H) return c = Conversion::kDequantizeHalf, true;
  if (in == F && out == H) return c = Conversion::kFloatToHalf, true;
  if (in == H && out == F) return c = Conversion::kHalfToFloat, true;
  return false;
}

class LayoutKernel final : public Kernel {
 public:
  LayoutKernel(const KernelSetup& s, const char* name)
      : name_(name),
        toNhwc_(s.outputFormat(0) == TensorFormat::kNHWC),
        inBytes_(elementBytes(s.inputTypes[0])),
        inScale_(s.inputScales.empty() ? 0.f : s.inputScales[0]),
        outScale_(s.outputScales.empty() ? 0.f : s.outputScales[0]),
        setupShape_(s.inputShapes[0]) {
    check(conversionOf(s.inputTypes[0], s.outputTypes[0], conversion_), name_,
          ": no conversion from ", dataTypeName(s.inputTypes[0]), " to ",
          dataTypeName(s.outputTypes[0]));
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    check(xs.size() == 4 && a.outputs[0].shape == xs && xs[0] <= setupShape_[0] &&
              std::equal(xs.begin() + 1, xs.end(), setupShape_.begin() + 1),
          name_, ": run shape ", shapeToString(xs), " does not fit the setup ",
          shapeToString(setupShape_));
    if (elementsOf(xs) == 0) return;
    const int batch = static_cast<int>(xs[0]), c = static_cast<int>(xs[1]);
    const int hw = static_cast<int>(xs[2] * xs[3]);
    const int rows = toNhwc_ ? c : hw, cols = toNhwc_ ? hw : c;
    const void* x = a.inputs[0].data;
    void* y = a.outputs[0].data;
    cudaStream_t st = a.stream;
    switch (conversion_) {
      case Conversion::kCopy:  // by element size, whatever the type
        if (inBytes_ == 4) launchTranspose<uint32_t, uint32_t>(x, y, batch, rows, cols, CopyOp{}, st, name_);
        else if (inBytes_ == 2) launchTranspose<uint16_t, uint16_t>(x, y, batch, rows, cols, CopyOp{}, st, name_);
        else launchTranspose<uint8_t, uint8_t>(x, y, batch, rows, cols, CopyOp{}, st, name_);
        break;
      case Conversion::kQuantizeFloat:
        launchTranspose<float, int8_t>(x, y, batch, rows, cols, QuantizeFloatOp{outScale_}, st, name_);
        break;
      case Conversion::kDequantizeFloat:
        launchTranspose<int8_t, float>(x, y, batch, rows, cols, DequantizeFloatOp{inScale_}, st, name_);
        break;
      case Conversion::kQuantizeHalf:
        launchTranspose<__half, int8_t>(x, y, batch, rows, cols, QuantizeHalfOp{outScale_}, st, name_);
        break;
      case Conversion::kDequantizeHalf:
        launchTranspose<int8_t, __half>(x, y, batch, rows, cols, DequantizeHalfOp{inScale_}, st, name_);
        break;
      case Conversion::kFloatToHalf:
        launchTranspose<float, __half>(x, y, batch, rows, cols, FloatToHalfOp{}, st, name_);
        break;
      case Conversion::kHalfToFloat:
        launchTranspose<__half, float>(x, y, batch, rows, cols, HalfToFloatOp{}, st, name_);
        break;
    }
  }

 private:
  const char* name_;
  bool toNhwc_;
  Conversion conversion_ = Conversion::kCopy;
  int inBytes_;
  float inScale_, outScale_;
  Shape setupShape_;
};

// An Identity from format `from` to format `to` (rank 4, one shape) whose output type is `out`,
// from any input type with a conversion; INT8 tensors need valid scales, and an INT8 -> INT8
// one equal scales (this kernel moves bytes, it does not requantize).
template <TensorFormat kFrom, TensorFormat kTo, DataType kOut>
bool supports(const KernelSetup& s, const DeviceInfo&) {
  if (!isKind(s, LayerKind::kIDENTITY) || s.inputShapes.size() != 1 || s.outputShapes.size() != 1 ||
      s.inputTypes.size() != 1 || s.outputTypes.size() != 1)
    return false;
  if (s.inputFormat(0) != kFrom || s.outputFormat(0) != kTo || s.outputTypes[0] != kOut) return false;
  const Shape& x = s.inputShapes[0];
  if (x.size() != 4 || s.outputShapes[0] != x || elementsOf(x) >= (int64_t(1) << 31)) return false;
  const DataType in = s.inputTypes[0];
  Conversion c;
  if (!conversionOf(in, kOut, c)) return false;
  if (in == Q && (s.inputScales.size() != 1 || !validScale(s.inputScales[0]))) return false;
  if (kOut == Q && (s.outputScales.size() != 1 || !validScale(s.outputScales[0]))) return false;
  return in != Q || kOut != Q || s.inputScales[0] == s.outputScales[0];
}

template <const char* kName>
std::unique_ptr<Kernel> create(const KernelSetup& s, const std::string& config) {
  check(config.empty(), kName, ": unknown configuration '", config, "'");
  return std::make_unique<LayoutKernel>(s, kName);
}

constexpr TensorFormat L = TensorFormat::kLINEAR, N = TensorFormat::kNHWC;

constexpr char kToNhwcF[] = "cuda_reformat_nchw_to_nhwc_fp32";
constexpr char kToNhwcH[] = "cuda_reformat_nchw_to_nhwc_fp16";
constexpr char kToNhwcQ[] = "cuda_reformat_nchw_to_nhwc_int8";
constexpr char kToNchwF[] = "cuda_reformat_nhwc_to_nchw_fp32";
constexpr char kToNchwH[] = "cuda_reformat_nhwc_to_nchw_fp16";
constexpr char kToNchwQ[] = "cuda_reformat_nhwc_to_nchw_int8";

}  // namespace

std::vector<Candidate> layoutCandidates() {
  const LayerKind k = LayerKind::kIDENTITY;
  const FormatRule own = FormatRule::kOwnCheck;
  return {
      {kToNhwcF, k, F, supports<L, N, F>, nullptr, create<kToNhwcF>, own},
      {kToNhwcH, k, H, supports<L, N, H>, nullptr, create<kToNhwcH>, own},
      {kToNhwcQ, k, Q, supports<L, N, Q>, nullptr, create<kToNhwcQ>, own},
      {kToNchwF, k, F, supports<N, L, F>, nullptr, create<kToNchwF>, own},
      {kToNchwH, k, H, supports<N, L, H>, nullptr, create<kToNchwH>, own},
      {kToNchwQ, k, Q, supports<N, L, Q>, nullptr, create<kToNchwQ>, own},
  };
}

}  // namespace int8rt::cuda::dm

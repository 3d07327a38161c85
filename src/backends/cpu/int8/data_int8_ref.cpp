// INT8 data movement: shuffle (transpose / reshape / transpose of bytes), concatenation (inputs
// and output share one scale) and identity (copy, requantize, quantize or dequantize).
// Layout: row-major tensors of int8; copies are whole contiguous runs (memcpy) where possible.
#include <cstring>
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_common.h"
#include "backends/cpu/int8/quantize.h"

namespace int8rt::cpu {

namespace {

bool sameScale(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputScales.size(); ++i)
    if (s.inputScales[i] != s.outputScales.at(0)) return false;
  return true;
}

bool allInt8(const KernelSetup& s) {
  if (s.inputTypes.empty() || s.inputTypes.size() != s.inputShapes.size()) return false;
  for (size_t i = 0; i < s.inputTypes.size(); ++i)
    if (!i8::int8Input(s, i)) return false;
  return s.outputTypes.size() == 1 && i8::int8OrFloatOutput(s, false);
}

// y = x with its dims permuted (y dim i is x dim perm[i]); bytes.
void permuteBytes(const int8_t* x, const Shape& xs, const std::vector<int>& perm, int8_t* y) {
  const size_t r = xs.size();
  std::vector<int64_t> xStride = rowMajorStrides(xs), ys(r), step(r), c(r, 0);
  for (size_t i = 0; i < r; ++i) {
    ys[i] = xs[perm[i]];
    step[i] = xStride[perm[i]];
  }
  const int64_t n = elementCount(xs);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = x[off];
    for (size_t d = r; d-- > 0;) {  // odometer over y's coordinates
      off += step[d];
      if (++c[d] < ys[d]) break;
      off -= step[d] * ys[d];
      c[d] = 0;
    }
  }
}

bool isIdentityPerm(const std::vector<int>& p) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != static_cast<int>(i)) return false;
  return true;
}

class ShuffleInt8 final : public CpuKernel {
 public:
  explicit ShuffleInt8(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ShuffleParams>()) {
    check(sameScale(s), "layer '", name_, "': INT8 shuffle needs equal input and output scales");
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const int64_t n = elementCount(xs);
    check(n == elementCount(ys), "layer '", name_, "': shuffle ", shapeText(xs), " -> ",
          shapeText(ys), " changes the element count");
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    auto* y = static_cast<int8_t*>(a.outputs[0].data);
    const bool t1 = !p_.firstTranspose.empty() && !isIdentityPerm(p_.firstTranspose);
    const bool t2 = !p_.secondTranspose.empty() && !isIdentityPerm(p_.secondTranspose);
    if (!t1 && !t2) {  // reshape / flatten: the bytes do not move
      if (x != y) std::memcpy(y, x, static_cast<size_t>(n));
      return;
    }
    std::vector<int8_t> mid;
    const int8_t* cur = x;
    if (t1) {
      check(p_.firstTranspose.size() == xs.size(), "layer '", name_,
            "': first transpose does not match the input rank");
      mid.resize(static_cast<size_t>(n));
      permuteBytes(x, xs, p_.firstTranspose, t2 ? mid.data() : y);
      cur = mid.data();
    }
    if (t2) {
      // The reshaped tensor is y's shape with the second transpose undone.
      const auto& q = p_.secondTranspose;
      check(q.size() == ys.size(), "layer '", name_,
            "': second transpose does not match the output rank");
      Shape r(ys.size());
      for (size_t i = 0; i < q.size(); ++i) r[q[i]] = ys[i];
      permuteBytes(cur, r, q, y);
    }
  }

 private:
  std::string name_;
  ShuffleParams p_;
};

class ConcatenationInt8 final : public CpuKernel {
 public:
  explicit ConcatenationInt8(const KernelSetup& s)
      : name_(s.layer->name), axis_(s.layer->as<ConcatenationParams>().axis) {
    // CONTRACTS §2: concatenation inputs and output share one scale; the builder's scale
    // sharing guarantees it, so a mismatch here is a bug upstream, not a case to round.
    check(sameScale(s), "layer '", name_,
          "': INT8 concatenation inputs and output must share one scale");
  }

  void run(const RunArgs& a) override {
    const Shape& ys = a.outputs[0].shape;
    const int ax = normalizeAxis(axis_, ys.size(), name_);
    const int64_t outer = product(ys, 0, ax), outInner = product(ys, ax, ys.size());
    auto* y = static_cast<int8_t*>(a.outputs[0].data);
    int64_t offset = 0;
    for (const TensorRef& in : a.inputs) {
      check(in.shape.size() == ys.size() && product(in.shape, 0, ax) == outer, "layer '", name_,
            "': input ", shapeText(in.shape), " does not concatenate into ", shapeText(ys));
      const int64_t inner = product(in.shape, ax, in.shape.size());
      const auto* x = static_cast<const int8_t*>(in.data);
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(y + o * outInner + offset, x + o * inner, static_cast<size_t>(inner));
      offset += inner;
    }
    check(offset == outInner, "layer '", name_, "': inputs fill ", offset, " of ", outInner,
          " values per outer index");
  }

 private:
  std::string name_;
  int axis_;
};

// Identity doubles as the reformat layer: INT8 -> INT8 (copy, or requantize to another scale),
// INT8 -> FP32 (dequantize), FP32 -> INT8 (quantize).
class IdentityInt8 final : public CpuKernel {
 public:
  explicit IdentityInt8(const KernelSetup& s)
      : inType_(s.inputTypes[0]),
        outType_(s.outputTypes[0]),
        inScale_(s.inputScales.empty() ? 0.f : s.inputScales[0]),
        outScale_(s.outputScales.empty() ? 0.f : s.outputScales[0]) {}

  void run(const RunArgs& a) override {
    const int64_t n = elementCount(a.inputs[0].shape);
    check(n == elementCount(a.outputs[0].shape), "identity: input and output sizes differ");
    const void* x = a.inputs[0].data;
    void* y = a.outputs[0].data;
    if (inType_ == DataType::kFLOAT) {
      quantizeTensor(static_cast<const float*>(x), static_cast<int8_t*>(y), n, outScale_, a.pool);
    } else if (outType_ == DataType::kFLOAT) {
      dequantizeTensor(static_cast<const int8_t*>(x), static_cast<float*>(y), n, inScale_, a.pool);
    } else if (inScale_ == outScale_) {
      if (x != y) std::memcpy(y, x, static_cast<size_t>(n));
    } else {
      requantizeTensor(static_cast<const int8_t*>(x), static_cast<int8_t*>(y), n, inScale_,
                       outScale_, a.pool);
    }
  }

 private:
  DataType inType_, outType_;
  float inScale_, outScale_;
};

bool supportsShuffle(const KernelSetup& s, const CpuFeatures&) {
  return isKind(s, LayerKind::kSHUFFLE) && s.inputShapes.size() == 1 && allInt8(s) && sameScale(s);
}

bool supportsConcat(const KernelSetup& s, const CpuFeatures&) {
  return isKind(s, LayerKind::kCONCATENATION) && allInt8(s) && sameScale(s);
}

bool supportsIdentity(const KernelSetup& s, const CpuFeatures&) {
  if (!isKind(s, LayerKind::kIDENTITY) || s.inputTypes.size() != 1 || s.outputTypes.size() != 1)
    return false;
  const DataType in = s.inputTypes[0], out = s.outputTypes[0];
  const bool inQ = in == DataType::kINT8 && i8::int8Input(s, 0);
  const bool outQ = out == DataType::kINT8 && i8::int8OrFloatOutput(s, false);
  return (inQ && (outQ || out == DataType::kFLOAT)) || (in == DataType::kFLOAT && outQ);
}

std::unique_ptr<CpuKernel> createShuffle(const KernelSetup& s) {
  return std::make_unique<ShuffleInt8>(s);
}
std::unique_ptr<CpuKernel> createConcat(const KernelSetup& s) {
  return std::make_unique<ConcatenationInt8>(s);
}
std::unique_ptr<CpuKernel> createIdentity(const KernelSetup& s) {
  return std::make_unique<IdentityInt8>(s);
}

}  // namespace

std::vector<KernelCandidate> shuffleInt8RefCandidates() {
  return {
      {"shuffle_int8_ref", LayerKind::kSHUFFLE, DataType::kINT8, supportsShuffle, createShuffle}};
}

std::vector<KernelCandidate> concatenationInt8RefCandidates() {
  return {{"concatenation_int8_ref", LayerKind::kCONCATENATION, DataType::kINT8, supportsConcat,
           createConcat}};
}

std::vector<KernelCandidate> identityInt8RefCandidates() {
  return {{"identity_int8_ref", LayerKind::kIDENTITY, DataType::kINT8, supportsIdentity,
           createIdentity}};
}

}  // namespace int8rt::cpu

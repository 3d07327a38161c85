// Binary elementwise ops on same-shape inputs (+ coefficients and fused activation), 8 at a time.
// Layout: contiguous; split into cache-sized chunks across threads. Other shapes go to the
// reference.
#include <immintrin.h>

#include "backends/cpu/avx2/vec_activation_avx2.h"
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/elementwise_math.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"

namespace int8rt::cpu {

namespace {

constexpr int64_t kChunk = 8192;  // floats per task: 3 x 32 KiB streams

template <ElementWiseOp kOp>
inline __m256 opVec(__m256 a, __m256 b) {
  if constexpr (kOp == ElementWiseOp::kSUM) return _mm256_add_ps(a, b);
  if constexpr (kOp == ElementWiseOp::kPROD) return _mm256_mul_ps(a, b);
  // Operands swapped: maxps/minps return their second operand when either is NaN, which is a,
  // as std::max(a, b) and std::min(a, b) do.
  if constexpr (kOp == ElementWiseOp::kMAX) return _mm256_max_ps(b, a);
  if constexpr (kOp == ElementWiseOp::kMIN) return _mm256_min_ps(b, a);
  if constexpr (kOp == ElementWiseOp::kSUB) return _mm256_sub_ps(a, b);
  if constexpr (kOp == ElementWiseOp::kDIV) return _mm256_div_ps(a, b);
  return a;
}

template <ElementWiseOp kOp>
void binaryRange(const float* a, const float* b, float* y, int64_t n, bool scaled, float ca,
                 float cb, const Activation& act, bool vectorAct) {
  const __m256 va = _mm256_set1_ps(ca), vb = _mm256_set1_ps(cb);
  int64_t i = 0;
  for (; i < n; i += 8) {
    const int lanes = static_cast<int>(std::min<int64_t>(8, n - i));
    __m256 x, z;
    if (lanes == 8) {
      x = _mm256_loadu_ps(a + i);
      z = _mm256_loadu_ps(b + i);
    } else {
      const __m256i m = avx2::firstLanes(lanes);
      x = _mm256_maskload_ps(a + i, m);
      z = _mm256_maskload_ps(b + i, m);
    }
    if (scaled) {
      x = _mm256_mul_ps(x, va);
      z = _mm256_mul_ps(z, vb);
    }
    avx2::activateStore(y + i, opVec<kOp>(x, z), lanes, act, vectorAct);
  }
}

using RangeFn = void (*)(const float*, const float*, float*, int64_t, bool, float, float,
                         const Activation&, bool);

RangeFn rangeFor(ElementWiseOp op) {
  switch (op) {
    case ElementWiseOp::kSUM:
      return &binaryRange<ElementWiseOp::kSUM>;
    case ElementWiseOp::kPROD:
      return &binaryRange<ElementWiseOp::kPROD>;
    case ElementWiseOp::kMAX:
      return &binaryRange<ElementWiseOp::kMAX>;
    case ElementWiseOp::kMIN:
      return &binaryRange<ElementWiseOp::kMIN>;
    case ElementWiseOp::kSUB:
      return &binaryRange<ElementWiseOp::kSUB>;
    case ElementWiseOp::kDIV:
      return &binaryRange<ElementWiseOp::kDIV>;
    default:
      return nullptr;
  }
}

class ElementWiseAvx2 final : public CpuKernel {
 public:
  explicit ElementWiseAvx2(const KernelSetup& s)
      : name_(s.layer->name),
        p_(s.layer->as<ElementWiseParams>()),
        fallback_(createElementWiseRef(s)) {
    fn_ = rangeFor(p_.op);
    if (!fn_) fail("layer '", name_, "': no vector form of this elementwise op");
    vectorAct_ = avx2::hasVectorForm(p_.activation.type);
  }

  void run(const RunArgs& a) override {
    const Shape& ys = a.outputs[0].shape;
    if (a.inputs[0].shape != ys || a.inputs[1].shape != ys) {
      fallback_->run(a);  // broadcasting at this run's shapes
      return;
    }
    const int64_t n = elementCount(ys);
    const float* x0 = a.inputs[0].f32();
    const float* x1 = a.inputs[1].f32();
    float* y = a.outputs[0].f32();
    const bool scaled = !p_.coeffs.empty();
    const float ca = scaled ? p_.coeffs[0] : 1.f, cb = scaled ? p_.coeffs[1] : 1.f;
    parallelFor(a.pool, (n + kChunk - 1) / kChunk, static_cast<double>(kChunk),
                [&](int64_t begin, int64_t end, int) {
                  const int64_t lo = begin * kChunk, hi = std::min(n, end * kChunk);
                  fn_(x0 + lo, x1 + lo, y + lo, hi - lo, scaled, ca, cb, p_.activation, vectorAct_);
                });
  }

 private:
  std::string name_;
  ElementWiseParams p_;
  std::unique_ptr<CpuKernel> fallback_;
  RangeFn fn_ = nullptr;
  bool vectorAct_ = true;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!cpu.avx2 || !cpu.fma || !fp32Layer(s, LayerKind::kELEMENTWISE, 2)) return false;
  const auto& p = s.layer->as<ElementWiseParams>();
  return rangeFor(p.op) != nullptr && (p.coeffs.empty() || p.coeffs.size() == 2) &&
         s.inputShapes[0] == s.outputShapes[0] && s.inputShapes[1] == s.outputShapes[0];
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ElementWiseAvx2>(s);
}

}  // namespace

std::vector<KernelCandidate> elementWiseAvx2Candidates() {
  return {{"elementwise_fp32_same_shape_avx2", LayerKind::kELEMENTWISE, DataType::kFLOAT, supports,
           create}};
}

}  // namespace int8rt::cpu

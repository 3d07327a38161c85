// Activations with a vector form (ReLU, leaky ReLU, clip, hard sigmoid/swish, abs, neg,
// softsign), 8 floats at a time. Layout: contiguous, in place allowed; cache-sized chunks per task.
#include <immintrin.h>

#include "backends/cpu/avx2/vec_activation_avx2.h"
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"

namespace int8rt::cpu {

namespace {

constexpr int64_t kChunk = 8192;

class ActivationAvx2 final : public CpuKernel {
 public:
  explicit ActivationAvx2(const KernelSetup& s)
      : name_(s.layer->name), act_(s.layer->as<ActivationParams>().activation) {}

  void run(const RunArgs& a) override {
    const int64_t n = elementCount(a.inputs[0].shape);
    if (elementCount(a.outputs[0].shape) != n)
      fail("layer '", name_, "': output ", shapeText(a.outputs[0].shape), " differs from input ",
           shapeText(a.inputs[0].shape));
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    parallelFor(a.pool, (n + kChunk - 1) / kChunk, static_cast<double>(kChunk),
                [&](int64_t begin, int64_t end, int) {
                  const int64_t hi = std::min(n, end * kChunk);
                  for (int64_t i = begin * kChunk; i < hi; i += 8) {
                    const int lanes = static_cast<int>(std::min<int64_t>(8, hi - i));
                    const __m256 v = lanes == 8
                                         ? _mm256_loadu_ps(x + i)
                                         : _mm256_maskload_ps(x + i, avx2::firstLanes(lanes));
                    avx2::activateStore(y + i, v, lanes, act_, true);
                  }
                });
  }

 private:
  std::string name_;
  Activation act_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  return cpu.avx2 && cpu.fma && fp32Layer(s, LayerKind::kACTIVATION, 1) &&
         avx2::hasVectorForm(s.layer->as<ActivationParams>().activation.type);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<ActivationAvx2>(s);
}

}  // namespace

std::vector<KernelCandidate> activationAvx2Candidates() {
  return {{"activation_fp32_avx2", LayerKind::kACTIVATION, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

// TensorRT shuffle: first transpose, reshape (a reinterpretation of the row-major data, so a
// copy), second transpose. Layout: row-major; out-of-place via a temporary when both transpose.
#include <cstring>
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/transpose.h"

namespace int8rt::cpu {

namespace {

bool isPermutation(const std::vector<int>& perm, size_t rank) {
  if (perm.empty()) return true;
  if (perm.size() != rank) return false;
  std::vector<bool> seen(rank, false);
  for (int p : perm) {
    if (p < 0 || p >= static_cast<int>(rank) || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}

class ShuffleRef final : public CpuKernel {
 public:
  explicit ShuffleRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ShuffleParams>()) {
    if (!isPermutation(p_.firstTranspose, s.inputShapes.at(0).size()) ||
        !isPermutation(p_.secondTranspose, s.outputShapes.at(0).size()))
      fail("layer '", name_, "': invalid transpose permutation");
  }

  void run(const RunArgs& args) override {
    const Shape& xs = args.inputs[0].shape;
    const Shape& ys = args.outputs[0].shape;
    const int64_t n = elementCount(xs);
    if (elementCount(ys) != n)
      fail("layer '", name_, "': cannot shuffle ", shapeText(xs), " into ", shapeText(ys));
    // The reshaped shape is the output shape before the second transpose.
    Shape reshaped = ys;
    if (!p_.secondTranspose.empty())
      for (size_t i = 0; i < ys.size(); ++i) reshaped[p_.secondTranspose[i]] = ys[i];

    const float* x = args.inputs[0].f32();
    float* y = args.outputs[0].f32();
    const bool t1 = !p_.firstTranspose.empty(), t2 = !p_.secondTranspose.empty();
    std::vector<float> tmp;
    if (!t1 && !t2) {
      if (x != y) std::memcpy(y, x, sizeof(float) * static_cast<size_t>(n));
    } else if (t1 && !t2) {
      if (x == y) tmp.assign(x, x + n), x = tmp.data();
      transposeCopy(x, xs, p_.firstTranspose, y);
    } else if (!t1 && t2) {
      if (x == y) tmp.assign(x, x + n), x = tmp.data();
      transposeCopy(x, reshaped, p_.secondTranspose, y);
    } else {
      tmp.resize(static_cast<size_t>(n));
      transposeCopy(x, xs, p_.firstTranspose, tmp.data());
      transposeCopy(tmp.data(), reshaped, p_.secondTranspose, y);
    }
  }

 private:
  std::string name_;
  ShuffleParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kSHUFFLE, 1);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<ShuffleRef>(s); }

}  // namespace

std::vector<KernelCandidate> shuffleRefCandidates() {
  return {{"shuffle_ref", LayerKind::kSHUFFLE, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

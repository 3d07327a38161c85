// numpy matmul with optional transposes of the last two dims, 1-D operands and batch broadcast.
// Layout: a [..., M, K] (or [K]), b [..., K, N] (or [K]), row-major; y from the run's shape;
// scalar.
#include <algorithm>
#include <vector>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/broadcast.h"
#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

namespace {

class MatMulRef final : public CpuKernel {
 public:
  explicit MatMulRef(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<MatMulParams>()) {}

  void run(const RunArgs& args) override {
    Shape a = args.inputs[0].shape, b = args.inputs[1].shape;
    if (a.empty() || b.empty()) fail("layer '", name_, "': matmul of a scalar");
    // A vector a becomes a row [1, K], a vector b a column [K, 1] (then transposed like any
    // matrix, as shape inference does); the added dim is dropped from the output.
    const bool aVec = a.size() == 1, bVec = b.size() == 1;
    if (aVec) a.insert(a.begin(), 1);
    if (bVec) b.push_back(1);
    const bool tA = p_.transposeA, tB = p_.transposeB;
    const int64_t aRows = a[a.size() - 2], aCols = a.back();
    const int64_t bRows = b[b.size() - 2], bCols = b.back();
    const int64_t M = tA ? aCols : aRows, K = tA ? aRows : aCols;
    const int64_t K2 = tB ? bCols : bRows, N = tB ? bRows : bCols;
    if (K != K2)
      fail("layer '", name_, "': inner dims differ: ", shapeText(args.inputs[0].shape), " x ",
           shapeText(args.inputs[1].shape));

    // Batch dims broadcast like elementwise operands, over matrices instead of elements.
    Shape batchA(a.begin(), a.end() - 2), batchB(b.begin(), b.end() - 2);
    Shape batch(std::max(batchA.size(), batchB.size()));
    for (size_t i = 0; i < batch.size(); ++i) {
      size_t fromEnd = batch.size() - 1 - i;
      int64_t da = fromEnd < batchA.size() ? batchA[batchA.size() - 1 - fromEnd] : 1;
      int64_t db = fromEnd < batchB.size() ? batchB[batchB.size() - 1 - fromEnd] : 1;
      batch[i] = da == 1 ? db : da;
    }
    auto sa = broadcastStrides(batchA, batch, name_), sb = broadcastStrides(batchB, batch, name_);
    const int64_t nbBatch = elementCount(batch);
    if (elementCount(args.outputs[0].shape) != nbBatch * M * N)
      fail("layer '", name_, "': output ", shapeText(args.outputs[0].shape), " does not hold ",
           nbBatch, "x", M, "x", N);

    const float* A = args.inputs[0].f32();
    const float* B = args.inputs[1].f32();
    float* Y = args.outputs[0].f32();
    for (int64_t bi = 0; bi < nbBatch; ++bi) {
      const float* Am = A + broadcastOffset(bi, batch, sa) * aRows * aCols;
      const float* Bm = B + broadcastOffset(bi, batch, sb) * bRows * bCols;
      float* Ym = Y + bi * M * N;
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          float acc = 0.f;
          for (int64_t k = 0; k < K; ++k) {
            float av = tA ? Am[k * aCols + i] : Am[i * aCols + k];
            float bv = tB ? Bm[j * bCols + k] : Bm[k * bCols + j];
            acc += av * bv;
          }
          Ym[i * N + j] = acc;
        }
    }
  }

 private:
  std::string name_;
  MatMulParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures&) {
  return fp32Layer(s, LayerKind::kMATMUL, 2);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) { return std::make_unique<MatMulRef>(s); }

}  // namespace

std::vector<KernelCandidate> matMulRefCandidates() {
  return {{"matmul_ref", LayerKind::kMATMUL, DataType::kFLOAT, supports, create}};
}

}  // namespace int8rt::cpu

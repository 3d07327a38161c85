// INT8 fully connected with AVX-512 VNNI: rows = output features, columns = samples, the
// packing of fc_int8_gemm.cpp and the VNNI GEMM (gemm_int8_avx512vnni.cpp, exactness argued
// there); the epilogue writes y [N, K] transposed, bit-identical to the reference.
// Layout: x [N, C] int8 (flattened), weights packed once [K/4][C/4][4][4]; samples packed per
// run into the workspace, then threads split the features (or the samples when K is small).
#include <algorithm>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/int8_vnni.h"
#include "backends/cpu/int8/weight_quant.h"

namespace int8rt::cpu {

namespace {

using i8::kMR;
using i8::kNR;

class FullyConnectedInt8Vnni final : public CpuKernel {
 public:
  explicit FullyConnectedInt8Vnni(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<FullyConnectedParams>()) {
    const Shape& x = s.inputShapes.at(0);
    check(x.size() >= 2, "layer '", name_, "': fully connected input ", shapeText(x),
          " has no feature dims");
    maxN_ = x[0];
    c_ = product(x, 1, x.size());
    k_ = p_.nbOutputs;
    check(k_ > 0 && p_.weights.count() == k_ * c_, "layer '", name_,
          "': fully connected weights have ", p_.weights.count(), " values, expected ", k_ * c_);
    QuantizedWeights qw = quantizeWeightsPerChannel(p_.weights.values.data(), k_, c_);
    epi_ = i8::makeEpilogueParams(s, qw.scales, p_.bias, p_.activation, name_);
    kGroups_ = (c_ + 3) / 4;
    packedA_.assign(static_cast<size_t>(i8::packedABytes(k_, kGroups_)), 0);
    i8::packA(qw.values.data(), k_, c_, c_, packedA_.data());
    rowSumW_.resize(static_cast<size_t>(k_));
    i8::packedRowSums(packedA_.data(), k_, kGroups_, rowSumW_.data());
    p_.weights = Weights{};  // kept quantized; the float copy is not needed any more
  }

  size_t workspaceBytes() const override {
    // Packed B, then one flag per block.
    const int64_t blocks = (maxN_ + kNR - 1) / kNR;
    return static_cast<size_t>(i8::packedBBytes(maxN_, kGroups_) + blocks + 64);
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const int64_t n = xs.at(0);
    check(
        n <= maxN_ && product(xs, 1, xs.size()) == c_ && elementCount(a.outputs[0].shape) == n * k_,
        "layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(a.outputs[0].shape),
        " do not match the fully connected layer");
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    auto* packed = static_cast<int8_t*>(a.workspace);
    const int64_t bBlock = kGroups_ * kNR * 4, nBlocks = (n + kNR - 1) / kNR;
    auto* flags = reinterpret_cast<uint8_t*>(packed + nBlocks * bBlock);

    // Samples into B blocks, noting which blocks are free of negative values (no offset).
    parallelFor(a.pool, nBlocks, static_cast<double>(kNR * c_), [&](int64_t b, int64_t e, int) {
      for (int64_t nb = b; nb < e; ++nb) {
        const int64_t rows = std::min<int64_t>(kNR, n - nb * kNR);
        const int8_t* xb = x + nb * kNR * c_;
        i8::packRowsAvx2(xb, rows, c_, c_, kGroups_, packed + nb * bBlock);
        flags[nb] = i8::anyNegativeAvx2(xb, rows * c_) ? 0 : 1;
      }
    });

    const size_t outElem = epi_.outInt8 ? 1 : sizeof(float);
    auto* y = static_cast<char*>(a.outputs[0].data);
    const int64_t mBlocks = (k_ + kMR - 1) / kMR, aBlock = kGroups_ * kMR * 4;
    const int threads = a.pool ? a.pool->size() : 1;
    const double macsPerBlock = static_cast<double>(kGroups_ * 4 * kMR * kNR);
    if (mBlocks >= 2 * threads || nBlocks == 1) {
      // Features split over threads: each thread streams its share of the weights once.
      parallelFor(a.pool, mBlocks, macsPerBlock * nBlocks, [&](int64_t b, int64_t e, int) {
        const int64_t row0 = b * kMR, rows = std::min(k_, e * kMR) - row0;
        i8::Int8Epilogue ep = i8::makeEpilogue(epi_, y + row0 * outElem, 1, k_);
        ep.mult += row0;
        ep.bias += row0;
        i8::gemmInt8Avx512Vnni(operands(b * aBlock, row0, rows, packed, n, flags), ep);
      });
    } else {
      parallelFor(a.pool, nBlocks, macsPerBlock * mBlocks, [&](int64_t b, int64_t e, int) {
        const int64_t col0 = b * kNR, cols = std::min(n, e * kNR) - col0;
        i8::Int8Epilogue ep = i8::makeEpilogue(epi_, y + col0 * k_ * outElem, 1, k_);
        i8::gemmInt8Avx512Vnni(operands(0, 0, k_, packed + b * bBlock, cols, flags + b), ep);
      });
    }
  }

 private:
  i8::VnniGemmOperands operands(int64_t aOffset, int64_t row0, int64_t rows, const int8_t* b,
                                int64_t cols, const uint8_t* flags) const {
    i8::VnniGemmOperands op;
    op.a = packedA_.data() + aOffset;
    op.rowSumW = rowSumW_.data() + row0;
    op.rows = rows;
    op.b = b;
    op.cols = cols;
    op.kGroups = kGroups_;
    op.nonNegBlocks = flags;
    return op;
  }

  std::string name_;
  FullyConnectedParams p_;
  int64_t maxN_ = 0, c_ = 0, k_ = 0, kGroups_ = 0;
  std::vector<int8_t> packedA_;
  std::vector<int32_t> rowSumW_;  // per feature: sum of its quantized weights
  i8::EpilogueParams epi_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!cpu.avx2 || !cpu.fma || !cpu.avx512f || !cpu.avx512bw || !cpu.avx512vnni) return false;
  if (!isKind(s, LayerKind::kFULLY_CONNECTED) || s.inputShapes.size() != 1) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, true)) return false;
  if (s.layer->as<FullyConnectedParams>().fusedSoftmax) return false;  // only the reference
  const Shape& x = s.inputShapes[0];
  return x.size() >= 2 && x[0] > 0 && i8::accumulatorFits(product(x, 1, x.size()) + 3);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<FullyConnectedInt8Vnni>(s);
}

}  // namespace

namespace i8 {

void packedRowSums(const int8_t* packedA, int64_t rows, int64_t kGroups, int32_t* sums) {
  for (int64_t row = 0; row < rows; ++row) {
    const int8_t* blk = packedA + row / kMR * kGroups * kMR * 4 + (row % kMR) * 4;
    int32_t s = 0;
    for (int64_t g = 0; g < kGroups; ++g)
      for (int j = 0; j < 4; ++j) s += blk[g * kMR * 4 + j];
    sums[row] = s;
  }
}

}  // namespace i8

std::vector<KernelCandidate> int8Avx512VnniCandidates() {
  std::vector<KernelCandidate> v = convolutionInt8VnniCandidates();
  for (auto& c : fullyConnectedInt8VnniCandidates()) v.push_back(c);
  return v;
}

std::vector<KernelCandidate> fullyConnectedInt8VnniCandidates() {
  return {{"fully_connected_int8_gemm_8x32_avx512vnni", LayerKind::kFULLY_CONNECTED,
           DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

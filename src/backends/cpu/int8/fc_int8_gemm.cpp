// INT8 fully connected as the exact int8 GEMM (gemm_int8_avx2.cpp): rows = output features,
// columns = samples. Tile 4 features x 16 samples; the epilogue writes y [N, K] transposed.
// Layout: x [N, C] int8 (flattened), weights packed once [K/4][C/4][4][4]; samples packed per
// run into the workspace, then threads split the features (or the samples when K is small).
#include <algorithm>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"

namespace int8rt::cpu {

namespace {

using i8::kMR;
using i8::kNR;

class FullyConnectedInt8Gemm final : public CpuKernel {
 public:
  explicit FullyConnectedInt8Gemm(const KernelSetup& s)
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
    packedA16_.resize(packedA_.size());
    i8::widenInt8Avx2(packedA_.data(), packedA16_.data(), static_cast<int64_t>(packedA_.size()));
    p_.weights = Weights{};  // kept quantized; the float copy is not needed any more
  }

  size_t workspaceBytes() const override {
    // Packed B, its sign-extended copy (S16), then one flag per block.
    const int64_t blocks = (maxN_ + kNR - 1) / kNR;
    return static_cast<size_t>(3 * i8::packedBBytes(maxN_, kGroups_) + blocks + 64);
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
    auto* wide = reinterpret_cast<int16_t*>(packed + nBlocks * bBlock);
    auto* flags = reinterpret_cast<uint8_t*>(wide + nBlocks * bBlock);

    // Samples into B blocks, noting which blocks are free of negative values (U8 scheme).
    parallelFor(a.pool, nBlocks, static_cast<double>(kNR * c_), [&](int64_t b, int64_t e, int) {
      for (int64_t nb = b; nb < e; ++nb) {
        const int64_t rows = std::min<int64_t>(kNR, n - nb * kNR);
        const int8_t* xb = x + nb * kNR * c_;
        i8::packRowsAvx2(xb, rows, c_, c_, kGroups_, packed + nb * bBlock);
        flags[nb] = i8::anyNegativeAvx2(xb, rows * c_) ? 0 : 1;
        if (!flags[nb]) i8::widenInt8Avx2(packed + nb * bBlock, wide + nb * bBlock, bBlock);
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
        i8::gemmInt8Avx2(operands(b * aBlock, rows, packed, wide, n, flags), ep);
      });
    } else {
      parallelFor(a.pool, nBlocks, macsPerBlock * mBlocks, [&](int64_t b, int64_t e, int) {
        const int64_t col0 = b * kNR, cols = std::min(n, e * kNR) - col0;
        i8::Int8Epilogue ep = i8::makeEpilogue(epi_, y + col0 * k_ * outElem, 1, k_);
        i8::gemmInt8Avx2(operands(0, k_, packed + b * bBlock, wide + b * bBlock, cols, flags + b),
                         ep);
      });
    }
  }

 private:
  i8::GemmOperands operands(int64_t aOffset, int64_t rows, const int8_t* b8, const int16_t* b16,
                            int64_t cols, const uint8_t* flags) const {
    i8::GemmOperands op;
    op.a8 = packedA_.data() + aOffset;
    op.a16 = packedA16_.data() + aOffset;
    op.rows = rows;
    op.b8 = b8;
    op.b16 = b16;
    op.cols = cols;
    op.kGroups = kGroups_;
    op.nonNegBlocks = flags;
    return op;
  }

  std::string name_;
  FullyConnectedParams p_;
  int64_t maxN_ = 0, c_ = 0, k_ = 0, kGroups_ = 0;
  std::vector<int8_t> packedA_;
  std::vector<int16_t> packedA16_;  // sign-extended copy for the S16 scheme
  i8::EpilogueParams epi_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!cpu.avx2 || !cpu.fma) return false;
  if (!isKind(s, LayerKind::kFULLY_CONNECTED) || s.inputShapes.size() != 1) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, true)) return false;
  if (s.layer->as<FullyConnectedParams>().fusedSoftmax) return false;  // only the reference
  const Shape& x = s.inputShapes[0];
  return x.size() >= 2 && x[0] > 0 && i8::accumulatorFits(product(x, 1, x.size()) + 3);
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<FullyConnectedInt8Gemm>(s);
}

}  // namespace

std::vector<KernelCandidate> fullyConnectedInt8GemmCandidates() {
  return {{"fully_connected_int8_gemm_4x16_avx2", LayerKind::kFULLY_CONNECTED, DataType::kINT8,
           supports, create}};
}

}  // namespace int8rt::cpu

// Fully connected y = x W^T + bias + fused activation as a register-blocked GEMM.
// Layout: x [N, C] broadcast by row, W packed [panel][C][NV*8]; tile MR rows x NV*8 (6x16, 4x24).
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "backends/cpu/avx2/vec_activation_avx2.h"
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/aligned_buffer.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"

namespace int8rt::cpu {

namespace {

using avx2::EpilogueKind;

// Depth per pass: a panel slice of 1024 x 16 floats (64 KiB) stays in L2 across all row blocks,
// so large layers (VGG fc6: 25088 inputs) read W from memory once, not once per row block.
constexpr int64_t kDepthBlock = 1024;

// Accumulates x[rows, C] * panel[C, NV*8] over one depth block: the first block starts from the
// bias, later ones from the partial sums in y; only the last applies the activation.
template <int MR, int NV, EpilogueKind kEpi>
void fcTile(const float* x, int64_t ldx, const float* panel, int64_t C, float* y, int64_t ldy,
            const float* bias, int validCols, bool first, bool last, const Activation& act,
            bool vectorAct) {
  const float* xr[MR];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m) xr[m] = x + m * ldx;
  __m256 acc[MR][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m256 b = _mm256_load_ps(bias + v * 8);
    const __m256i lanes = avx2::firstLanes(std::max(0, std::min(8, validCols - v * 8)));
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m)
      acc[m][v] = first ? b : _mm256_maskload_ps(y + m * ldy + v * 8, lanes);
  }
#pragma GCC unroll 4
  for (int64_t c = 0; c < C; ++c) {
    __m256 w[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) w[v] = _mm256_load_ps(panel + c * NV * 8 + v * 8);
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const __m256 xm = _mm256_broadcast_ss(xr[m] + c);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_fmadd_ps(xm, w[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const int n = std::min(8, validCols - v * 8);
      if (n <= 0) continue;
      if (last)
        avx2::epilogueStore<kEpi>(y + m * ldy + v * 8, acc[m][v], n, act, vectorAct);
      else
        avx2::storeLanes(y + m * ldy + v * 8, acc[m][v], n);
    }
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, const float*,
                        int, bool, bool, const Activation&, bool);

// The tile for (epilogue, rows, nv): Tiles<epilogue, nv>::kRows[rows - 1].
template <EpilogueKind E, int NV>
struct Tiles {
  static constexpr TileFn kRows[6] = {&fcTile<1, NV, E>, &fcTile<2, NV, E>, &fcTile<3, NV, E>,
                                      &fcTile<4, NV, E>, &fcTile<5, NV, E>, &fcTile<6, NV, E>};
};

template <EpilogueKind E>
TileFn tileFor(int rows, int nv) {
  return nv == 3   ? Tiles<E, 3>::kRows[rows - 1]
         : nv == 2 ? Tiles<E, 2>::kRows[rows - 1]
                   : Tiles<E, 1>::kRows[rows - 1];
}

class FullyConnectedGemm final : public CpuKernel {
 public:
  FullyConnectedGemm(const KernelSetup& s, int mr, int nv)
      : name_(s.layer->name), mr_(mr), nv_(nv) {
    const auto& p = s.layer->as<FullyConnectedParams>();
    const Shape& xs = s.inputShapes.at(0);
    K_ = p.nbOutputs;
    C_ = xs.empty() || xs[0] == 0 ? 0 : elementCount(xs) / xs[0];
    if (p.weights.count() != K_ * C_)
      fail("layer '", name_, "': weights have ", p.weights.count(), " values, expected ", K_, "x",
           C_);
    if (!p.bias.empty() && p.bias.count() != K_)
      fail("layer '", name_, "': bias has ", p.bias.count(), " values, expected ", K_);
    act_ = p.activation;
    vectorAct_ = avx2::hasVectorForm(act_.type);
    epilogue_ = avx2::epilogueKind(act_);
    const int64_t width = nv_ * 8;
    panels_ = (K_ + width - 1) / width;
    packed_ = AlignedFloats(static_cast<size_t>(panels_ * C_ * width));
    bias_ = AlignedFloats(static_cast<size_t>(panels_ * width));
    for (int64_t pn = 0; pn < panels_; ++pn)
      for (int64_t j = 0; j < width && pn * width + j < K_; ++j) {
        const int64_t k = pn * width + j;
        for (int64_t c = 0; c < C_; ++c)
          packed_[(pn * C_ + c) * width + j] = p.weights.values[k * C_ + c];
        bias_[k] = p.bias.empty() ? 0.f : p.bias.values[k];
      }
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const int64_t N = xs.at(0);
    if ((N ? elementCount(xs) / N : 0) != C_ || elementCount(a.outputs[0].shape) != N * K_)
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(a.outputs[0].shape),
           " do not match ", K_, " outputs of ", C_, " features");
    if (N == 0 || K_ == 0) return;
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    const int64_t width = nv_ * 8;
    const int64_t rowBlocks = (N + mr_ - 1) / mr_;
    // Threads split the weight panels (each thread streams only its share of W); with fewer
    // panels than threads they split row blocks too.
    const int threads = a.pool ? a.pool->size() : 1;
    const int64_t rowSplit = panels_ >= 2 * threads ? 1 : std::min<int64_t>(rowBlocks, threads);
    const int64_t rowsPerSplit = (rowBlocks + rowSplit - 1) / rowSplit * mr_;
    const double flops = 2.0 * C_ * width * rowsPerSplit;
    parallelFor(a.pool, panels_ * rowSplit, flops, [&](int64_t begin, int64_t end, int) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t pn = t / rowSplit, rs = t % rowSplit;
        const int64_t rowEnd = std::min(N, (rs + 1) * rowsPerSplit);
        const float* panel = packed_.data() + pn * C_ * width;
        const int validCols = static_cast<int>(std::min(width, K_ - pn * width));
        for (int64_t k0 = 0; k0 < C_ || k0 == 0; k0 += kDepthBlock) {
          const int64_t kc = std::min(kDepthBlock, C_ - k0);
          const bool first = k0 == 0, last = k0 + kDepthBlock >= C_;
          for (int64_t r = rs * rowsPerSplit; r < rowEnd; r += mr_) {
            const int rows = static_cast<int>(std::min<int64_t>(mr_, rowEnd - r));
            tile(rows)(x + r * C_ + k0, C_, panel + k0 * width, kc, y + r * K_ + pn * width, K_,
                       bias_.data() + pn * width, validCols, first, last, act_, vectorAct_);
          }
        }
      }
    });
  }

 private:
  TileFn tile(int rows) const {
    switch (epilogue_) {
      case EpilogueKind::kNone:
        return tileFor<EpilogueKind::kNone>(rows, nv_);
      case EpilogueKind::kRelu:
        return tileFor<EpilogueKind::kRelu>(rows, nv_);
      default:
        return tileFor<EpilogueKind::kGeneric>(rows, nv_);
    }
  }

  std::string name_;
  int mr_, nv_;
  int64_t K_ = 0, C_ = 0, panels_ = 0;
  Activation act_;
  bool vectorAct_ = true;
  EpilogueKind epilogue_ = EpilogueKind::kNone;
  AlignedFloats packed_;
  AlignedFloats bias_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  return cpu.avx2 && cpu.fma && fp32Layer(s, LayerKind::kFULLY_CONNECTED, 1) &&
         !s.inputShapes[0].empty() &&
         !s.layer->as<FullyConnectedParams>().fusedSoftmax;  // only the reference fuses it
}

std::unique_ptr<CpuKernel> create6x16(const KernelSetup& s) {
  return std::make_unique<FullyConnectedGemm>(s, 6, 2);
}
std::unique_ptr<CpuKernel> create4x24(const KernelSetup& s) {
  return std::make_unique<FullyConnectedGemm>(s, 4, 3);
}

}  // namespace

std::vector<KernelCandidate> fullyConnectedAvx2Candidates() {
  return {
      {"fc_fp32_gemm_6x16_avx2", LayerKind::kFULLY_CONNECTED, DataType::kFLOAT, supports,
       create6x16},
      {"fc_fp32_gemm_4x24_avx2", LayerKind::kFULLY_CONNECTED, DataType::kFLOAT, supports,
       create4x24},
  };
}

}  // namespace int8rt::cpu

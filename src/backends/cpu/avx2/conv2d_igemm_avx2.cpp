// 2-D convolution + bias + activation (stride, dilation, pads, groups) as an implicit GEMM.
// Layout: NCHW (padded image copy), weights [block][depth][MR]; tile MR ch x NV*8 px (6x16, 4x24).
#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "backends/cpu/avx2/vec_activation_avx2.h"
#include "backends/cpu/candidates.h"
#include "backends/cpu/common/aligned_buffer.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/common/scratch.h"
#include "backends/cpu/common/spatial_geometry.h"

namespace int8rt::cpu {

namespace {

using avx2::EpilogueKind;

// Eight consecutive output pixels of one row: where they read the padded image, where they go
// in the output plane, and how many of the eight exist (the row's last vector may be partial).
struct PixelVector {
  int32_t in;
  int32_t out;
  int32_t valid;
};

// MR consecutive output channels of one group, with their packed weights at wOffset.
struct ChannelBlock {
  int32_t group;
  int32_t k0;
  int32_t mr;
  int64_t wOffset;
};

// Geometry fixed at create(). The padded copy splits each row into `sw` phases (columns
// j*sw + q for phase q), so that eight horizontally adjacent outputs read eight adjacent floats
// for any stride: [C][Hp][sw][Wq] with Wq = ceil(Wp / sw).
struct Geometry {
  int64_t C, H, W, K, OH, OW, G, Cg, Kg;
  int64_t kh, kw, sh, sw, dh, dw, pt, pl;
  int64_t Hp, Wq, rowStride, planeStride, imageFloats, depth;
};

template <int MR, int NV, EpilogueKind kEpi>
void convTile(const float* base, const PixelVector* pv, const int32_t* off, const float* w,
              int64_t depth, float* out, int64_t outStride, const float* bias,
              const Activation& act, bool vectorAct) {
  const float* in[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) in[v] = base + pv[v].in;
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m) {
    const __m256 b = bias ? _mm256_set1_ps(bias[m]) : _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[m][v] = b;
  }
#pragma GCC unroll 2
  for (int64_t r = 0; r < depth; ++r) {
    const int32_t o = off[r];
    __m256 x[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) x[v] = _mm256_loadu_ps(in[v] + o);
    const float* wr = w + r * MR;
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const __m256 wm = _mm256_broadcast_ss(wr + m);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[m][v] = _mm256_fmadd_ps(wm, x[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      avx2::epilogueStore<kEpi>(out + m * outStride + pv[v].out, acc[m][v], pv[v].valid, act,
                                vectorAct);
}

using TileFn = void (*)(const float*, const PixelVector*, const int32_t*, const float*, int64_t,
                        float*, int64_t, const float*, const Activation&, bool);

constexpr int kMaxMR = 6, kMaxNV = 3;

// The tile for (epilogue, mr, nv): TileTable<epilogue>::kFns[mr - 1][nv - 1].
template <EpilogueKind E>
struct TileTable {
  static constexpr TileFn kFns[kMaxMR][kMaxNV] = {
      {&convTile<1, 1, E>, &convTile<1, 2, E>, &convTile<1, 3, E>},
      {&convTile<2, 1, E>, &convTile<2, 2, E>, &convTile<2, 3, E>},
      {&convTile<3, 1, E>, &convTile<3, 2, E>, &convTile<3, 3, E>},
      {&convTile<4, 1, E>, &convTile<4, 2, E>, &convTile<4, 3, E>},
      {&convTile<5, 1, E>, &convTile<5, 2, E>, &convTile<5, 3, E>},
      {&convTile<6, 1, E>, &convTile<6, 2, E>, &convTile<6, 3, E>},
  };
};

TileFn tileFor(EpilogueKind e, int mr, int nv) {
  switch (e) {
    case EpilogueKind::kNone:
      return TileTable<EpilogueKind::kNone>::kFns[mr - 1][nv - 1];
    case EpilogueKind::kRelu:
      return TileTable<EpilogueKind::kRelu>::kFns[mr - 1][nv - 1];
    default:
      return TileTable<EpilogueKind::kGeneric>::kFns[mr - 1][nv - 1];
  }
}

class Conv2dIgemm final : public CpuKernel {
 public:
  Conv2dIgemm(const KernelSetup& s, int maxMR, int nv) : name_(s.layer->name), nv_(nv) {
    const auto& p = s.layer->as<ConvolutionParams>();
    const Shape& x = s.inputShapes.at(0);
    const Shape& y = s.outputShapes.at(0);
    SpatialGeometry sg =
        makeGeometry(2, p.kernel, p.stride, p.padBegin, p.padEnd, p.dilation, name_);
    Geometry& g = g_;
    g.C = x[1], g.H = x[2], g.W = x[3];
    g.K = p.nbOutputMaps, g.OH = y[2], g.OW = y[3], g.G = p.groups;
    if (g.G < 1 || g.C % g.G || g.K % g.G || y[1] != g.K)
      fail("layer '", name_, "': ", g.C, " channels and ", g.K, " outputs do not split into ", g.G,
           " groups");
    g.Cg = g.C / g.G, g.Kg = g.K / g.G;
    g.kh = sg.kernel[0], g.kw = sg.kernel[1], g.sh = sg.stride[0], g.sw = sg.stride[1];
    g.dh = sg.dilation[0], g.dw = sg.dilation[1], g.pt = sg.padBegin[0], g.pl = sg.padBegin[1];
    if (g.pt < 0 || g.pl < 0 || sg.padEnd[0] < 0 || sg.padEnd[1] < 0)
      fail("layer '", name_, "': negative convolution padding");
    g.Hp = g.H + g.pt + sg.padEnd[0];
    const int64_t Wp = g.W + g.pl + sg.padEnd[1];
    g.Wq = (Wp + g.sw - 1) / g.sw;
    g.rowStride = g.sw * g.Wq;
    g.planeStride = g.Hp * g.rowStride;
    g.imageFloats = g.C * g.planeStride;
    g.depth = g.Cg * g.kh * g.kw;
    if (p.weights.count() != g.K * g.depth)
      fail("layer '", name_, "': convolution weights have ", p.weights.count(),
           " values, expected ", g.K * g.depth);
    if (!p.bias.empty() && p.bias.count() != g.K)
      fail("layer '", name_, "': bias has ", p.bias.count(), " values, expected ", g.K);
    act_ = p.activation;
    vectorAct_ = avx2::hasVectorForm(act_.type);
    epilogue_ = avx2::epilogueKind(act_);
    if (!p.bias.empty()) bias_ = p.bias.values;

    // Offsets of the depth steps (c, i, j) relative to the group's first channel.
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j)
          off_.push_back(static_cast<int32_t>(c * g.planeStride + i * g.dh * g.rowStride +
                                              ((j * g.dw) % g.sw) * g.Wq + (j * g.dw) / g.sw));

    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ow += 8)
        vectors_.push_back({static_cast<int32_t>(oh * g.sh * g.rowStride + ow),
                            static_cast<int32_t>(oh * g.OW + ow),
                            static_cast<int32_t>(std::min<int64_t>(8, g.OW - ow))});

    // Pixel panels: whole output rows whose input rows (all channels) fit in about 256 KiB, so
    // they stay in L2 while every channel block passes over them. Small images are one panel.
    const int64_t vectorsPerRow = (g.OW + 7) / 8;
    const int64_t rowBytes = g.C * g.rowStride * static_cast<int64_t>(sizeof(float));
    const int64_t inputRowsFit = std::max<int64_t>(1, (256 << 10) / std::max<int64_t>(1, rowBytes));
    const int64_t panelRows =
        std::max<int64_t>(1, (inputRowsFit - (g.kh - 1) * g.dh - 1) / g.sh + 1);
    panelVectors_ = std::max<int64_t>(1, std::min(panelRows, g.OH) * vectorsPerRow);
    nbPanels_ = std::max<int64_t>(
        1, (static_cast<int64_t>(vectors_.size()) + panelVectors_ - 1) / panelVectors_);

    // Channel blocks of near-equal size (50 channels with MR 6 -> 6,6,6,6,6,5,5,5,5).
    const int64_t perGroup = (g.Kg + maxMR - 1) / maxMR;
    int64_t wOffset = 0;
    for (int64_t grp = 0; grp < g.G; ++grp) {
      int64_t k = 0;
      for (int64_t b = 0; b < perGroup; ++b) {
        const int64_t mr = g.Kg / perGroup + (b < g.Kg % perGroup ? 1 : 0);
        blocks_.push_back({static_cast<int32_t>(grp), static_cast<int32_t>(grp * g.Kg + k),
                           static_cast<int32_t>(mr), wOffset});
        k += mr;
        wOffset += mr * g.depth;
      }
    }
    packed_ = AlignedFloats(static_cast<size_t>(wOffset));
    for (const ChannelBlock& b : blocks_)
      for (int64_t r = 0; r < g.depth; ++r)
        for (int64_t m = 0; m < b.mr; ++m)
          packed_[b.wOffset + r * b.mr + m] = p.weights.values[(b.k0 + m) * g.depth + r];
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    const Geometry& g = g_;
    if (xs.size() != 4 || ys.size() != 4 || xs[1] != g.C || xs[2] != g.H || xs[3] != g.W ||
        ys[0] != xs[0] || ys[1] != g.K || ys[2] != g.OH || ys[3] != g.OW)
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
           " differ from the setup's");
    const int64_t N = xs[0];
    const int64_t nbBlocks = static_cast<int64_t>(blocks_.size());
    const int64_t perImage = nbPanels_ * nbBlocks;
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    const double flopsPerTask = 2.0 * g.depth * g.K / static_cast<double>(nbBlocks) * 8.0 *
                                static_cast<double>(panelVectors_);
    // Tasks are (image, pixel panel, channel block), the block varying fastest: a thread's chunk
    // is contiguous, so it pads each image once and reuses a panel's input rows across blocks.
    parallelFor(a.pool, N * perImage, flopsPerTask, [&](int64_t begin, int64_t end, int) {
      float* padded = threadScratch(static_cast<size_t>(g.imageFloats));
      int64_t copied = -1;
      for (int64_t t = begin; t < end; ++t) {
        const int64_t n = t / perImage, panel = t % perImage / nbBlocks;
        if (n != copied) {
          padImage(x + n * g.C * g.H * g.W, padded);
          copied = n;
        }
        runBlock(blocks_[t % nbBlocks], padded, y + n * g.K * g.OH * g.OW, panel * panelVectors_);
      }
    });
  }

 private:
  void padImage(const float* x, float* dst) const {
    const Geometry& g = g_;
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t hp = 0; hp < g.Hp; ++hp) {
        float* d = dst + c * g.planeStride + hp * g.rowStride;
        const int64_t h = hp - g.pt;
        if (h < 0 || h >= g.H) {
          std::memset(d, 0, sizeof(float) * g.rowStride);
          continue;
        }
        const float* s = x + (c * g.H + h) * g.W;
        if (g.sw == 1) {
          std::memset(d, 0, sizeof(float) * g.pl);
          std::memcpy(d + g.pl, s, sizeof(float) * g.W);
          std::memset(d + g.pl + g.W, 0, sizeof(float) * (g.rowStride - g.pl - g.W));
          continue;
        }
        for (int64_t q = 0; q < g.sw; ++q)
          for (int64_t j = 0; j < g.Wq; ++j) {
            const int64_t col = j * g.sw + q - g.pl;
            d[q * g.Wq + j] = col >= 0 && col < g.W ? s[col] : 0.f;
          }
      }
    // Lanes past a row's last output read a few floats beyond the image: keep them finite.
    std::memset(dst + g.imageFloats, 0, sizeof(float) * 16);
  }

  // One channel block over the pixel vectors [first, first + panelVectors_).
  void runBlock(const ChannelBlock& b, const float* padded, float* yImage, int64_t first) const {
    const Geometry& g = g_;
    const float* base = padded + b.group * g.Cg * g.planeStride;
    const float* w = packed_.data() + b.wOffset;
    const float* bias = bias_.empty() ? nullptr : bias_.data() + b.k0;
    float* out = yImage + b.k0 * g.OH * g.OW;
    const TileFn full = tileFor(epilogue_, b.mr, nv_);
    const int64_t end = std::min<int64_t>(first + panelVectors_, vectors_.size());
    for (int64_t v = first; v < end; v += nv_) {
      const int nv = static_cast<int>(std::min<int64_t>(nv_, end - v));
      (nv == nv_ ? full : tileFor(epilogue_, b.mr, nv))(base, vectors_.data() + v, off_.data(), w,
                                                        g.depth, out, g.OH * g.OW, bias, act_,
                                                        vectorAct_);
    }
  }

  std::string name_;
  int nv_;
  Geometry g_{};
  Activation act_;
  bool vectorAct_ = true;
  EpilogueKind epilogue_ = EpilogueKind::kNone;
  std::vector<float> bias_;
  std::vector<int32_t> off_;
  std::vector<PixelVector> vectors_;
  int64_t panelVectors_ = 0;  // pixel vectors per panel (whole output rows)
  int64_t nbPanels_ = 1;
  std::vector<ChannelBlock> blocks_;
  AlignedFloats packed_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!cpu.avx2 || !cpu.fma || !fp32Layer(s, LayerKind::kCONVOLUTION, 1)) return false;
  const Shape& x = s.inputShapes[0];
  const auto& p = s.layer->as<ConvolutionParams>();
  if (x.size() != 4 || p.kernel.size() != 2 || s.outputShapes[0].size() != 4) return false;
  if (!p.fusedMaxPool.empty()) return false;  // only the reference pools
  for (const Shape* v : {&p.padBegin, &p.padEnd})
    for (int64_t d : *v)
      if (d < 0) return false;
  // Offsets into the padded image are 32-bit.
  const int64_t sw = dimOr(p.stride, 1, 1);
  const int64_t wp = x[3] + dimOr(p.padBegin, 1, 0) + dimOr(p.padEnd, 1, 0);
  const int64_t hp = x[2] + dimOr(p.padBegin, 0, 0) + dimOr(p.padEnd, 0, 0);
  return x[1] * hp * ((wp + sw - 1) / sw) * sw < INT32_MAX / 2;
}

std::unique_ptr<CpuKernel> create6x16(const KernelSetup& s) {
  return std::make_unique<Conv2dIgemm>(s, 6, 2);
}
std::unique_ptr<CpuKernel> create4x24(const KernelSetup& s) {
  return std::make_unique<Conv2dIgemm>(s, 4, 3);
}

}  // namespace

std::vector<KernelCandidate> conv2dAvx2Candidates() {
  return {
      {"conv2d_fp32_igemm_6x16_avx2", LayerKind::kCONVOLUTION, DataType::kFLOAT, supports,
       create6x16},
      // Wide rows and few channels (LeNet conv1: 1 channel in, 24-pixel rows): a full row per tile.
      {"conv2d_fp32_igemm_4x24_avx2", LayerKind::kCONVOLUTION, DataType::kFLOAT, supports,
       create4x24},
  };
}

}  // namespace int8rt::cpu

// Host-side planning of the patch-staged INT8 convolution: see conv_patch_setup.h.
#include "backends/cuda/conv/conv_patch_setup.h"

#include <algorithm>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/conv/conv_setup.h"

namespace int8rt::cuda::conv {

namespace {

int roundUpInt(int v, int m) { return (v + m - 1) / m * m; }

// MI of the kernel instance: the smallest power of two with 16 * MI >= kg.
int mRowsFor(int kg) {
  int mi = 1;
  while (16 * mi < kg) mi *= 2;
  return 16 * mi;
}

}  // namespace

std::string patchConfigName(const PatchVariant& v) {
  return "rows" + std::to_string(v.rows) + (v.split ? "split" : "") + (v.warps == 8 ? ",w8" : "") +
         (v.hwc ? ",hwc" : "");
}

bool patchHwcSupported(const KernelSetup& s) {
  const auto& p = s.layer->as<ConvolutionParams>();
  return s.inputTypes[0] == DataType::kINT8 && s.inputShapes[0][1] / p.groups > 1;
}

PatchGeometry makePatchGeometry(const KernelSetup& s, int rows, bool split) {
  return makePatchGeometry(s, PatchVariant{rows, split, 4, false});
}

PatchGeometry makePatchGeometry(const KernelSetup& s, const PatchVariant& v) {
  const int rows = v.rows;
  const bool split = v.split;
  check(supportedConv2d(s, /*allowFusedPool=*/true), "layer '", s.layer->name,
        "': not a 2-D convolution the CUDA kernels support");
  const auto& p = s.layer->as<ConvolutionParams>();
  const Shape& x = s.inputShapes[0];
  PatchGeometry g;
  g.c = static_cast<int>(x[1]);
  g.h = static_cast<int>(x[2]);
  g.w = static_cast<int>(x[3]);
  g.k = static_cast<int>(p.nbOutputMaps);
  g.groups = static_cast<int>(p.groups);
  g.cg = g.c / g.groups;
  g.kg = g.k / g.groups;
  int64_t oh = 0, ow = 0;
  convOutputPlane(s, oh, ow);
  g.oh = static_cast<int>(oh);
  g.ow = static_cast<int>(ow);
  if (!p.fusedMaxPool.empty()) {
    g.poolH = static_cast<int>(p.fusedMaxPool[0]);
    g.poolW = static_cast<int>(p.fusedMaxPool[1]);
  }
  g.ph = g.oh / g.poolH;
  g.pw = g.ow / g.poolW;
  g.strideH = static_cast<int>(cpu::dimOr(p.stride, 0, 1));
  g.strideW = static_cast<int>(cpu::dimOr(p.stride, 1, 1));
  g.padH = static_cast<int>(cpu::dimOr(p.padBegin, 0, 0));
  g.padW = static_cast<int>(cpu::dimOr(p.padBegin, 1, 0));
  const int dh = static_cast<int>(cpu::dimOr(p.dilation, 0, 1));
  const int dw = static_cast<int>(cpu::dimOr(p.dilation, 1, 1));
  const int r = static_cast<int>(p.kernel[0]), sz = static_cast<int>(p.kernel[1]);
  g.warps = v.warps;
  g.hwc = v.hwc;
  g.cgPad = v.hwc ? roundUpInt(g.cg, 4) : 1;
  g.reductionPadded = roundUpInt((v.hwc ? g.cgPad : g.cg) * r * sz, 32);
  g.mRows = mRowsFor(g.kg);
  g.usedRows = g.ph * g.poolH;
  check(rows >= g.poolH && rows % g.poolH == 0, "internal error: band of ", rows, " rows");
  g.rows = std::min(rows, g.usedRows);
  g.bandsPerImage = (g.usedRows + g.rows - 1) / g.rows;
  g.patchH = (g.rows - 1) * g.strideH + (r - 1) * dh + 1;
  g.patchW = (g.ow - 1) * g.strideW + (sz - 1) * dw + 1;
  g.patchBytes = roundUpInt((v.hwc ? g.cgPad : g.cg) * g.patchH * g.patchW, 16);
  // >= rows * ow + 1 floats and 8 mod 32: the epilogue's float2 stores (8 rows x 4 pairs per
  // warp) then hit distinct banks.
  g.outStride = g.rows * g.ow + 1;
  g.outStride += ((8 - g.outStride % 32) + 32) % 32;
  g.wordCopy = !v.hwc && g.padW == 0 && g.patchW == g.w && g.w % 4 == 0;
  g.floatIn = s.inputTypes[0] == DataType::kFLOAT;
  g.rawBytes = !g.wordCopy ? 0 : g.floatIn ? 4 * g.patchBytes : g.patchBytes;
  // The kernel's warp chunks of a full band (its mirror: NI column blocks of 8 per chunk; with
  // a 2x2 pool taken in registers, 2 NI windows per chunk).
  const int mi = g.mRows / 16, ni = mi >= 8 ? 1 : 8 / mi, warps = g.warps;
  const ConvActivation act = makeConvActivation(p.activation);
  g.activateBeforePool = g.poolH * g.poolW > 1 && !(act.linear && act.slope >= 0.f);
  const bool regPool = ni >= 2 && g.poolH == 2 && g.poolW == 2 && !g.activateBeforePool;
  const int chunks = regPool ? ((g.rows / 2) * g.pw + 2 * ni - 1) / (2 * ni)
                             : (g.rows * g.ow + 8 * ni - 1) / (8 * ni);
  if (split && chunks < warps) {
    g.splitChunks = chunks;
    g.kParts = std::min(warps / chunks, g.reductionPadded / 32);
  }
  const int64_t redBytes =
      g.kParts > 1 ? int64_t(4) * (g.kParts - 1) * g.splitChunks * mi * ni * 4 * 32 : 0;
  // [weights][taps][raw 0][raw 1][patch unless int8 words][band outputs][window origins]
  // [split partial sums]
  const int64_t smem = int64_t(g.mRows) * (g.reductionPadded + 16) + 2 * g.reductionPadded +
                       2 * int64_t(g.rawBytes) + (g.wordCopy && !g.floatIn ? 0 : g.patchBytes) +
                       4 * int64_t(g.kg) * g.outStride + 4 * int64_t(g.rows / g.poolH) * g.pw + redBytes;
  g.smemBytes = smem > (1 << 30) ? (1 << 30) : static_cast<int>(smem);
  return g;
}

bool patchShapeSupported(const KernelSetup& s) {
  if (!supportedConv2d(s, /*allowFusedPool=*/true)) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  if (p.nbOutputMaps / p.groups > kPatchMaxRows) return false;
  return !patchBandChoices(s).empty();
}

std::vector<int> patchBandChoices(const KernelSetup& s) {
  const auto& p = s.layer->as<ConvolutionParams>();
  const int poolH = p.fusedMaxPool.empty() ? 1 : static_cast<int>(p.fusedMaxPool[0]);
  const PatchGeometry whole = makePatchGeometry(s, poolH);
  std::vector<int> out;
  for (int rows = poolH;; rows *= 2) {
    const PatchGeometry g = makePatchGeometry(s, rows);
    // Tap offsets are 16-bit; the patch (plus a column's reach) stays below 2^16.
    if (g.smemBytes > kPatchSmemLimit || g.patchBytes >= 65536) break;
    out.push_back(g.rows);
    if (g.rows >= whole.usedRows) break;
  }
  // The whole image as one band when the doubling stopped short of it but it fits.
  if (!out.empty() && out.back() < whole.usedRows) {
    const PatchGeometry g = makePatchGeometry(s, whole.usedRows);
    if (g.smemBytes <= kPatchSmemLimit && g.patchBytes < 65536) out.push_back(g.rows);
  }
  return out;
}

std::vector<PatchVariant> patchVariants(const KernelSetup& s) {
  std::vector<PatchVariant> out;
  const bool hwcOk = patchHwcSupported(s);
  for (int rows : patchBandChoices(s))
    for (bool hwc : {false, true})
      for (int warps : {4, 8})
        for (bool split : {false, true}) {
          if (hwc && !hwcOk) continue;
          const PatchVariant v{rows, split, warps, hwc};
          const PatchGeometry g = makePatchGeometry(s, v);
          // The hwc patch is larger (channels padded to 4): it must fit on its own.
          if (g.smemBytes > kPatchSmemLimit || g.patchBytes >= 65536) continue;
          if (split && g.kParts <= 1) continue;
          out.push_back(v);
        }
  return out;
}

std::vector<std::string> patchConfigs(const KernelSetup& s) {
  std::vector<std::string> out;
  for (const PatchVariant& v : patchVariants(s)) out.push_back(patchConfigName(v));
  return out;
}

std::vector<uint16_t> makePatchTaps(const PatchGeometry& g, const ConvolutionParams& p) {
  const int r = static_cast<int>(p.kernel[0]), sz = static_cast<int>(p.kernel[1]);
  const int dh = static_cast<int>(cpu::dimOr(p.dilation, 0, 1));
  const int dw = static_cast<int>(cpu::dimOr(p.dilation, 1, 1));
  const int reduction = (g.hwc ? g.cgPad : g.cg) * r * sz;
  std::vector<uint16_t> taps(static_cast<size_t>(g.reductionPadded), 0);  // 32 per k tile
  for (int kt = 0; kt < g.reductionPadded / 32; ++kt)
    for (int tig = 0; tig < 4; ++tig)
      for (int j = 0; j < 8; ++j) {
        const int idx = kt * 32 + (j < 4 ? 4 * tig + j : 16 + 4 * tig + (j - 4));
        int off = 0;
        if (idx < reduction && g.hwc) {
          const int tap = idx / g.cgPad, c = idx % g.cgPad, kr = tap / sz, ks = tap % sz;
          off = (kr * dh * g.patchW + ks * dw) * g.cgPad + c;
        } else if (idx < reduction) {
          const int c = idx / (r * sz), kr = idx / sz % r, ks = idx % sz;
          off = c * g.patchH * g.patchW + kr * dh * g.patchW + ks * dw;
        }
        taps[static_cast<size_t>((kt * 4 + tig) * 8 + j)] = static_cast<uint16_t>(off);
      }
  return taps;
}

std::vector<int8_t> packPatchWeights(const PatchGeometry& g, const ConvolutionParams& p,
                                     const std::vector<int8_t>& quantized) {
  const int r = static_cast<int>(p.kernel[0]), sz = static_cast<int>(p.kernel[1]);
  const int reduction = g.cg * r * sz;  // per output channel in `quantized`
  std::vector<int8_t> packed(static_cast<size_t>(g.groups) * g.mRows * g.reductionPadded, 0);
  for (int grp = 0; grp < g.groups; ++grp)
    for (int m = 0; m < g.kg; ++m) {
      const int8_t* src = &quantized[static_cast<size_t>(grp * g.kg + m) * reduction];
      int8_t* dst = &packed[(static_cast<size_t>(grp) * g.mRows + m) * g.reductionPadded];
      if (!g.hwc) {
        std::copy(src, src + reduction, dst);
        continue;
      }
      for (int c = 0; c < g.cg; ++c)
        for (int t = 0; t < r * sz; ++t) dst[t * g.cgPad + c] = src[c * r * sz + t];
    }
  return packed;
}

int defaultPatchRows(const KernelSetup& s, const std::vector<int>& choices) {
  check(!choices.empty(), "internal error: no band fits");
  const int64_t batch = s.inputShapes[0][0];
  const auto& p = s.layer->as<ConvolutionParams>();
  int best = choices.front();
  for (int rows : choices) {
    const PatchGeometry g = makePatchGeometry(s, rows);
    if (batch * g.bandsPerImage * p.groups >= 2 * 132) best = rows;
  }
  return best;
}

}  // namespace int8rt::cuda::conv

// INT8 2-D convolution as im2col fused with packing + an exact int8 GEMM given as a policy
// (Avx2ConvGemm in conv_int8_gemm.cpp, VnniConvGemm in conv_int8_vnni.cpp): bias / activation /
// requantization fused in the GEMM's epilogue, bit-identical to the reference.
// Layout: x [N, C, H, W] int8 (1-D: [N, C, W]), y [N, K, OH, OW]; per work item one image and
// a range of 16-pixel column blocks, threads over items; scratch is per thread.
//
// A Gemm policy provides kName, prepare(packedA, groups, rowsPerGroup, kGroups, bytesPerGroup)
// (called once with the packed weights of every group) and run(packedA, groupByteOffset,
// groupFirstRow, rows, packedB, cols, kGroups, nonNegBlocks, allNonNegative, packedBBytes,
// epilogue) for one group of one work item.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/common/scratch.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"

namespace int8rt::cpu::i8 {

// Packed B of one work item stays below this, so that it lives in L2 while the GEMM reads it
// once per panel of weights.
constexpr int64_t kConvMaxPackedBytes = 512 * 1024;

template <class Gemm>
class ConvolutionInt8Im2col final : public CpuKernel {
 public:
  explicit ConvolutionInt8Im2col(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<ConvolutionParams>()) {
    const Shape& x = s.inputShapes.at(0);
    const Shape& y = s.outputShapes.at(0);
    const int S = static_cast<int>(x.size()) - 2;
    check(S == 1 || S == 2, "layer '", name_, "': the ", Gemm::kName, " convolution is 1-D or 2-D");
    SpatialGeometry geo =
        makeGeometry(S, p_.kernel, p_.stride, p_.padBegin, p_.padEnd, p_.dilation, name_);
    // 1-D runs as 2-D with a height of 1.
    auto dim = [&](const Shape& v, int d2) { return S == 2 ? v[d2] : (d2 == 0 ? 1 : v[0]); };
    c_ = x[1];
    h_ = S == 2 ? x[2] : 1;
    w_ = x.back();
    k_ = p_.nbOutputMaps;
    oh_ = S == 2 ? y[2] : 1;
    ow_ = y.back();
    kh_ = dim(geo.kernel, 0), kw_ = dim(geo.kernel, 1);
    sh_ = dim(geo.stride, 0), sw_ = dim(geo.stride, 1);
    dh_ = dim(geo.dilation, 0), dw_ = dim(geo.dilation, 1);
    ph_ = S == 2 ? geo.padBegin[0] : 0, pw_ = geo.padBegin.back();
    hp_ = h_ + ph_ + (S == 2 ? geo.padEnd[0] : 0);
    wp_ = w_ + pw_ + geo.padEnd.back();
    groups_ = p_.groups;
    check(groups_ >= 1 && c_ % groups_ == 0 && k_ % groups_ == 0, "layer '", name_, "': ", c_,
          " channels and ", k_, " outputs do not split into ", groups_, " groups");
    cg_ = c_ / groups_;
    kg_ = k_ / groups_;
    check(y[1] == k_ && (oh_ - 1) * sh_ + (kh_ - 1) * dh_ < hp_ &&
              (ow_ - 1) * sw_ + (kw_ - 1) * dw_ < wp_,
          "layer '", name_, "': output ", shapeText(y), " does not fit the padded input");
    const int64_t perChannel = cg_ * kh_ * kw_;
    check(p_.weights.count() == k_ * perChannel, "layer '", name_, "': convolution weights have ",
          p_.weights.count(), " values, expected ", k_ * perChannel);
    QuantizedWeights qw = quantizeWeightsPerChannel(p_.weights.values.data(), k_, perChannel);
    epi_ = i8::makeEpilogueParams(s, qw.scales, p_.bias, p_.activation, name_);
    p_.weights = Weights{};  // kept quantized; the float copy is not needed any more
    buildTaps();
    packWeights(qw);
  }

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    check(xs.size() == ys.size() && xs[0] == ys[0] && xs[1] == c_ && xs.back() == w_ &&
              ys[1] == k_ && ys.back() == ow_ && (xs.size() == 3 || (xs[2] == h_ && ys[2] == oh_)),
          "layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
          " differ from the shapes the kernel was built for");
    const int64_t n = xs[0], plane = oh_ * ow_, blocks = (plane + kNR - 1) / kNR;
    const int threads = a.pool ? a.pool->size() : 1;
    // Split an image's columns only when there are too few images to feed every thread, or
    // when its packed im2col would not fit in L2.
    int64_t chunks = std::max<int64_t>(1, (2 * threads + n - 1) / n);
    chunks =
        std::max(chunks, (blocks * kGroups_ * kNR * 4 + kConvMaxPackedBytes - 1) / kConvMaxPackedBytes);
    chunks = std::min(chunks, blocks);
    const int64_t blocksPerChunk = (blocks + chunks - 1) / chunks;
    chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
    const double macs = static_cast<double>(kg_ * kGroups_ * 4 * blocksPerChunk * kNR * groups_);

    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    auto* y = static_cast<char*>(a.outputs[0].data);
    const size_t outElem = epi_.outInt8 ? 1 : sizeof(float);
    const int64_t padBytes = cg_ * hp_ * wp_ + 128;
    const int64_t packBytes = blocksPerChunk * kGroups_ * kNR * 4;

    parallelFor(a.pool, n * chunks, macs, [&](int64_t begin, int64_t end, int) {
      auto* xpad = reinterpret_cast<int8_t*>(threadScratch((padBytes + 3) / 4, 0));
      auto* packed = reinterpret_cast<int8_t*>(threadScratch((packBytes + 3) / 4, 1));
      // One flag per column block, plus one the VNNI GEMM may read past the last block.
      auto* flags = reinterpret_cast<uint8_t*>(threadScratch((blocksPerChunk + 4) / 4, 2));
      for (int64_t item = begin; item < end; ++item) {
        const int64_t img = item / chunks, chunk = item % chunks;
        const int64_t p0 = chunk * blocksPerChunk * kNR;
        const int64_t p1 = std::min(plane, p0 + blocksPerChunk * kNR);
        for (int64_t g = 0; g < groups_; ++g) {
          const int8_t* xg = x + (img * c_ + g * cg_) * h_ * w_;
          const bool nonNeg = !i8::anyNegativeAvx2(xg, cg_ * h_ * w_);
          std::memset(flags, nonNeg ? 1 : 0, static_cast<size_t>(blocksPerChunk + 1));
          padImage(xg, xpad);
          i8::packConvColumnsAvx2(xpad, geometry(), p0, p1, packed);
          const int64_t row0 = g * kg_;
          i8::Int8Epilogue ep =
              i8::makeEpilogue(epi_, y + ((img * k_ + row0) * plane + p0) * outElem, plane, 1);
          ep.mult += row0;
          ep.bias += row0;
          gemm_.run(packedA_, g * packedAGroup_, row0, kg_, packed, p1 - p0, kGroups_, flags,
                    nonNeg, packBytes, ep);
        }
      }
    });
  }

 private:
  i8::ConvPackGeometry geometry() const {
    i8::ConvPackGeometry g;
    g.wp = wp_;
    g.oh = oh_;
    g.ow = ow_;
    g.sh = sh_;
    g.sw = sw_;
    g.dw = dw_;
    g.kGroups = kGroups_;
    g.tapOffset = tapOffset_.data();
    g.quadIsRow = quadIsRow_.data();
    return g;
  }

  // The reduction order: first every run of 4 kernel columns of one (channel, kernel row) as a
  // "row quad" (packed with one shuffle), then the leftover taps 4 at a time. Any order is
  // exact; this one makes packing cheap. tapWeight_ is the tap's index in a channel's weights.
  void buildTaps() {
    const bool rowQuads = sw_ <= 2 && sw_ + dw_ <= 5;
    std::vector<int32_t> restOff;
    std::vector<int64_t> restW;
    for (int64_t c = 0; c < cg_; ++c)
      for (int64_t i = 0; i < kh_; ++i) {
        const int64_t base = c * hp_ * wp_ + i * dh_ * wp_;
        int64_t j = 0;
        for (; rowQuads && j + 4 <= kw_; j += 4) {
          for (int b = 0; b < 4; ++b) {
            tapOffset_.push_back(static_cast<int32_t>(base + (j + b) * dw_));
            tapWeight_.push_back((c * kh_ + i) * kw_ + j + b);
          }
          quadIsRow_.push_back(1);
        }
        for (; j < kw_; ++j) {
          restOff.push_back(static_cast<int32_t>(base + j * dw_));
          restW.push_back((c * kh_ + i) * kw_ + j);
        }
      }
    for (size_t t = 0; t < restOff.size(); t += 4) {
      for (size_t b = t; b < t + 4; ++b) {
        tapOffset_.push_back(b < restOff.size() ? restOff[b] : -1);
        tapWeight_.push_back(b < restOff.size() ? restW[b] : -1);
      }
      quadIsRow_.push_back(0);
    }
    kGroups_ = static_cast<int64_t>(quadIsRow_.size());
    check(cg_ * hp_ * wp_ < (int64_t{1} << 31), "layer '", name_, "': image too large");
  }

  void packWeights(const QuantizedWeights& qw) {
    const int64_t r = kGroups_ * 4, perChannel = cg_ * kh_ * kw_;
    packedAGroup_ = i8::packedABytes(kg_, kGroups_);
    packedA_.assign(static_cast<size_t>(packedAGroup_ * groups_), 0);
    std::vector<int8_t> ordered(static_cast<size_t>(kg_ * r));
    for (int64_t g = 0; g < groups_; ++g) {
      for (int64_t m = 0; m < kg_; ++m) {
        const int8_t* wk = qw.values.data() + (g * kg_ + m) * perChannel;
        for (int64_t t = 0; t < r; ++t)
          ordered[m * r + t] = tapWeight_[t] < 0 ? 0 : wk[tapWeight_[t]];
      }
      i8::packA(ordered.data(), kg_, r, r, packedA_.data() + g * packedAGroup_);
    }
    gemm_.prepare(packedA_, groups_, kg_, kGroups_, packedAGroup_);
  }

  // xpad = the group's channels with the convolution's zero padding, read-safe past the end.
  void padImage(const int8_t* xg, int8_t* xpad) const {
    if (hp_ == h_ && wp_ == w_) {
      std::memcpy(xpad, xg, static_cast<size_t>(cg_ * h_ * w_));
    } else {
      for (int64_t c = 0; c < cg_; ++c) {
        int8_t* dst = xpad + c * hp_ * wp_;
        std::memset(dst, 0, static_cast<size_t>(ph_ * wp_));
        for (int64_t i = 0; i < h_; ++i) {
          int8_t* row = dst + (ph_ + i) * wp_;
          std::memset(row, 0, static_cast<size_t>(pw_));
          i8::copyBytes(row + pw_, xg + (c * h_ + i) * w_, w_);
          std::memset(row + pw_ + w_, 0, static_cast<size_t>(wp_ - pw_ - w_));
        }
        std::memset(dst + (ph_ + h_) * wp_, 0, static_cast<size_t>((hp_ - ph_ - h_) * wp_));
      }
    }
    std::memset(xpad + cg_ * hp_ * wp_, 0, 128);
  }

  std::string name_;
  ConvolutionParams p_;
  int64_t c_, h_, w_, k_, oh_, ow_, kh_, kw_, sh_, sw_, dh_, dw_, ph_, pw_, hp_, wp_;
  int64_t groups_, cg_, kg_;
  int64_t kGroups_ = 0, packedAGroup_ = 0;
  std::vector<int32_t> tapOffset_;
  std::vector<uint8_t> quadIsRow_;
  std::vector<int64_t> tapWeight_;
  std::vector<int8_t> packedA_;
  Gemm gemm_;  // the GEMM's own view of the packed weights
  i8::EpilogueParams epi_;
};

// The layer conditions both GEMMs share (the caller checks the CPU).
inline bool im2colConvolutionSupports(const KernelSetup& s) {
  if (!isKind(s, LayerKind::kCONVOLUTION) || s.inputShapes.size() != 1) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, true)) return false;
  const Shape& x = s.inputShapes[0];
  if (x.size() != 3 && x.size() != 4) return false;
  const auto& p = s.layer->as<ConvolutionParams>();
  if (!p.fusedMaxPool.empty()) return false;  // only the reference pools
  for (int64_t v : p.padBegin)
    if (v < 0) return false;
  for (int64_t v : p.padEnd)
    if (v < 0) return false;
  if (p.groups < 1 || x[1] % p.groups != 0) return false;
  // Leftover taps are padded to a k-group of 4: at most 3 extra products per output.
  return i8::accumulatorFits(x[1] / p.groups * elementCount(p.kernel) + 3);
}

}  // namespace int8rt::cpu::i8

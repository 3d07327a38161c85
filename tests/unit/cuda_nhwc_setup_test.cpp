// Host side of the NHWC CUDA kernels, no GPU needed: the NHWC convolution's (r, s, c) weight
// packing and vector tap table, and the central format rule: only the kernels written for NHWC
// accept an NHWC tensor, every other one refuses it before its own supports() is asked.
#ifdef INT8RT_HAVE_CUDA
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/conv/conv_nhwc.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda {
namespace {

Layer convLayer(int64_t c, int64_t k, int64_t groups) {
  ConvolutionParams p;
  p.nbOutputMaps = k;
  p.kernel = {2, 3};
  p.padBegin = {1, 0};
  p.padEnd = {1, 0};
  p.dilation = {2, 1};
  p.groups = groups;
  const int64_t n = k * (c / groups) * 6;
  for (int64_t i = 0; i < n; ++i) p.weights.values.push_back(static_cast<float>(i + 1));
  Layer l;
  l.name = "conv";
  l.params = p;
  l.inputs = {0};
  l.outputs = {1};
  return l;
}

KernelSetup halfSetup(const Layer& l, const Shape& x) {
  KernelSetup s;
  s.layer = &l;
  s.inputShapes = {x};
  s.outputShapes = inferLayerShapes(l, {x});
  s.inputTypes = {DataType::kHALF};
  s.outputTypes = {DataType::kHALF};
  s.inputScales = {0.f};
  s.outputScales = {0.f};
  return s;
}

TEST(CudaNhwcSetup, VectorWidthFollowsChannelsPerGroup) {
  EXPECT_EQ(conv::nhwcVectorWidth(16), 8);
  EXPECT_EQ(conv::nhwcVectorWidth(20), 4);
  EXPECT_EQ(conv::nhwcVectorWidth(6), 0);
  const Layer l8 = convLayer(16, 4, 2), l6 = convLayer(12, 4, 2);
  EXPECT_TRUE(conv::supportedNhwcConv(halfSetup(l8, {2, 16, 7, 9})));
  EXPECT_FALSE(conv::supportedNhwcConv(halfSetup(l6, {2, 12, 7, 9})));  // 6 per group
  KernelSetup f = halfSetup(l8, {2, 16, 7, 9});
  f.inputTypes = {DataType::kFLOAT};
  EXPECT_FALSE(conv::supportedNhwcConv(f));
}

TEST(CudaNhwcSetup, WeightsAndTapsInRscOrder) {
  const Layer l = convLayer(16, 4, 2);  // cg = 8, kg = 2, R x S = 2 x 3
  const KernelSetup s = halfSetup(l, {1, 16, 7, 9});
  const auto& p = l.as<ConvolutionParams>();
  const conv::ConvGeometry g = conv::makeConvGeometry(s);
  ASSERT_EQ(g.reduction, 48);
  ASSERT_EQ(g.reductionPadded, 64);
  const std::vector<float> w = conv::packNhwcWeights(g, p);
  ASSERT_EQ(w.size(), static_cast<size_t>(2 * g.mPadded * 64));
  for (int grp = 0; grp < 2; ++grp)
    for (int m = 0; m < 2; ++m)
      for (int c = 0; c < 8; ++c)
        for (int r = 0; r < 2; ++r)
          for (int q = 0; q < 3; ++q) {
            const float want = p.weights.values[(((grp * 2 + m) * 8 + c) * 2 + r) * 3 + q];
            EXPECT_EQ(w[(grp * g.mPadded + m) * 64 + (r * 3 + q) * 8 + c], want);
          }
  EXPECT_EQ(w[(0 * g.mPadded + 0) * 64 + 48], 0.f);  // reduction padding
  EXPECT_EQ(w[(0 * g.mPadded + 2) * 64 + 0], 0.f);   // row padding

  const std::vector<conv::ConvTap> taps = conv::makeNhwcTapTable(g, p, 4);
  ASSERT_EQ(taps.size(), 16u);
  for (int k = 0; k < 48; k += 4) {
    const int tap = k / 8, c = k % 8, dy = tap / 3 * 2, dx = tap % 3;  // dilation (2, 1)
    EXPECT_EQ(taps[k / 4].offset, (dy * 9 + dx) * 16 + c) << k;
    EXPECT_EQ(taps[k / 4].dyDx, dy << 16 | dx) << k;
  }
  for (int i = 12; i < 16; ++i) EXPECT_EQ(taps[i].dyDx >> 16, conv::kNoTap);
}

TEST(CudaNhwcSetup, OnlyNhwcKernelsAcceptNhwcTensors) {
  const std::set<std::string> takesNhwc = {
      "cuda_conv2d_nhwc_fp16_hmma_implicit_gemm", "cuda_pooling2d_nhwc_fp32",
      "cuda_pooling2d_nhwc_fp16", "cuda_activation_fp32", "cuda_activation_fp16",
      "cuda_elementwise_broadcast_fp32", "cuda_elementwise_broadcast_fp16", "cuda_scale_fp32",
      "cuda_scale_fp16", "cuda_reformat_nchw_to_nhwc_fp32", "cuda_reformat_nchw_to_nhwc_fp16",
      "cuda_reformat_nchw_to_nhwc_int8", "cuda_reformat_nhwc_to_nchw_fp32",
      "cuda_reformat_nhwc_to_nchw_fp16", "cuda_reformat_nhwc_to_nchw_int8"};
  const Layer l = convLayer(16, 4, 1);
  KernelSetup s = halfSetup(l, {1, 16, 7, 9});
  s.inputFormats = {TensorFormat::kNHWC};
  s.outputFormats = {TensorFormat::kNHWC};
  for (const Candidate& c : registry()) {
    if (takesNhwc.count(c.name)) {
      EXPECT_NE(c.formats, FormatRule::kLinearOnly) << c.name;
    } else {
      EXPECT_EQ(c.formats, FormatRule::kLinearOnly) << c.name << " declares other formats";
      EXPECT_FALSE(formatsAllowed(c.formats, s)) << c.name;
    }
  }
  EXPECT_TRUE(formatsAllowed(FormatRule::kNhwcOnly, s));
  s.outputFormats = {};  // missing entries are linear
  EXPECT_FALSE(formatsAllowed(FormatRule::kNhwcOnly, s));
  EXPECT_FALSE(formatsAllowed(FormatRule::kSameFormat, s));
  EXPECT_TRUE(formatsAllowed(FormatRule::kOwnCheck, s));
  s.inputFormats = {};
  EXPECT_TRUE(formatsAllowed(FormatRule::kLinearOnly, s));
  EXPECT_TRUE(formatsAllowed(FormatRule::kSameFormat, s));
}

}  // namespace
}  // namespace int8rt::cuda
#endif  // INT8RT_HAVE_CUDA

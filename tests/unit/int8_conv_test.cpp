// INT8 convolution: the AVX2 im2col + GEMM kernel against the scalar reference (bit-exact int8
// and float outputs) at odd sizes, strides, pads, dilation, groups, 1-D, a run batch below the
// setup's, fused activations; accumulators checked against a naive loop through scale-1 setups.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "int8_conv_spec.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using namespace int8test;

constexpr const char* kFast = "convolution_int8_im2col_gemm_4x16_avx2";
constexpr const char* kRef = "convolution_int8_ref";

// Runs fast and reference on the same data; expects identical bytes.
void expectFastMatchesRef(const ConvSpec& s, ThreadPool* pool = nullptr) {
  Layer layer = convLayer(s);
  KernelSetup setup = makeSetup(layer, {inputShape(s, s.setupBatch)}, {s.inScale}, s.outScale);
  const Shape xs = inputShape(s, s.runBatch);
  Tensor8 x = int8Tensor(xs, randomInt8(count(xs), s.seed, s.lo, s.hi));
  Tensor8 ref = runInt8Kernel(kRef, setup, {x});
  Tensor8 fast = runInt8Kernel(kFast, setup, {x}, pool);
  EXPECT_TRUE(sameBytes(fast, ref));
}

TEST(Int8Conv, OddSizesStride2AsymmetricPadsMatchReference) {
  INT8_REQUIRE_AVX2();
  ConvSpec s;
  s.stride = {2, 2};
  s.padBegin = {1, 2};
  s.padEnd = {2, 0};
  expectFastMatchesRef(s);
  ThreadPool pool(2);
  s.outScale = 0.f;  // FP32 output
  s.seed = 2;
  expectFastMatchesRef(s, &pool);
}

TEST(Int8Conv, GroupsAndDilationMatchReference) {
  INT8_REQUIRE_AVX2();
  ConvSpec s;
  s.c = 6, s.k = 9, s.groups = 3, s.h = 15, s.w = 17;
  s.kernel = {5, 5};
  s.dilation = {2, 1};
  s.padBegin = {2, 3};
  s.padEnd = {1, 2};
  expectFastMatchesRef(s);
  s.groups = 6, s.k = 6, s.kernel = {3, 3}, s.dilation = {1, 2}, s.seed = 5;  // depthwise
  expectFastMatchesRef(s);
}

TEST(Int8Conv, WideKernelsUseRowQuadsAndMatchReference) {
  INT8_REQUIRE_AVX2();
  ThreadPool pool(2);
  // kw = 7 and 8: row quads plus leftovers; stride 1 and 2; a dilation at the fast path's edge.
  for (auto [kw, sw, dw] : {std::tuple<int64_t, int64_t, int64_t>{7, 1, 1},
                            {8, 2, 1},
                            {4, 1, 3},
                            {5, 2, 3},
                            {6, 1, 4}}) {
    ConvSpec s;
    s.c = 2, s.k = 5, s.h = 9, s.w = 40;
    s.kernel = {2, kw};
    s.stride = {1, sw};
    s.dilation = {1, dw};
    s.padBegin = {0, 1};
    s.padEnd = {1, 1};
    s.seed = static_cast<uint32_t>(kw * 10 + sw);
    SCOPED_TRACE(::testing::Message() << "kw " << kw << " sw " << sw << " dw " << dw);
    expectFastMatchesRef(s, &pool);
  }
}

TEST(Int8Conv, ScalarPackingPathForWideStridesMatchesReference) {
  INT8_REQUIRE_AVX2();
  ConvSpec s;
  s.c = 4, s.k = 6, s.h = 16, s.w = 19;
  s.kernel = {3, 5};
  s.stride = {3, 3};
  s.padBegin = {1, 1};
  s.padEnd = {1, 1};
  expectFastMatchesRef(s);
}

TEST(Int8Conv, PointwiseAndOneDimensionalMatchReference) {
  INT8_REQUIRE_AVX2();
  ConvSpec s;
  s.c = 13, s.k = 17, s.h = 7, s.w = 9;
  s.kernel = {1, 1};
  expectFastMatchesRef(s);
  ConvSpec d;  // 1-D: [N, C, W]
  d.c = 5, d.k = 3, d.w = 50;
  d.kernel = {7};
  d.stride = {2};
  d.padBegin = {3};
  d.padEnd = {3};
  d.dilation = {1};
  expectFastMatchesRef(d);
}

TEST(Int8Conv, FusedActivationsMatchReference) {
  INT8_REQUIRE_AVX2();
  const Activation acts[] = {
      {ActivationType::kRELU, 0.f, 0.f},           {ActivationType::kCLIP, -0.3f, 0.6f},
      {ActivationType::kLEAKY_RELU, 0.1f, 0.f},    {ActivationType::kSIGMOID, 0.f, 0.f},
      {ActivationType::kHARD_SIGMOID, 0.2f, 0.5f}, {ActivationType::kTANH, 0.f, 0.f}};
  for (const Activation& a : acts) {
    for (float outScale : {0.f, 0.01f}) {
      ConvSpec s;
      s.act = a;
      s.outScale = outScale;
      s.padBegin = {1, 1};
      s.padEnd = {1, 1};
      SCOPED_TRACE(::testing::Message() << activationName(a.type) << " out " << outScale);
      expectFastMatchesRef(s);
    }
  }
}

// Integer weights whose channel max is 127 give weight scale exactly 1; with input scale 1,
// zero bias and FP32 output, y = fma(acc, 1, 0) = acc: the accumulators themselves, compared
// against a naive loop written here (independent of both kernels).
std::vector<float> naiveConvAcc(const std::vector<int8_t>& x, const std::vector<float>& w,
                                int64_t n, int64_t c, int64_t h, int64_t wd, int64_t k, int64_t kh,
                                int64_t kw, int64_t stride, int64_t pad) {
  const int64_t oh = (h + 2 * pad - kh) / stride + 1, ow = (wd + 2 * pad - kw) / stride + 1;
  std::vector<float> y(static_cast<size_t>(n * k * oh * ow));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t acc = 0;
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t u = 0; u < kh; ++u)
              for (int64_t v = 0; v < kw; ++v) {
                const int64_t yy = i * stride - pad + u, xx = j * stride - pad + v;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                acc += int64_t{x[((b * c + ci) * h + yy) * wd + xx]} *
                       static_cast<int64_t>(w[((o * c + ci) * kh + u) * kw + v]);
              }
          y[((b * k + o) * oh + i) * ow + j] = static_cast<float>(acc);
        }
  return y;
}

void expectAccumulatorsExact(const std::vector<int8_t>& xv, const std::vector<float>& wv, int64_t n,
                             int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride,
                             int64_t pad) {
  ConvolutionParams p;
  p.nbOutputMaps = k;
  p.kernel = {5, 5};
  p.stride = {stride, stride};
  p.padBegin = p.padEnd = {pad, pad};
  p.weights.values = wv;
  Layer layer = makeLayer(p, 1, "conv");
  KernelSetup setup = makeSetup(layer, {{n, c, h, w}}, {1.f}, 0.f);
  Tensor8 x = int8Tensor({n, c, h, w}, xv);
  const auto expect = naiveConvAcc(xv, wv, n, c, h, w, k, 5, 5, stride, pad);
  for (const char* name : {kRef, kFast}) {
    Tensor8 y = runInt8Kernel(name, setup, {x});
    EXPECT_EQ(y.asFloat(), expect) << name;
  }
}

std::vector<float> integerWeights(int64_t k, int64_t per, uint32_t seed) {
  std::vector<float> w(static_cast<size_t>(k * per));
  auto q = randomInt8(k * per, seed, -127, 127);
  for (size_t i = 0; i < w.size(); ++i) w[i] = q[i];
  for (int64_t o = 0; o < k; ++o) w[o * per + (o % per)] = (o % 2) ? -127.f : 127.f;  // scale 1
  return w;
}

TEST(Int8Conv, AccumulatorsAreBitExactThroughScaleOne) {
  INT8_REQUIRE_AVX2();
  const int64_t n = 2, c = 3, h = 13, w = 11, k = 7;
  expectAccumulatorsExact(randomInt8(n * c * h * w, 9), integerWeights(k, c * 25, 10), n, c, h, w,
                          k, 2, 2);
  expectAccumulatorsExact(randomInt8(n * c * h * w, 11, 1, 127), integerWeights(k, c * 25, 12), n,
                          c, h, w, k, 1, 0);
}

TEST(Int8Conv, AdversarialExtremesAreExact) {
  INT8_REQUIRE_AVX2();
  const int64_t n = 4, c = 4, h = 12, w = 12, k = 6, per = c * 25;
  std::vector<float> wv(static_cast<size_t>(k * per));
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < per; ++i) {
      const int sgn = o == 0   ? 1
                      : o == 1 ? -1
                      : o == 2 ? (i % 2 ? -1 : 1)
                      : o == 3 ? ((i / 2) % 2 ? -1 : 1)
                      : o == 4 ? (i % 2 ? 1 : -1)
                               : ((i * 5) % 3 ? 1 : -1);
      wv[o * per + i] = 127.f * sgn;
    }
  // Image 0 all 127 (U8 path, pair sums 32258), image 1 all -128 (SIGN, |pair| 32512),
  // images 2 and 3 alternating extremes along W and along channels.
  std::vector<int8_t> xv(static_cast<size_t>(n * c * h * w));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t i = 0; i < h * w; ++i) {
        int v = b == 0   ? 127
                : b == 1 ? -128
                : b == 2 ? (i % 2 ? -128 : 127)
                         : (ci % 2 ? 127 : -128);
        xv[((b * c + ci) * h * w) + i] = static_cast<int8_t>(v);
      }
  expectAccumulatorsExact(xv, wv, n, c, h, w, k, 1, 0);
  expectAccumulatorsExact(xv, wv, n, c, h, w, k, 1, 2);
}

TEST(Int8Conv, MixedSignImagesInOneBatchAreExact) {
  INT8_REQUIRE_AVX2();
  // Non-negative images (U8) and signed images (SIGN) in one batch, threads splitting them.
  ConvSpec s;
  s.c = 20, s.k = 50, s.h = 12, s.w = 12, s.kernel = {5, 5};
  s.setupBatch = 8, s.runBatch = 7;
  Layer layer = convLayer(s);
  KernelSetup setup = makeSetup(layer, {inputShape(s, s.setupBatch)}, {s.inScale}, s.outScale);
  const Shape xs = inputShape(s, s.runBatch);
  std::vector<int8_t> xv = randomInt8(count(xs), 3, 0, 127);
  auto neg = randomInt8(count(xs) / 7, 4);
  std::copy(neg.begin(), neg.end(), xv.begin() + 3 * (count(xs) / 7));  // image 3 signed
  xv[5 * (count(xs) / 7) + 77] = -1;                                    // image 5: one negative
  Tensor8 x = int8Tensor(xs, xv);
  ThreadPool pool(2);
  EXPECT_TRUE(sameBytes(runInt8Kernel(kFast, setup, {x}, &pool), runInt8Kernel(kRef, setup, {x})));
}

TEST(Int8Conv, LeNetShapesMatchReference) {
  INT8_REQUIRE_AVX2();
  ThreadPool pool(2);
  ConvSpec c1;  // conv1: 1 -> 20, 5x5 on 28x28, non-negative pixels
  c1.c = 1, c1.k = 20, c1.h = 28, c1.w = 28, c1.kernel = {5, 5}, c1.lo = 0;
  c1.setupBatch = 5, c1.runBatch = 5;
  expectFastMatchesRef(c1, &pool);
  ConvSpec c2;  // conv2: 20 -> 50, 5x5 on 12x12, signed (no ReLU after conv1 in Caffe LeNet)
  c2.c = 20, c2.k = 50, c2.h = 12, c2.w = 12, c2.kernel = {5, 5};
  c2.setupBatch = 4, c2.runBatch = 3;
  expectFastMatchesRef(c2, &pool);
}

TEST(Int8Conv, SupportsOnlyInt8InputsWithScales) {
  ConvSpec s;
  Layer layer = convLayer(s);
  KernelSetup setup = makeSetup(layer, {inputShape(s, 2)}, {s.inScale}, s.outScale);
  for (const char* name : {kFast, kRef}) {
    const KernelCandidate* k = findInt8Kernel(name);
    ASSERT_NE(k, nullptr);
    if (name == std::string(kFast) && !haveAvx2()) continue;
    EXPECT_TRUE(k->supports(setup, cpuFeatures()));
    KernelSetup noScale = setup;
    noScale.inputScales = {0.f};
    EXPECT_FALSE(k->supports(noScale, cpuFeatures())) << name;
    KernelSetup fp32 = setup;
    fp32.inputTypes = {DataType::kFLOAT};
    EXPECT_FALSE(k->supports(fp32, cpuFeatures())) << name;
  }
  CpuFeatures none;
  EXPECT_FALSE(findInt8Kernel(kFast)->supports(setup, none));
}

}  // namespace
}  // namespace int8rt::cpu

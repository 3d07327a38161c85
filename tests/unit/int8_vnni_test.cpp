// INT8 AVX-512 VNNI convolution and fully connected kernels: bit-exact against the scalar
// reference (odd sizes, strides, pads, groups, dilation, 1-D, activations, batch below setup),
// raw accumulators exact against naive loops (adversarial extremes, negative activations, zero
// channels, a reduction long enough that the +128 offset sum wraps int32), registry order and
// CPU gating. Skipped without AVX-512 VNNI. Int8BenchVnni times AVX2 vs VNNI (INT8RT_INT8_BENCH=1).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "backends/cpu/int8/int8_vnni.h"
#include "int8_conv_spec.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using namespace int8test;

constexpr const char* kConvVnni = "convolution_int8_im2col_gemm_8x32_avx512vnni";
constexpr const char* kConvAvx2 = "convolution_int8_im2col_gemm_4x16_avx2";
constexpr const char* kConvRef = "convolution_int8_ref";
constexpr const char* kFcVnni = "fully_connected_int8_gemm_8x32_avx512vnni";
constexpr const char* kFcAvx2 = "fully_connected_int8_gemm_4x16_avx2";
constexpr const char* kFcRef = "fully_connected_int8_ref";

bool haveVnni() {
  const CpuFeatures& f = cpuFeatures();
  return f.avx2 && f.fma && f.avx512f && f.avx512bw && f.avx512vnni;
}

#define INT8_REQUIRE_VNNI() \
  if (!haveVnni()) GTEST_SKIP() << "CPU has no AVX-512 VNNI"

void expectConvMatchesRef(const ConvSpec& s, ThreadPool* pool = nullptr) {
  Layer layer = convLayer(s);
  KernelSetup setup = makeSetup(layer, {inputShape(s, s.setupBatch)}, {s.inScale}, s.outScale);
  const Shape xs = inputShape(s, s.runBatch);
  Tensor8 x = int8Tensor(xs, randomInt8(count(xs), s.seed, s.lo, s.hi));
  EXPECT_TRUE(sameBytes(runInt8Kernel(kConvVnni, setup, {x}, pool),
                        runInt8Kernel(kConvRef, setup, {x})));
}

TEST(Int8Vnni, ConvOddSizesStride2PadsGroupsMatchReference) {
  INT8_REQUIRE_VNNI();
  ThreadPool pool(2);
  ConvSpec s;  // C=3, K=7, 13x11, stride 2, asymmetric pads, batch 2 of setup 3
  s.stride = {2, 2}, s.padBegin = {1, 2}, s.padEnd = {2, 0};
  expectConvMatchesRef(s);
  expectConvMatchesRef(s, &pool);
  s.outScale = 0.f;  // FP32 output
  expectConvMatchesRef(s, &pool);
  ConvSpec g;  // groups and dilation
  g.c = 6, g.k = 9, g.groups = 3, g.dilation = {2, 1}, g.padBegin = {1, 1}, g.padEnd = {1, 1};
  g.seed = 3;
  expectConvMatchesRef(g, &pool);
  ConvSpec d;  // depthwise-like, K per group 2
  d.c = 4, d.k = 8, d.groups = 4, d.kernel = {5, 5}, d.padBegin = {2, 2}, d.padEnd = {2, 2};
  d.seed = 4;
  expectConvMatchesRef(d);
  ConvSpec wide;  // scalar packing path (stride 3), 7-wide kernel (row quads + leftovers)
  wide.c = 5, wide.k = 13, wide.h = 19, wide.w = 23, wide.kernel = {2, 7}, wide.stride = {1, 3};
  wide.seed = 5;
  expectConvMatchesRef(wide, &pool);
  ConvSpec pw;  // pointwise
  pw.c = 17, pw.k = 33, pw.kernel = {1, 1}, pw.seed = 6;
  expectConvMatchesRef(pw);
  ConvSpec one;  // 1-D
  one.c = 5, one.k = 11, one.w = 37, one.kernel = {3}, one.stride = {2}, one.padBegin = {1},
  one.padEnd = {1}, one.dilation = {1}, one.seed = 7;
  expectConvMatchesRef(one, &pool);
}

TEST(Int8Vnni, ConvActivationsAndSignsMatchReference) {
  INT8_REQUIRE_VNNI();
  const Activation acts[] = {
      {ActivationType::kRELU, 0.f, 0.f},           {ActivationType::kCLIP, -0.3f, 0.6f},
      {ActivationType::kLEAKY_RELU, 0.1f, 0.f},    {ActivationType::kSIGMOID, 0.f, 0.f},
      {ActivationType::kHARD_SIGMOID, 0.2f, 0.5f}, {ActivationType::kTANH, 0.f, 0.f}};
  for (const Activation& a : acts)
    for (float outScale : {0.f, 0.01f})
      for (int lo : {-128, 0}) {  // signed (offset) and non-negative (no offset) data
        ConvSpec s;
        s.act = a, s.outScale = outScale, s.lo = lo;
        s.padBegin = {1, 1}, s.padEnd = {1, 1};
        SCOPED_TRACE(::testing::Message() << activationName(a.type) << " out " << outScale
                                          << " lo " << lo);
        expectConvMatchesRef(s);
      }
  ConvSpec neg;  // only negative activations
  neg.lo = -128, neg.hi = -1, neg.seed = 8;
  expectConvMatchesRef(neg);
}

TEST(Int8Vnni, ConvLeNetShapesAndMixedBatchMatchReference) {
  INT8_REQUIRE_VNNI();
  ThreadPool pool(2);
  ConvSpec c1;
  c1.c = 1, c1.k = 20, c1.h = 28, c1.w = 28, c1.kernel = {5, 5}, c1.lo = 0;
  c1.setupBatch = 5, c1.runBatch = 5;
  expectConvMatchesRef(c1, &pool);
  ConvSpec c2;
  c2.c = 20, c2.k = 50, c2.h = 12, c2.w = 12, c2.kernel = {5, 5};
  c2.setupBatch = 8, c2.runBatch = 7;
  expectConvMatchesRef(c2, &pool);
  // Non-negative and signed images in one batch.
  Layer layer = convLayer(c2);
  KernelSetup setup = makeSetup(layer, {inputShape(c2, 8)}, {c2.inScale}, c2.outScale);
  const Shape xs = inputShape(c2, 7);
  std::vector<int8_t> xv = randomInt8(count(xs), 3, 0, 127);
  auto neg = randomInt8(count(xs) / 7, 4);
  std::copy(neg.begin(), neg.end(), xv.begin() + 3 * (count(xs) / 7));
  xv[5 * (count(xs) / 7) + 77] = -1;
  Tensor8 x = int8Tensor(xs, xv);
  EXPECT_TRUE(sameBytes(runInt8Kernel(kConvVnni, setup, {x}, &pool),
                        runInt8Kernel(kConvRef, setup, {x})));
}

// Scale-1 setups: integer weights with a +-127 per channel (weight scale 1), input scale 1,
// no bias, FP32 output -> y = float(acc), compared with a naive int64 loop.
std::vector<float> naiveConvAcc(const std::vector<int8_t>& x, const std::vector<float>& w,
                                int64_t n, int64_t c, int64_t h, int64_t wd, int64_t k,
                                int64_t stride, int64_t pad) {
  const int64_t kh = 5, kw = 5;
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

void expectConvAccExact(const std::vector<int8_t>& xv, const std::vector<float>& wv, int64_t n,
                        int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride, int64_t pad) {
  ConvolutionParams p;
  p.nbOutputMaps = k;
  p.kernel = {5, 5};
  p.stride = {stride, stride};
  p.padBegin = p.padEnd = {pad, pad};
  p.weights.values = wv;
  Layer layer = makeLayer(p, 1, "conv");
  KernelSetup setup = makeSetup(layer, {{n, c, h, w}}, {1.f}, 0.f);
  Tensor8 x = int8Tensor({n, c, h, w}, xv);
  const auto expect = naiveConvAcc(xv, wv, n, c, h, w, k, stride, pad);
  EXPECT_EQ(runInt8Kernel(kConvRef, setup, {x}).asFloat(), expect);
  EXPECT_EQ(runInt8Kernel(kConvVnni, setup, {x}).asFloat(), expect);
}

TEST(Int8Vnni, ConvAccumulatorsExactOnAdversarialData) {
  INT8_REQUIRE_VNNI();
  const int64_t n = 5, c = 4, h = 12, w = 12, k = 7, per = c * 25;
  std::vector<float> wv(static_cast<size_t>(k * per));
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < per; ++i) {
      const int sgn = o == 0   ? 1
                      : o == 1 ? -1
                      : o == 2 ? (i % 2 ? -1 : 1)
                      : o == 3 ? ((i / 2) % 2 ? -1 : 1)
                      : o == 4 ? (i % 2 ? 1 : -1)
                               : ((i * 5) % 3 ? 1 : -1);
      wv[o * per + i] = o == 6 ? 0.f : 127.f * sgn;  // channel 6: all zero
    }
  std::vector<int8_t> xv(static_cast<size_t>(n * c * h * w));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t i = 0; i < h * w; ++i) {
        const int v = b == 0   ? 127
                      : b == 1 ? -128
                      : b == 2 ? (i % 2 ? -128 : 127)
                      : b == 3 ? (ci % 2 ? 127 : -128)
                               : 0;  // image 4: all zero
        xv[((b * c + ci) * h * w) + i] = static_cast<int8_t>(v);
      }
  expectConvAccExact(xv, wv, n, c, h, w, k, 1, 0);
  expectConvAccExact(xv, wv, n, c, h, w, k, 1, 2);
  // Random signed / negative-only / non-negative data with random integer weights.
  std::vector<float> rw(static_cast<size_t>(k * per));
  auto q = randomInt8(k * per, 21, -127, 127);
  for (size_t i = 0; i < rw.size(); ++i) rw[i] = q[i];
  for (int64_t o = 0; o < k; ++o) rw[o * per + o] = o % 2 ? -127.f : 127.f;
  expectConvAccExact(randomInt8(n * c * h * w, 22), rw, n, c, h, w, k, 2, 2);
  expectConvAccExact(randomInt8(n * c * h * w, 23, -128, -1), rw, n, c, h, w, k, 1, 1);
  expectConvAccExact(randomInt8(n * c * h * w, 24, 1, 127), rw, n, c, h, w, k, 1, 0);
}

// ---- the GEMM itself, raw accumulators through Int8Epilogue::accOut ----
struct AlignedBytes {
  explicit AlignedBytes(int64_t n)
      : p(static_cast<int8_t*>(
            std::aligned_alloc(64, static_cast<size_t>((n + 63) / 64 * 64 + 64)))) {}
  ~AlignedBytes() { std::free(p); }
  int8_t* p;
};

std::vector<int32_t> vnniAcc(const std::vector<int8_t>& a, const std::vector<int8_t>& x, int64_t m,
                             int64_t n, int64_t r, bool useFlags) {
  const int64_t kGroups = (r + 3) / 4, bBlock = kGroups * i8::kNR * 4;
  AlignedBytes pa(i8::packedABytes(m, kGroups)), pb(i8::packedBBytes(n, kGroups));
  i8::packA(a.data(), m, r, r, pa.p);
  std::vector<int32_t> sums(static_cast<size_t>(m));
  i8::packedRowSums(pa.p, m, kGroups, sums.data());
  const int64_t blocks = (n + i8::kNR - 1) / i8::kNR;
  std::vector<uint8_t> flags(static_cast<size_t>(blocks));
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t rows = std::min<int64_t>(i8::kNR, n - b * i8::kNR);
    i8::packRowsAvx2(x.data() + b * i8::kNR * r, rows, r, r, kGroups, pb.p + b * bBlock);
    flags[b] = i8::anyNegativeAvx2(x.data() + b * i8::kNR * r, rows * r) ? 0 : 1;
  }
  std::vector<int32_t> c(static_cast<size_t>(m * n), 0x5a5a5a5a);
  i8::Int8Epilogue ep;
  ep.accOut = c.data();
  ep.rowStride = n;
  ep.colStride = 1;
  i8::VnniGemmOperands op;
  op.a = pa.p;
  op.rowSumW = sums.data();
  op.rows = m;
  op.b = pb.p;
  op.cols = n;
  op.kGroups = kGroups;
  op.nonNegBlocks = useFlags ? flags.data() : nullptr;
  i8::gemmInt8Avx512Vnni(op, ep);
  return c;
}

std::vector<int32_t> naiveAcc(const std::vector<int8_t>& a, const std::vector<int8_t>& x, int64_t m,
                              int64_t n, int64_t r) {
  std::vector<int32_t> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t s = 0;
      for (int64_t k = 0; k < r; ++k) s += int64_t{a[i * r + k]} * int64_t{x[j * r + k]};
      c[i * n + j] = static_cast<int32_t>(s);
    }
  return c;
}

TEST(Int8Vnni, GemmAccumulatorsExactOnRandomAndAdversarialData) {
  INT8_REQUIRE_VNNI();
  // Odd sizes: every tile shape (8x32, 8x16, 4x32, 4x16) and row / column / k tails.
  for (auto [m, n, r] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 5, 7}, {13, 37, 45},
                         {9, 17, 130}, {16, 64, 64}, {50, 33, 501}})
    for (int lo : {-128, 0, -128}) {
      SCOPED_TRACE(::testing::Message() << m << "x" << n << "x" << r << " lo " << lo);
      auto a = randomInt8(m * r, static_cast<uint32_t>(m * 7 + r), -127, 127);
      auto x = randomInt8(n * r, static_cast<uint32_t>(n * 3 + r), lo, lo < 0 ? -1 : 127);
      if (lo < 0 && m == 13) x = randomInt8(n * r, 99);  // mixed signs
      const auto expect = naiveAcc(a, x, m, n, r);
      EXPECT_EQ(vnniAcc(a, x, m, n, r, true), expect);
      EXPECT_EQ(vnniAcc(a, x, m, n, r, false), expect);  // offset path even for u8 data
    }
  // Extremes: x in {-128, 127}, w in {-127, 127}, zero rows of weights.
  const int64_t m = 11, n = 35, r = 203;
  std::vector<int8_t> a(static_cast<size_t>(m * r)), x(static_cast<size_t>(n * r));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t k = 0; k < r; ++k)
      a[i * r + k] = i == 5 ? 0 : static_cast<int8_t>((i % 3 == 0 || (k + i) % 2) ? 127 : -127);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < r; ++k)
      x[j * r + k] = static_cast<int8_t>(j % 3 == 0 ? -128 : j % 3 == 1 ? 127
                                                             : ((k + j) % 2 ? -128 : 127));
  EXPECT_EQ(vnniAcc(a, x, m, n, r, true), naiveAcc(a, x, m, n, r));
}

TEST(Int8Vnni, GemmExactWhenTheOffsetSumWrapsInt32) {
  INT8_REQUIRE_VNNI();
  // R = 70,000 > 66,311: sum (x + 128) * w = 70,000 * 255 * 127 > 2^31 wraps, but the true
  // sums (|S| <= 128 * 127 * R < 2^31) come out exact (arithmetic modulo 2^32).
  const int64_t m = 5, n = 3, r = 70000;
  std::vector<int8_t> a(static_cast<size_t>(m * r)), x(static_cast<size_t>(n * r));
  for (int64_t k = 0; k < r; ++k) {
    a[0 * r + k] = 127, a[1 * r + k] = -127, a[2 * r + k] = k % 2 ? 127 : -127;
    a[3 * r + k] = 0, a[4 * r + k] = static_cast<int8_t>(k % 255 - 127);
    x[0 * r + k] = 127, x[1 * r + k] = -128, x[2 * r + k] = k % 2 ? 127 : -128;
  }
  EXPECT_EQ(vnniAcc(a, x, m, n, r, false), naiveAcc(a, x, m, n, r));
}

// ---- fully connected ----
Layer fcLayer(int64_t c, int64_t k, Activation act, uint32_t seed) {
  FullyConnectedParams p;
  p.nbOutputs = k;
  p.weights.values = randomFloats(c * k, seed, -0.2f, 0.2f);
  p.bias.values = randomFloats(k, seed + 1, -1.f, 1.f);
  p.activation = act;
  return makeLayer(p, 1, "fc");
}

void expectFcMatch(const Shape& setupShape, int64_t runBatch, int64_t k, Activation act,
                   float outScale, ThreadPool* pool, uint32_t seed, int lo = -128, int hi = 127) {
  int64_t c = 1;
  for (size_t i = 1; i < setupShape.size(); ++i) c *= setupShape[i];
  Layer layer = fcLayer(c, k, act, seed);
  KernelSetup setup = makeSetup(layer, {setupShape}, {0.03f}, outScale);
  const Shape xs = withBatch(setupShape, runBatch);
  Tensor8 x = int8Tensor(xs, randomInt8(count(xs), seed + 7, lo, hi));
  EXPECT_TRUE(sameBytes(runInt8Kernel(kFcVnni, setup, {x}, pool),
                        runInt8Kernel(kFcRef, setup, {x})));
}

TEST(Int8Vnni, FullyConnectedMatchesReference) {
  INT8_REQUIRE_VNNI();
  ThreadPool pool(2);
  const Activation relu{ActivationType::kRELU, 0.f, 0.f}, none{};
  const Activation tanh{ActivationType::kTANH, 0.f, 0.f};
  expectFcMatch({40, 45}, 37, 13, relu, 0.05f, &pool, 1);
  expectFcMatch({40, 45}, 37, 13, none, 0.f, nullptr, 2);
  expectFcMatch({40, 45}, 33, 13, tanh, 0.05f, &pool, 3);
  expectFcMatch({3, 5, 3, 3}, 2, 30, relu, 0.02f, &pool, 4);
  expectFcMatch({1, 800}, 1, 500, relu, 0.05f, &pool, 5);
  expectFcMatch({100, 500}, 100, 10, none, 0.f, &pool, 6);
  expectFcMatch({100, 800}, 100, 500, relu, 0.05f, &pool, 7);
  expectFcMatch({64, 33}, 50, 9, relu, 0.05f, &pool, 8, 0);          // non-negative
  expectFcMatch({64, 33}, 50, 9, none, 0.05f, &pool, 9, -128, -1);   // negative only
}

TEST(Int8Vnni, FullyConnectedAccumulatorsExactAndZeroChannel) {
  INT8_REQUIRE_VNNI();
  const int64_t n = 21, c = 131, k = 11;
  FullyConnectedParams p;
  p.nbOutputs = k;
  auto q = randomInt8(c * k, 5, -127, 127);
  p.weights.values.assign(q.begin(), q.end());
  for (int64_t o = 0; o < k; ++o) p.weights.values[o * c + o] = o % 2 ? -127.f : 127.f;
  for (int64_t i = 0; i < c; ++i) p.weights.values[4 * c + i] = 0.f;  // zero channel
  std::vector<int8_t> xv = randomInt8(n * c, 6);
  for (int64_t i = 0; i < c; ++i) xv[i] = -128, xv[c + i] = 127, xv[2 * c + i] = i % 2 ? -128 : 127;
  Layer layer = makeLayer(p, 1, "fc");
  KernelSetup setup = makeSetup(layer, {{n, c}}, {1.f}, 0.f);
  Tensor8 x = int8Tensor({n, c}, xv);
  std::vector<float> expect(static_cast<size_t>(n * k));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k; ++o) {
      int64_t acc = 0;
      for (int64_t i = 0; i < c; ++i)
        acc += int64_t{xv[b * c + i]} * static_cast<int64_t>(p.weights.values[o * c + i]);
      expect[b * k + o] = static_cast<float>(acc);
    }
  ThreadPool pool(2);
  EXPECT_EQ(runInt8Kernel(kFcVnni, setup, {x}, &pool).asFloat(), expect);
  EXPECT_EQ(runInt8Kernel(kFcVnni, setup, {x}).asFloat(), expect);
}

TEST(Int8Vnni, RegisteredFirstAndGatedOnCpuFeatures) {
  std::vector<KernelCandidate> all;
  appendInt8Kernels(all);
  auto index = [&](const char* name) {
    for (size_t i = 0; i < all.size(); ++i)
      if (std::string(all[i].name) == name) return static_cast<int>(i);
    return -1;
  };
  ASSERT_GE(index(kConvVnni), 0);
  ASSERT_GE(index(kFcVnni), 0);
  EXPECT_LT(index(kConvVnni), index(kConvAvx2));
  EXPECT_LT(index(kFcVnni), index(kFcAvx2));
  ConvSpec s;
  Layer layer = convLayer(s);
  KernelSetup setup = makeSetup(layer, {inputShape(s, 2)}, {0.05f}, 0.1f);
  CpuFeatures f;
  f.avx2 = f.fma = f.avx512f = f.avx512bw = f.avx512vnni = true;
  const KernelCandidate* conv = findInt8Kernel(kConvVnni);
  EXPECT_TRUE(conv->supports(setup, f));
  for (bool CpuFeatures::*flag : {&CpuFeatures::avx512f, &CpuFeatures::avx512bw,
                                   &CpuFeatures::avx512vnni, &CpuFeatures::avx2}) {
    CpuFeatures g = f;
    g.*flag = false;
    EXPECT_FALSE(conv->supports(setup, g));
  }
  Layer fl = fcLayer(45, 13, {}, 1);
  KernelSetup fs = makeSetup(fl, {{4, 45}}, {0.03f}, 0.f);
  const KernelCandidate* fc = findInt8Kernel(kFcVnni);
  EXPECT_TRUE(fc->supports(fs, f));
  CpuFeatures g = f;
  g.avx512vnni = false;
  EXPECT_FALSE(fc->supports(fs, g));
  setup.inputTypes[0] = DataType::kFLOAT;  // float input: not for INT8 kernels
  EXPECT_FALSE(conv->supports(setup, f));
}

// ---- timing: INT8RT_INT8_BENCH=1 unit_tests --gtest_filter='Int8Bench*' ----
double medianMs(CpuKernel& k, RunArgs& args, int reps) {
  std::vector<double> t;
  for (int i = 0; i < reps + 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    k.run(args);
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= 3) t.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double timeKernel(const char* name, const KernelSetup& setup, const Tensor8& x, ThreadPool* pool,
                  int reps) {
  const KernelCandidate* c = findInt8Kernel(name);
  if (!c || !c->supports(setup, cpuFeatures())) return -1;
  auto k = c->create(setup);
  std::vector<uint8_t> out(static_cast<size_t>(count(setup.outputShapes[0])) * 4);
  std::vector<uint8_t> ws(k->workspaceBytes() + 128);
  RunArgs args;
  args.inputs.push_back({const_cast<uint8_t*>(x.bytes.data()), x.shape, DataType::kINT8});
  args.outputs.push_back({out.data(), setup.outputShapes[0], setup.outputTypes[0]});
  args.pool = pool;
  args.workspace = ws.data() + (64 - reinterpret_cast<uintptr_t>(ws.data()) % 64) % 64;
  return medianMs(*k, args, reps);
}

TEST(Int8BenchVnni, LeNetConv2Fc1Avx2VsVnni) {
  const char* e = std::getenv("INT8RT_INT8_BENCH");
  if (!e || std::string(e) != "1") GTEST_SKIP() << "set INT8RT_INT8_BENCH=1 to time";
  INT8_REQUIRE_VNNI();
  const char* th = std::getenv("INT8RT_BENCH_THREADS");
  const int threads = th ? std::atoi(th) : 2, reps = 200;
  ThreadPool pool(threads);
  ThreadPool* pp = threads > 1 ? &pool : nullptr;
  const int64_t N = 100;
  ConvSpec c2;
  c2.c = 20, c2.k = 50, c2.h = 12, c2.w = 12, c2.kernel = {5, 5};
  Layer conv = convLayer(c2);
  KernelSetup cs = makeSetup(conv, {inputShape(c2, N)}, {0.05f}, 0.1f);
  Tensor8 cx = int8Tensor(inputShape(c2, N), randomInt8(N * 20 * 144, 1));
  Tensor8 cxu = int8Tensor(inputShape(c2, N), randomInt8(N * 20 * 144, 1, 0, 127));
  Layer fc = fcLayer(800, 500, {ActivationType::kRELU, 0.f, 0.f}, 2);
  KernelSetup fs = makeSetup(fc, {{N, 800}}, {0.03f}, 0.05f);
  Tensor8 fx = int8Tensor({N, 800}, randomInt8(N * 800, 3));
  Tensor8 fxu = int8Tensor({N, 800}, randomInt8(N * 800, 3, 0, 127));
  std::printf("batch %lld, %d threads, median of %d (ms per batch)\n",
              static_cast<long long>(N), threads, reps);
  std::printf("%-22s %10s %10s %8s\n", "layer", "avx2", "vnni", "speedup");
  auto row = [&](const char* label, const char* a, const char* v, const KernelSetup& s,
                 const Tensor8& x) {
    const double ta = timeKernel(a, s, x, pp, reps), tv = timeKernel(v, s, x, pp, reps);
    std::printf("%-22s %10.4f %10.4f %7.2fx\n", label, ta, tv, ta / tv);
  };
  row("conv2 signed", kConvAvx2, kConvVnni, cs, cx);
  row("conv2 non-negative", kConvAvx2, kConvVnni, cs, cxu);
  row("fc1 signed", kFcAvx2, kFcVnni, fs, fx);
  row("fc1 non-negative", kFcAvx2, kFcVnni, fs, fxu);
}

}  // namespace
}  // namespace int8rt::cpu

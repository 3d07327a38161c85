// Every AVX2 kernel against its scalar reference on random never-zero inputs at odd sizes, with
// the run batch below the setup batch. Tolerance: 1e-5 absolute + 1e-5 relative, i.e. float
// rounding of sums of a few hundred terms of magnitude <= 1 taken in a different order.
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "cpu_kernel_test_util.h"

namespace int8rt::cpu::test {
namespace {

constexpr float kAtol = 1e-5f, kRtol = 1e-5f;

bool haveAvx2() { return cpuFeatures().avx2 && cpuFeatures().fma; }

#define SKIP_WITHOUT_AVX2() \
  if (!haveAvx2()) GTEST_SKIP() << "CPU lacks AVX2/FMA"

// Runs `fast` and `ref` on the same random inputs (setup at batch setupN, run at runN) and
// checks they agree. Returns false if a kernel does not support the layer.
void expectMatchesReference(const std::string& fast, const std::string& ref, const Layer& layer,
                            std::vector<Shape> shapes, int64_t setupN, int64_t runN,
                            ThreadPool* pool, uint32_t seed, bool batchedInputs = true) {
  std::vector<Shape> setupShapes = shapes, runShapes = shapes;
  std::vector<std::vector<float>> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (batchedInputs || i == 0) {
      setupShapes[i] = withBatch(shapes[i], setupN);
      runShapes[i] = withBatch(shapes[i], runN);
    }
    inputs.push_back(randomValues(count(runShapes[i]), seed + static_cast<uint32_t>(i)));
  }
  auto want = runKernel(ref, layer, setupShapes, runShapes, inputs, nullptr);
  auto got = runKernel(fast, layer, setupShapes, runShapes, inputs, pool);
  ASSERT_FALSE(want.empty());
  EXPECT_TRUE(allNear(got, want, kAtol, kRtol)) << fast << " on " << layer.name;
}

struct ConvCase {
  const char* name;
  int64_t C, K, H, W, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups;
  ActivationType act;
};

Layer convLayer(const ConvCase& c, uint32_t seed, bool bias = true) {
  ConvolutionParams p;
  p.nbOutputMaps = c.K;
  p.kernel = {c.kh, c.kw};
  p.stride = {c.sh, c.sw};
  p.dilation = {c.dh, c.dw};
  p.padBegin = {c.pt, c.pl};
  p.padEnd = {c.pb, c.pr};
  p.groups = c.groups;
  p.weights.values = randomValues(c.K * (c.C / c.groups) * c.kh * c.kw, seed);
  if (bias) p.bias.values = randomValues(c.K, seed + 1);
  p.activation = {c.act, 0.1f, 0.5f};
  return makeLayer(p, 1, c.name);
}

// clang-format off
const ConvCase kConvCases[] = {
    // name                 C   K   H   W  kh kw sh sw dh dw pt pl pb pr  g  act
    {"odd_stride2_pads",    3,  7, 13, 11, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1, ActivationType::kRELU},
    {"dilated",             5,  9, 12, 17, 3, 2, 1, 1, 2, 3, 2, 1, 0, 2, 1, ActivationType::kNONE},
    {"groups",              6,  9, 10,  9, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 3, ActivationType::kLEAKY_RELU},
    {"depthwise",           4,  4,  9,  9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, ActivationType::kCLIP},
    {"stride3_1x1",         8, 13, 11, 19, 1, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, ActivationType::kNONE},
    {"wide_kernel",         2, 11,  7, 30, 1, 7, 1, 1, 1, 1, 0, 3, 0, 3, 1, ActivationType::kSIGMOID},
    {"lenet_conv1",         1, 20, 28, 28, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActivationType::kNONE},
    {"lenet_conv2",        20, 50, 12, 12, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActivationType::kRELU},
    {"tiny_output",         3,  5,  3,  3, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActivationType::kTANH},
    // input rows beyond the ~256 KiB panel budget: several pixel panels per image
    {"multi_panel",        16,  8, 70, 100, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, ActivationType::kRELU},
};
// clang-format on

TEST(CpuAvx2, ConvolutionTilesMatchReference) {
  SKIP_WITHOUT_AVX2();
  ThreadPool pool(2);
  uint32_t seed = 10;
  for (const ConvCase& c : kConvCases) {
    Layer l = convLayer(c, seed);
    for (const char* k : {"conv2d_fp32_igemm_6x16_avx2", "conv2d_fp32_igemm_4x24_avx2"})
      expectMatchesReference(k, "convolution_ref", l, {{0, c.C, c.H, c.W}}, 3, 2, &pool, seed);
    seed += 7;
  }
}

TEST(CpuAvx2, ConvolutionWithoutBiasSingleThreadAndBatchOne) {
  SKIP_WITHOUT_AVX2();
  const ConvCase c = kConvCases[0];
  Layer l = convLayer(c, 99, /*bias=*/false);
  expectMatchesReference("conv2d_fp32_igemm_6x16_avx2", "convolution_ref", l, {{0, c.C, c.H, c.W}},
                         4, 1, nullptr, 5);
  expectMatchesReference("conv2d_fp32_igemm_4x24_avx2", "convolution_ref", l, {{0, c.C, c.H, c.W}},
                         1, 1, nullptr, 6);
}

TEST(CpuAvx2, ConvolutionIsDeterministicAcrossThreadCounts) {
  SKIP_WITHOUT_AVX2();
  const ConvCase c = kConvCases[7];
  Layer l = convLayer(c, 3);
  auto x = randomValues(5 * c.C * c.H * c.W, 8);
  ThreadPool two(2), three(3);
  std::vector<Shape> s{{5, c.C, c.H, c.W}};
  auto a = runKernel("conv2d_fp32_igemm_6x16_avx2", l, s, s, {x}, nullptr);
  auto b = runKernel("conv2d_fp32_igemm_6x16_avx2", l, s, s, {x}, &two);
  auto d = runKernel("conv2d_fp32_igemm_6x16_avx2", l, s, s, {x}, &three);
  EXPECT_TRUE(allNear(b, a, 0));  // each output is computed whole by one thread
  EXPECT_TRUE(allNear(d, a, 0));
}

TEST(CpuAvx2, ConvolutionRejectsWhatItCannotRun) {
  SKIP_WITHOUT_AVX2();
  ConvolutionParams p;
  p.nbOutputMaps = 2;
  p.kernel = {3};
  p.weights.values = randomValues(6, 1);
  Layer l = makeLayer(p, 1);
  KernelSetup s = makeSetup(l, {{1, 1, 9}});
  EXPECT_FALSE(findCpuKernel("conv2d_fp32_igemm_6x16_avx2")->supports(s, cpuFeatures()));  // 1-d
  EXPECT_TRUE(findCpuKernel("convolution_ref")->supports(s, cpuFeatures()));
  CpuFeatures none;
  Layer l2 = convLayer(kConvCases[0], 2);
  KernelSetup s2 = makeSetup(l2, {{1, 3, 13, 11}});
  EXPECT_FALSE(findCpuKernel("conv2d_fp32_igemm_6x16_avx2")->supports(s2, none));
  s2.inputTypes[0] = DataType::kINT8;
  EXPECT_FALSE(findCpuKernel("conv2d_fp32_igemm_6x16_avx2")->supports(s2, cpuFeatures()));
  EXPECT_FALSE(findCpuKernel("convolution_ref")->supports(s2, cpuFeatures()));
}

Layer fcLayer(int64_t C, int64_t K, ActivationType act, uint32_t seed, bool bias = true) {
  FullyConnectedParams p;
  p.nbOutputs = K;
  p.weights.values = randomValues(C * K, seed);
  if (bias) p.bias.values = randomValues(K, seed + 1);
  p.activation = {act, 0.2f, 0.f};
  return makeLayer(p, 1, "fc");
}

TEST(CpuAvx2, FullyConnectedMatchesReferenceAtOddSizes) {
  SKIP_WITHOUT_AVX2();
  ThreadPool pool(2);
  struct FcCase {
    int64_t setupN, runN, C, K;
    ActivationType act;
    bool bias;
  };
  const FcCase cases[] = {{9, 7, 37, 29, ActivationType::kRELU, true},
                          {13, 13, 5, 1, ActivationType::kNONE, false},
                          {2, 1, 64, 100, ActivationType::kLEAKY_RELU, true},
                          {8, 3, 129, 17, ActivationType::kSOFTPLUS, true},
                          {100, 100, 800, 500, ActivationType::kRELU, true},
                          {100, 61, 500, 10, ActivationType::kNONE, true},
                          // deeper than one depth block (1024): partial sums go through y
                          {9, 7, 2500, 37, ActivationType::kRELU, true}};
  uint32_t seed = 40;
  for (const FcCase& c : cases) {
    Layer l = fcLayer(c.C, c.K, c.act, seed, c.bias);
    for (const char* k : {"fc_fp32_gemm_6x16_avx2", "fc_fp32_gemm_4x24_avx2"})
      expectMatchesReference(k, "fully_connected_ref", l, {{0, c.C}}, c.setupN, c.runN, &pool,
                             seed);
    seed += 3;
  }
  // Input [N, C, H, W] is flattened from dim 1 like the reference does.
  Layer l4 = fcLayer(2 * 3 * 3, 11, ActivationType::kNONE, 77);
  expectMatchesReference("fc_fp32_gemm_6x16_avx2", "fully_connected_ref", l4, {{0, 2, 3, 3}}, 5, 4,
                         &pool, 78);
}

PoolingParams pool2x2(PoolingType t, PoolRounding r) {
  PoolingParams p;
  p.type = t;
  p.window = {2, 2};
  p.stride = {2, 2};
  p.rounding = r;
  return p;
}

TEST(CpuAvx2, Pooling2x2MatchesReferenceIncludingCeilEdges) {
  SKIP_WITHOUT_AVX2();
  ThreadPool pool(2);
  uint32_t seed = 60;
  for (PoolingType t : {PoolingType::kMAX, PoolingType::kAVERAGE})
    for (PoolRounding r : {PoolRounding::kFLOOR, PoolRounding::kCEIL})
      for (Shape s :
           {Shape{0, 3, 13, 37}, Shape{0, 20, 24, 24}, Shape{0, 2, 5, 16}, Shape{0, 1, 2, 3}}) {
        PoolingParams p = pool2x2(t, r);
        p.averageExcludesPadding = seed % 2 == 0;
        Layer l = makeLayer(p, 1, "pool");
        expectMatchesReference("pooling2d_fp32_2x2s2_avx2", "pooling_ref", l, {s}, 4, 3, &pool,
                               seed++);
      }
}

TEST(CpuAvx2, GlobalPoolingMatchesReference) {
  SKIP_WITHOUT_AVX2();
  for (PoolingType t : {PoolingType::kMAX, PoolingType::kAVERAGE}) {
    PoolingParams p;
    p.type = t;
    p.global = true;
    Layer l = makeLayer(p, 1, "gpool");
    expectMatchesReference("pooling2d_fp32_global_avx2", "pooling_ref", l, {{0, 5, 7, 9}}, 3, 2,
                           nullptr, 70);
  }
}

TEST(CpuAvx2, PoolingFastPathsDeclineOtherWindows) {
  SKIP_WITHOUT_AVX2();
  PoolingParams p = pool2x2(PoolingType::kMAX, PoolRounding::kFLOOR);
  p.padBegin = {1, 1};
  p.padEnd = {1, 1};
  Layer l = makeLayer(p, 1);
  KernelSetup s = makeSetup(l, {{1, 1, 8, 8}});
  EXPECT_FALSE(findCpuKernel("pooling2d_fp32_2x2s2_avx2")->supports(s, cpuFeatures()));
  EXPECT_FALSE(findCpuKernel("pooling2d_fp32_global_avx2")->supports(s, cpuFeatures()));
  EXPECT_TRUE(findCpuKernel("pooling_ref")->supports(s, cpuFeatures()));
}

TEST(CpuAvx2, ElementWiseSameShapeEveryOpCoeffsAndActivation) {
  SKIP_WITHOUT_AVX2();
  ThreadPool pool(2);
  uint32_t seed = 80;
  for (ElementWiseOp op : {ElementWiseOp::kSUM, ElementWiseOp::kPROD, ElementWiseOp::kMAX,
                           ElementWiseOp::kMIN, ElementWiseOp::kSUB, ElementWiseOp::kDIV}) {
    for (bool coeffs : {false, true}) {
      ElementWiseParams p;
      p.op = op;
      if (coeffs) p.coeffs = {0.5f, -2.f};
      p.activation = {coeffs ? ActivationType::kRELU : ActivationType::kSIGMOID, 0.f, 0.f};
      Layer l = makeLayer(p, 2, "eltwise");
      // 3*5*7*11 = 1155 elements: not a multiple of 8; 40000 crosses several parallel chunks.
      expectMatchesReference("elementwise_fp32_same_shape_avx2", "elementwise_ref", l,
                             {{0, 5, 7, 11}, {0, 5, 7, 11}}, 4, 3, &pool, seed);
      expectMatchesReference("elementwise_fp32_same_shape_avx2", "elementwise_ref", l,
                             {{0, 40000}, {0, 40000}}, 1, 1, &pool, seed + 1);
      seed += 2;
    }
  }
}

TEST(CpuAvx2, ElementWiseDeclinesBroadcastAndPow) {
  SKIP_WITHOUT_AVX2();
  ElementWiseParams p;
  Layer l = makeLayer(p, 2);
  EXPECT_FALSE(findCpuKernel("elementwise_fp32_same_shape_avx2")
                   ->supports(makeSetup(l, {{2, 3}, {1, 3}}), cpuFeatures()));
  p.op = ElementWiseOp::kPOW;
  Layer lp = makeLayer(p, 2);
  EXPECT_FALSE(findCpuKernel("elementwise_fp32_same_shape_avx2")
                   ->supports(makeSetup(lp, {{2, 3}, {2, 3}}), cpuFeatures()));
}

TEST(CpuAvx2, ElementWiseFallsBackToReferenceWhenRunShapesBroadcast) {
  SKIP_WITHOUT_AVX2();
  ElementWiseParams p;
  p.op = ElementWiseOp::kSUB;
  Layer l = makeLayer(p, 2);
  auto a = randomValues(6, 1), b = randomValues(3, 2);
  // Same shapes at setup, a broadcast operand at run time.
  auto got = runKernel("elementwise_fp32_same_shape_avx2", l, {{2, 3}, {2, 3}}, {{2, 3}, {1, 3}},
                       {a, b});
  std::vector<float> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) want.push_back(a[i * 3 + j] - b[j]);
  EXPECT_TRUE(allNear(got, want, 0));
}

TEST(CpuAvx2, ActivationVectorFormsMatchReference) {
  SKIP_WITHOUT_AVX2();
  ThreadPool pool(2);
  const Activation acts[] = {
      {ActivationType::kRELU, 0, 0},         {ActivationType::kLEAKY_RELU, 0.3f, 0},
      {ActivationType::kCLIP, -0.5f, 0.25f}, {ActivationType::kHARD_SIGMOID, 0.2f, 0.5f},
      {ActivationType::kHARD_SWISH, 0, 0},   {ActivationType::kABS, 0, 0},
      {ActivationType::kNEG, 0, 0},          {ActivationType::kSOFTSIGN, 0, 0}};
  uint32_t seed = 100;
  for (const Activation& a : acts) {
    ActivationParams p;
    p.activation = a;
    Layer l = makeLayer(p, 1, activationName(a.type));
    expectMatchesReference("activation_fp32_avx2", "activation_ref", l, {{0, 3, 7, 5}}, 2, 1, &pool,
                           seed++);
    expectMatchesReference("activation_fp32_avx2", "activation_ref", l, {{0, 50001}}, 1, 1, &pool,
                           seed++);
  }
  ActivationParams tanh;
  tanh.activation.type = ActivationType::kTANH;
  Layer lt = makeLayer(tanh, 1);
  EXPECT_FALSE(
      findCpuKernel("activation_fp32_avx2")->supports(makeSetup(lt, {{4}}), cpuFeatures()));
}

}  // namespace
}  // namespace int8rt::cpu::test

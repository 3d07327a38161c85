// CUDA pooling (FP32, FP16, INT8) against pooling_ref / pooling_int8_ref: LeNet's 2x2 stride-2
// max pools, odd channel counts and spatial sizes, padding, ceil rounding, both average divisor
// rules, dilation, 1-D pooling, global pooling; the run batch below the setup batch.
// Tolerances: FP32 1e-4 relative (the window and 2x2 paths are bit-exact by construction; the
// global path sums in tree order, hence the 1e-6 absolute term); FP16 1e-2 relative + 1e-3
// absolute; INT8 at most 1 LSB, the number of off-by-one elements printed (expected 0).
#include <cstdio>

#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

using cpu::test::makeLayer;
using cpu::test::makeSetup;

struct PoolCase {
  const char* what;
  Shape setupShape;
  int64_t runBatch;
  PoolingParams p;
};

PoolingParams pool(PoolingType t, Shape window, Shape stride, Shape padBegin = {},
                   Shape padEnd = {}, PoolRounding r = PoolRounding::kFLOOR,
                   bool excludePad = true, Shape dilation = {}) {
  PoolingParams p;
  p.type = t;
  p.window = std::move(window);
  p.stride = std::move(stride);
  p.padBegin = std::move(padBegin);
  p.padEnd = std::move(padEnd);
  p.rounding = r;
  p.averageExcludesPadding = excludePad;
  p.dilation = std::move(dilation);
  return p;
}

PoolingParams globalPool(PoolingType t) {
  PoolingParams p;
  p.type = t;
  p.global = true;
  return p;
}

std::vector<PoolCase> cases() {
  const auto kMax = PoolingType::kMAX, kAvg = PoolingType::kAVERAGE;
  const auto kCeil = PoolRounding::kCEIL;
  return {
      {"lenet pool1", {100, 20, 24, 24}, 100, pool(kMax, {2, 2}, {2, 2})},
      {"lenet pool1 small batch", {100, 20, 24, 24}, 7, pool(kMax, {2, 2}, {2, 2})},
      {"lenet pool2", {100, 50, 8, 8}, 33, pool(kMax, {2, 2}, {2, 2})},
      {"avg 2x2s2 odd sizes", {4, 13, 9, 11}, 3, pool(kAvg, {2, 2}, {2, 2})},
      {"avg 2x2s2 rows of 10 (pairs)", {3, 7, 6, 10}, 2, pool(kAvg, {2, 2}, {2, 2})},
      {"max 2x2s2 ceil odd", {4, 7, 9, 11}, 3, pool(kMax, {2, 2}, {2, 2}, {}, {}, kCeil)},
      {"avg 2x2s2 ceil odd", {4, 7, 9, 11}, 3, pool(kAvg, {2, 2}, {2, 2}, {}, {}, kCeil, false)},
      {"max 3x3s2 pad1 ceil", {3, 7, 13, 11}, 2,
       pool(kMax, {3, 3}, {2, 2}, {1, 1}, {1, 1}, kCeil)},
      {"avg 3x3s2 pad1 ceil excl", {3, 33, 13, 13}, 2,
       pool(kAvg, {3, 3}, {2, 2}, {1, 1}, {1, 1}, kCeil, true)},
      {"avg 3x3s2 pad1 ceil incl", {3, 33, 13, 13}, 2,
       pool(kAvg, {3, 3}, {2, 2}, {1, 1}, {1, 1}, kCeil, false)},
      {"avg 5x5s1 pad2", {2, 13, 7, 9}, 1, pool(kAvg, {5, 5}, {1, 1}, {2, 2}, {2, 2})},
      {"max asym pad dilation", {3, 7, 15, 12}, 2,
       pool(kMax, {3, 2}, {1, 2}, {0, 1}, {2, 0}, PoolRounding::kFLOOR, true, {2, 1})},
      {"avg asym pad dilation incl", {3, 7, 15, 12}, 2,
       pool(kAvg, {3, 2}, {1, 2}, {0, 1}, {2, 0}, kCeil, false, {2, 1})},
      {"max 1d", {4, 7, 17}, 3, pool(kMax, {3}, {2}, {1}, {1})},
      {"avg 1d", {4, 7, 17}, 3, pool(kAvg, {4}, {3}, {}, {}, kCeil)},
      {"global avg", {5, 33, 7, 7}, 4, globalPool(kAvg)},
      {"global max", {5, 33, 7, 7}, 4, globalPool(kMax)},
      {"global avg large plane", {2, 7, 56, 56}, 1, globalPool(kAvg)},
      {"window = whole input", {3, 13, 5, 6}, 2, pool(kAvg, {5, 6}, {1, 1})},
  };
}

Shape withBatch(Shape s, int64_t n) {
  s[0] = n;
  return s;
}

void runFloatCase(const PoolCase& c, DataType type, uint32_t seed) {
  SCOPED_TRACE(std::string(c.what) + (type == DataType::kHALF ? " fp16" : " fp32"));
  Layer layer = makeLayer(c.p, 1, c.what);
  KernelSetup setup = makeSetup(layer, {c.setupShape});
  setup.inputTypes = {type};
  setup.outputTypes = {type};
  HostTensor x = randomTensor(withBatch(c.setupShape, c.runBatch), type, seed);
  const char* name = type == DataType::kHALF ? "cuda_pooling2d_fp16" : "cuda_pooling2d_fp32";
  auto got = runCuda(name, "", setup, {x});
  auto want = runCpu("pooling_ref", setup, {x});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got[0].shape, want[0].shape);
  if (type == DataType::kHALF)
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-3f, 1e-2f));
  else
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-6f, 1e-4f));
}

TEST(CudaPooling, Fp32MatchesReference) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 1;
  for (const PoolCase& c : cases()) runFloatCase(c, DataType::kFLOAT, seed++);
}

TEST(CudaPooling, Fp16MatchesReference) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 100;
  for (const PoolCase& c : cases()) runFloatCase(c, DataType::kHALF, seed++);
}

// INT8 output at the input's scale, at another scale, and FP32 output.
TEST(CudaPooling, Int8MatchesReferenceWithinOneLsb) {
  I8RT_REQUIRE_GPU();
  uint32_t seed = 200;
  struct OutMode {
    const char* what;
    DataType type;
    float scale;
  };
  const OutMode modes[] = {{"int8 same scale", DataType::kINT8, 0.02f},
                           {"int8 rescaled", DataType::kINT8, 0.0317f},
                           {"fp32 out", DataType::kFLOAT, 0.f}};
  for (const PoolCase& c : cases())
    for (const OutMode& m : modes) {
      SCOPED_TRACE(std::string(c.what) + " " + m.what);
      Layer layer = makeLayer(c.p, 1, c.what);
      KernelSetup setup = makeSetup(layer, {c.setupShape});
      setup.inputTypes = {DataType::kINT8};
      setup.inputScales = {0.02f};
      setup.outputTypes = {m.type};
      setup.outputScales = {m.scale};
      HostTensor x = randomTensor(withBatch(c.setupShape, c.runBatch), DataType::kINT8, seed++);
      auto got = runCuda("cuda_pooling2d_int8", "", setup, {x});
      auto want = runCpu("pooling_int8_ref", setup, {x});
      ASSERT_EQ(got.size(), 1u);
      ASSERT_EQ(want.size(), 1u);
      ASSERT_EQ(got[0].shape, want[0].shape);
      const std::vector<float> g = got[0].values(), w = want[0].values();
      if (m.type == DataType::kFLOAT) {
        EXPECT_TRUE(allNear(g, w, 1e-6f, 1e-6f));
        continue;
      }
      int offByOne = 0;
      for (size_t i = 0; i < g.size(); ++i) offByOne += g[i] != w[i];
      std::printf("[int8 pooling] %s, %s: %d of %zu outputs differ by 1 LSB\n", c.what, m.what,
                  offByOne, g.size());
      EXPECT_TRUE(allNear(g, w, 1.f));
    }
}

TEST(CudaPooling, SupportsRefusesWrongTypesAndRanks) {
  I8RT_REQUIRE_GPU();
  const DeviceInfo& d = currentDevice();
  const Candidate* f32 = findKernel("cuda_pooling2d_fp32");
  const Candidate* f16 = findKernel("cuda_pooling2d_fp16");
  const Candidate* i8 = findKernel("cuda_pooling2d_int8");
  ASSERT_TRUE(f32 && f16 && i8);
  Layer layer = makeLayer(pool(PoolingType::kMAX, {2, 2}, {2, 2}), 1);
  KernelSetup s = makeSetup(layer, {{2, 3, 8, 8}});
  EXPECT_TRUE(f32->supports(s, d));
  EXPECT_FALSE(f16->supports(s, d));
  EXPECT_FALSE(i8->supports(s, d));  // FP32 input
  KernelSetup h = s;
  h.inputTypes = h.outputTypes = {DataType::kHALF};
  EXPECT_TRUE(f16->supports(h, d));
  EXPECT_FALSE(f32->supports(h, d));
  KernelSetup q = s;
  q.inputTypes = q.outputTypes = {DataType::kINT8};
  q.inputScales = q.outputScales = {0.1f};
  EXPECT_TRUE(i8->supports(q, d));
  EXPECT_FALSE(f32->supports(q, d));
  q.inputScales = {0.f};  // no INT8 representation
  EXPECT_FALSE(i8->supports(q, d));
  q.inputScales = {0.1f};
  q.outputTypes = {DataType::kHALF};
  EXPECT_FALSE(i8->supports(q, d));
  Layer pool3d = makeLayer(pool(PoolingType::kMAX, {2, 2, 2}, {2, 2, 2}), 1);
  EXPECT_FALSE(f32->supports(makeSetup(pool3d, {{2, 3, 4, 4, 4}}), d));
  Layer act = makeLayer(ActivationParams{}, 1);
  EXPECT_FALSE(f32->supports(makeSetup(act, {{2, 3, 4, 4}}), d));
  EXPECT_THROW(f32->create(s, "bogus"), Error);
}

}  // namespace
}  // namespace int8rt::cuda::test

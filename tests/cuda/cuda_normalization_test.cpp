// CUDA softmax / log-softmax and LRN (FP32, FP16) against softmax_ref and lrn_ref: LeNet's
// 10-class softmax at batch 100, every row-length path (group sizes 4..32, registers up to 1024,
// the block kernel beyond), softmax over channels of NCHW data (column kernel), negative and
// batch axes, coerce2D; LRN windows of odd and even size over 7, 13, 33 channels.
// Tolerances: FP32 1e-4 relative + 1e-6 absolute (expf / logf / powf against the CPU's double
// sums and glibc; log-softmax adds 1e-5 absolute: its outputs cross zero); FP16 1e-2 relative
// + 1e-3 absolute.
#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

using cpu::test::makeLayer;
using cpu::test::makeSetup;

void expectMatch(const char* cudaName, const char* cpuName, const Layer& layer,
                 const Shape& setupShape, int64_t runBatch, DataType type, uint32_t seed,
                 float scale, float extraAtol = 0.f) {
  KernelSetup setup = makeSetup(layer, {setupShape});
  setup.inputTypes = setup.outputTypes = {type};
  Shape run = setupShape;
  run[0] = runBatch;
  HostTensor x = randomTensor(run, type, seed, scale);
  auto got = runCuda(cudaName, "", setup, {x});
  auto want = runCpu(cpuName, setup, {x});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got[0].shape, want[0].shape);
  if (type == DataType::kHALF)
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-3f + extraAtol, 1e-2f));
  else
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-6f + extraAtol, 1e-4f));
}

class CudaNormalization : public ::testing::TestWithParam<DataType> {};

TEST_P(CudaNormalization, SoftMaxMatchesReference) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  const char* name = type == DataType::kHALF ? "cuda_softmax_fp16" : "cuda_softmax_fp32";
  struct Case {
    Shape shape;
    int64_t runBatch;
    int axis;
    bool coerce2D;
  };
  const Case cases[] = {
      {{100, 10}, 100, 1, false},        // LeNet
      {{100, 10}, 37, 1, false},
      {{100, 10, 1, 1}, 100, 1, true},   // LeNet through ONNX opset < 13
      {{7, 3}, 5, -1, false},            // group of 4
      {{7, 7}, 5, 1, false},             // group of 8
      {{7, 13}, 5, 1, false},            // group of 16
      {{7, 33}, 5, 1, false},            // 32 lanes x 2
      {{5, 100}, 3, 1, false},           // 32 x 4
      {{5, 255}, 3, 1, false},           // 32 x 8
      {{5, 333}, 3, 1, false},           // 32 x 16
      {{3, 1000}, 2, 1, false},          // 32 x 32
      {{3, 3001}, 2, -1, false},         // block per row
      {{4, 13, 5, 7}, 3, 1, false},      // over channels: columns
      {{4, 13, 5, 7}, 3, 2, false},      // columns, inner 7
      {{4, 13, 5, 7}, 3, -1, false},     // rows of 7
      {{4, 13, 5, 7}, 3, 1, true},       // rows of 455
      {{6, 33}, 4, 0, false},            // over the batch: columns, len = run batch
      {{6, 4, 5}, 4, 0, true},           // whole run as one row of 80: re-planned per run
  };
  uint32_t seed = 1;
  for (bool log : {false, true})
    for (const Case& c : cases) {
      SCOPED_TRACE(shapeToString(c.shape) + " axis " + std::to_string(c.axis) +
                   (c.coerce2D ? " coerce2D" : "") + (log ? " log" : ""));
      SoftMaxParams p;
      p.axis = c.axis;
      p.coerce2D = c.coerce2D;
      p.log = log;
      Layer layer = makeLayer(p, 1, "softmax");
      expectMatch(name, "softmax_ref", layer, c.shape, c.runBatch, type, seed++, 4.f,
                  log ? 1e-5f : 0.f);
    }
}

TEST_P(CudaNormalization, LrnMatchesReference) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  const char* name =
      type == DataType::kHALF ? "cuda_lrn_across_channels_fp16" : "cuda_lrn_across_channels_fp32";
  struct Case {
    Shape shape;
    LRNParams p;
  };
  const Case cases[] = {
      {{4, 33, 5, 7}, {5, 1e-4f, 0.75f, 1.f}},  // AlexNet's
      {{4, 13, 5, 7}, {5, 0.5f, 0.75f, 2.f}},   // strong normalisation
      {{4, 7, 9}, {3, 0.9f, 0.5f, 1.f}},
      {{4, 13, 3, 3}, {4, 0.7f, 0.6f, 1.5f}},   // even size: one more channel after
      {{4, 7, 2, 2}, {11, 1.f, 0.75f, 1.f}},    // window wider than the channels
  };
  uint32_t seed = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(shapeToString(c.shape) + " size " + std::to_string(c.p.size));
    Layer layer = makeLayer(c.p, 1, "lrn");
    expectMatch(name, "lrn_ref", layer, c.shape, 3, type, seed++, 2.f);
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaNormalization,
                         ::testing::Values(DataType::kFLOAT, DataType::kHALF),
                         [](const auto& info) {
                           return std::string(info.param == DataType::kHALF ? "Fp16" : "Fp32");
                         });

TEST(CudaNormalizationSupports, RefusesWrongTypesAndAxes) {
  I8RT_REQUIRE_GPU();
  const DeviceInfo& d = currentDevice();
  const Candidate* sm32 = findKernel("cuda_softmax_fp32");
  const Candidate* sm16 = findKernel("cuda_softmax_fp16");
  const Candidate* lrn32 = findKernel("cuda_lrn_across_channels_fp32");
  ASSERT_TRUE(sm32 && sm16 && lrn32);
  SoftMaxParams p;
  p.axis = 1;
  Layer sm = makeLayer(p, 1);
  KernelSetup s = makeSetup(sm, {{4, 10}});
  EXPECT_TRUE(sm32->supports(s, d));
  EXPECT_FALSE(sm16->supports(s, d));
  s.inputTypes = {DataType::kINT8};
  EXPECT_FALSE(sm32->supports(s, d));
  p.axis = 2;
  Layer bad = makeLayer(p, 1);
  KernelSetup b = makeSetup(sm, {{4, 10}});
  b.layer = &bad;  // axis 2 of a rank-2 tensor
  EXPECT_FALSE(sm32->supports(b, d));
  Layer lrn = makeLayer(LRNParams{}, 1);
  KernelSetup l = makeSetup(lrn, {{4, 3}});
  EXPECT_TRUE(lrn32->supports(l, d));
  l.inputShapes = l.outputShapes = {{4}};  // no channel dim
  EXPECT_FALSE(lrn32->supports(l, d));
  EXPECT_FALSE(lrn32->supports(s, d));  // a softmax layer
}

}  // namespace
}  // namespace int8rt::cuda::test

// Host-only logic of the cuDNN convolution candidates, no GPU needed: the configuration string
// (round trip, strict rejection naming the layer) and which paddings cuDNN's symmetric padding
// computes exactly as the layer does.
#ifdef INT8RT_HAVE_CUDNN_HEADERS
#include <gtest/gtest.h>

#include "backends/cuda/cudnn/cudnn_config.h"
#include "backends/cuda/cudnn/cudnn_conv_shape.h"
#include "core/error.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda {
namespace {

TEST(CudnnConfig, RoundTripsEveryAlgorithmAndMath) {
  for (int algo = 0; algo < kCudnnFwdAlgoCount; ++algo)
    for (CudnnMath m : {CudnnMath::kFma, CudnnMath::kTensor}) {
      const CudnnConvConfig c{algo, m};
      const std::string s = formatCudnnConvConfig(c);
      EXPECT_TRUE(parseCudnnConvConfig(s, "conv") == c) << s;
    }
  EXPECT_EQ(formatCudnnConvConfig({1, CudnnMath::kTensor}), "algo=1,math=tensor");
  EXPECT_EQ(formatCudnnConvConfig({6, CudnnMath::kFma}), "algo=6,math=fma");
}

TEST(CudnnConfig, RejectsGarbageNamingTheLayer) {
  const char* bad[] = {"",           "garbage",          "algo=",          "algo=8,math=fma",
                       "algo=10,math=fma", "algo=-1,math=fma", "algo=01,math=fma", "algo=1",
                       "algo=1,",    "algo=1,math=",     "algo=1,math=tf32", "algo=1,math=fma,",
                       "algo=1,math=fma ", "math=fma,algo=1", " algo=1,math=fma", "algo=1;math=fma",
                       "algo=+1,math=fma", "algo=1,math=default"};
  for (const char* s : bad) {
    try {
      parseCudnnConvConfig(s, "/conv1/Conv");
      ADD_FAILURE() << "accepted '" << s << "'";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("layer '/conv1/Conv'"), std::string::npos) << m;
      EXPECT_NE(m.find("cuDNN"), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
}

KernelSetup convSetup(Layer& layer, Shape x, Shape pb, Shape pe, Shape stride, Shape dil) {
  ConvolutionParams p;
  p.nbOutputMaps = 4;
  p.kernel = {3, 3};
  p.padBegin = std::move(pb);
  p.padEnd = std::move(pe);
  p.stride = std::move(stride);
  p.dilation = std::move(dil);
  p.weights.values = cpu::test::randomValues(4 * x[1] * 9, 1);
  layer = cpu::test::makeLayer(std::move(p), 1, "conv");
  KernelSetup s = cpu::test::makeSetup(layer, {x});
  s.inputTypes = {DataType::kFLOAT};
  s.outputTypes = {DataType::kFLOAT};
  return s;
}

TEST(CudnnConvShape, SymmetricPaddingOnlyWhereTheOutputSizeAgrees) {
  Layer l;
  // Symmetric: always.
  EXPECT_TRUE(cudnnPaddingFits(convSetup(l, {2, 3, 14, 15}, {1, 1}, {1, 1}, {}, {})));
  // End pad 0 instead of 1 with stride 2 on an even size: same 7 rows either way.
  EXPECT_TRUE(cudnnPaddingFits(convSetup(l, {2, 3, 14, 15}, {1, 1}, {0, 1}, {2, 2}, {})));
  // End pad 2 instead of 0: one more output row than cuDNN computes.
  EXPECT_FALSE(cudnnPaddingFits(convSetup(l, {2, 3, 14, 14}, {0, 0}, {2, 2}, {2, 2}, {})));
  // End pad 0 instead of 1 at stride 1: one row fewer.
  EXPECT_FALSE(cudnnPaddingFits(convSetup(l, {2, 3, 9, 9}, {1, 1}, {0, 1}, {}, {})));
  const CudnnConvShape s = cudnnConvShape(convSetup(l, {2, 3, 14, 15}, {1, 1}, {0, 1}, {2, 2}, {2, 1}));
  EXPECT_EQ(s.n, 2);
  EXPECT_EQ(s.c, 3);
  EXPECT_EQ(s.k, 4);
  EXPECT_EQ(s.padH, 1);
  EXPECT_EQ(s.strideW, 2);
  EXPECT_EQ(s.dilationH, 2);
  EXPECT_EQ(s.dilationW, 1);
  EXPECT_THROW(cudnnConvShape(convSetup(l, {2, 3, 14, 14}, {0, 0}, {2, 2}, {2, 2}, {})), Error);
}

}  // namespace
}  // namespace int8rt::cuda
#endif  // INT8RT_HAVE_CUDNN_HEADERS

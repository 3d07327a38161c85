// The reference convolutions with a fused max pool (ConvolutionParams::fusedMaxPool) are the
// oracle of every fused kernel: each must equal the reference convolution followed by the
// reference max pooling, FP32 and INT8 (INT8 and FP32 outputs), at a batch below the setup's.
// The fast CPU convolutions refuse the fused layer.
#include <gtest/gtest.h>

#include "cpu_kernel_test_util.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

struct Case {
  Shape input;  // setup shape (batch 3; runs use batch 2)
  int64_t k;
  Shape kernel, stride, padBegin, padEnd, window;
  ActivationType act;
};

const Case kCases[] = {
    {{3, 1, 28, 28}, 20, {5, 5}, {}, {}, {}, {2, 2}, ActivationType::kNONE},       // LeNet conv1
    {{3, 7, 13, 11}, 13, {3, 3}, {1, 1}, {1, 0}, {1, 2}, {3, 2}, ActivationType::kRELU},
    {{3, 5, 9, 9}, 33, {1, 1}, {2, 2}, {0, 0}, {0, 0}, {2, 1}, ActivationType::kTANH},  // odd dims
};

ConvolutionParams convParams(const Case& c, int64_t inC, uint32_t seed) {
  ConvolutionParams p;
  p.nbOutputMaps = c.k;
  p.kernel = c.kernel;
  p.stride = c.stride;
  p.padBegin = c.padBegin;
  p.padEnd = c.padEnd;
  p.weights = Weights{test::randomValues(c.k * inC * c.kernel[0] * c.kernel[1], seed, 0.3f)};
  p.bias = Weights{test::randomValues(c.k, seed + 1)};
  p.activation.type = c.act;
  return p;
}

PoolingParams poolParams(const Shape& window) {
  PoolingParams p;
  p.window = p.stride = window;
  p.padBegin.assign(window.size(), 0);
  p.padEnd.assign(window.size(), 0);
  return p;
}

TEST(FusedMaxPoolRef, Fp32EqualsConvolutionThenPooling) {
  for (const Case& c : kCases) {
    ConvolutionParams cp = convParams(c, c.input[1], 11);
    Layer conv = test::makeLayer(cp, 1, "conv");
    cp.fusedMaxPool = c.window;
    Layer fused = test::makeLayer(cp, 1, "conv + pool");
    Layer pool = test::makeLayer(poolParams(c.window), 1, "pool");
    Shape run = test::withBatch(c.input, 2);
    auto x = test::randomValues(test::count(run), 5);
    Shape zShape;
    auto z = test::runKernel("convolution_ref", conv, {c.input}, {run}, {x}, nullptr, &zShape);
    Shape zSetup = inferLayerShapes(conv, {c.input}).at(0);
    auto expected = test::runKernel("pooling_ref", pool, {zSetup}, {zShape}, {z});
    auto actual = test::runKernel("convolution_ref", fused, {c.input}, {run}, {x});
    ASSERT_EQ(actual.size(), expected.size());
    EXPECT_EQ(actual, expected) << shapeToString(c.input);  // the same float operations
  }
}

TEST(FusedMaxPoolRef, Int8EqualsConvolutionThenPooling) {
  using namespace int8test;
  for (const Case& c : kCases) {
    for (float outScale : {0.05f, 0.f}) {  // INT8 output, FP32 output
      ConvolutionParams cp = convParams(c, c.input[1], 21);
      Layer conv = makeLayer(cp, 1, "conv");
      cp.fusedMaxPool = c.window;
      Layer fused = makeLayer(cp, 1, "conv + pool");
      Layer pool = makeLayer(poolParams(c.window), 1, "pool");
      Shape run = withBatch(c.input, 2);
      Tensor8 x = int8Tensor(run, randomInt8(count(run), 9));
      KernelSetup convSetup = makeSetup(conv, {c.input}, {0.02f}, outScale);
      Tensor8 z = runInt8Kernel("convolution_int8_ref", convSetup, {x});
      Tensor8 expected;
      if (outScale > 0) {
        KernelSetup poolSetup = makeSetup(pool, {convSetup.outputShapes[0]}, {outScale}, outScale);
        expected = runInt8Kernel("pooling_int8_ref", poolSetup, {z});
      } else {
        auto y = test::runKernel("pooling_ref", pool, {convSetup.outputShapes[0]}, {z.shape},
                                 {z.asFloat()});
        expected = floatTensor(inferLayerShapes(pool, {z.shape}).at(0), y);
      }
      KernelSetup fusedSetup = makeSetup(fused, {c.input}, {0.02f}, outScale);
      Tensor8 actual = runInt8Kernel("convolution_int8_ref", fusedSetup, {x});
      EXPECT_EQ(actual.shape, expected.shape);
      EXPECT_TRUE(sameBytes(actual, expected)) << shapeToString(c.input) << " out scale " << outScale;
    }
  }
}

TEST(FusedMaxPoolRef, FastCpuConvolutionsRefuseIt) {
  const Case& c = kCases[0];
  ConvolutionParams cp = convParams(c, 1, 3);
  cp.fusedMaxPool = c.window;
  Layer fused = test::makeLayer(cp, 1, "fused");
  KernelSetup f32 = test::makeSetup(fused, {c.input});
  KernelSetup i8 = int8test::makeSetup(fused, {c.input}, {0.02f}, 0.05f);
  for (const KernelCandidate& k : cpuKernelRegistry()) {
    if (k.kind != LayerKind::kCONVOLUTION) continue;
    bool isRef = std::string(k.name).ends_with("_ref");
    const KernelSetup& s = k.precision == DataType::kINT8 ? i8 : f32;
    EXPECT_EQ(k.supports(s, cpuFeatures()), isRef) << k.name;
  }
}

}  // namespace
}  // namespace int8rt::cpu

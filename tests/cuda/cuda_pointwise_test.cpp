// CUDA activation, elementwise, scale and PReLU (FP32, FP16) against their CPU references:
// every activation type, every elementwise op over numpy broadcast shapes (with Caffe
// coefficients and fused activations), every scale mode with and without each weight array,
// PReLU slope shapes; odd sizes (7, 13, 33 channels, element counts not a multiple of 4), the
// run batch below the setup batch.
// Tolerances: FP32 1e-4 relative + 1e-6 absolute (the transcendentals: expf, tanhf, log1pf,
// powf differ from glibc by a few ulps; the rest is bit-exact by construction); FP16 1e-2
// relative + 1e-3 absolute.
#include <cmath>

#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

using cpu::test::makeLayer;
using cpu::test::makeSetup;

const char* suffix(DataType t) { return t == DataType::kHALF ? "_fp16" : "_fp32"; }

// Shape s with its batch (dim 0) set to runBatch where it equals the setup batch.
Shape runShape(Shape s, int64_t setupBatch, int64_t runBatch) {
  if (!s.empty() && s[0] == setupBatch) s[0] = runBatch;
  return s;
}

HostTensor positive(HostTensor t) {
  std::vector<float> v = t.values();
  for (float& x : v) x = std::fabs(x);
  t.setValues(v);
  return t;
}

// Runs cuda_<base><suffix> and the CPU oracle on `inputs` (run shapes) for `setupShapes`.
void expectMatch(const std::string& base, const char* cpuName, const Layer& layer,
                 const std::vector<Shape>& setupShapes, const std::vector<HostTensor>& inputs,
                 DataType type) {
  KernelSetup setup = makeSetup(layer, setupShapes);
  for (DataType& t : setup.inputTypes) t = type;
  for (DataType& t : setup.outputTypes) t = type;
  auto got = runCuda(base + suffix(type), "", setup, inputs);
  auto want = runCpu(cpuName, setup, inputs);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got[0].shape, want[0].shape);
  if (type == DataType::kHALF)
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-3f, 1e-2f));
  else
    EXPECT_TRUE(allNear(got[0].values(), want[0].values(), 1e-6f, 1e-4f));
}

Activation activationOf(ActivationType t) {
  Activation a;
  a.type = t;
  switch (t) {
    case ActivationType::kLEAKY_RELU: a.alpha = 0.1f; break;
    case ActivationType::kCLIP: a.alpha = -0.5f, a.beta = 0.6f; break;
    case ActivationType::kHARD_SIGMOID: a.alpha = 0.2f, a.beta = 0.5f; break;
    case ActivationType::kELU: a.alpha = 1.3f; break;
    case ActivationType::kSELU: a.alpha = 1.6732632f, a.beta = 1.0507010f; break;
    default: break;
  }
  return a;
}

class CudaPointwise : public ::testing::TestWithParam<DataType> {};

TEST_P(CudaPointwise, EveryActivationMatchesReference) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  uint32_t seed = 1;
  // [3,13,5,7]: 1365 elements (scalar path); [3,33,4,4]: 1584 (vector path).
  for (Shape setupShape : {Shape{8, 13, 5, 7}, Shape{8, 33, 4, 4}})
    for (int t = 0; t < static_cast<int>(ActivationType::kCOUNT); ++t) {
      const auto at = static_cast<ActivationType>(t);
      SCOPED_TRACE(std::string(activationName(at)) + " on " + shapeToString(setupShape));
      Layer layer = makeLayer(ActivationParams{activationOf(at)}, 1, activationName(at));
      HostTensor x = randomTensor(runShape(setupShape, 8, 3), type, seed++, 3.f);
      if (at == ActivationType::kSQRT) x = positive(x);
      expectMatch("cuda_activation", "activation_ref", layer, {setupShape}, {x}, type);
    }
}

TEST_P(CudaPointwise, EveryElementWiseOpOverBroadcastShapes) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{6, 13, 5, 7}, {6, 13, 5, 7}},  // same shape, odd count
      {{6, 33, 4, 4}, {6, 33, 4, 4}},  // same shape, vector path
      {{6, 13, 5, 7}, {1, 13, 1, 1}},  // per channel
      {{6, 13, 5, 7}, {13, 1, 1}},     // per channel, lower rank
      {{6, 13, 5, 7}, {7}},            // last dim
      {{6, 33, 4, 4}, {1}},            // scalar
      {{1}, {6, 13, 5, 7}},            // scalar first
      {{6, 1, 5, 1}, {1, 13, 1, 7}},   // both broadcast
      {{6, 33}, {6, 1}},               // per row
      {{6, 7, 3, 2, 5}, {7, 1, 2, 1}}, // rank 5
  };
  uint32_t seed = 50;
  for (int op = 0; op <= static_cast<int>(ElementWiseOp::kPOW); ++op)
    for (const auto& [sa, sb] : shapes) {
      ElementWiseParams p;
      p.op = static_cast<ElementWiseOp>(op);
      SCOPED_TRACE("op " + std::to_string(op) + " " + shapeToString(sa) + " x " + shapeToString(sb));
      Layer layer = makeLayer(p, 2, "eltwise");
      HostTensor a = randomTensor(runShape(sa, 6, 2), type, seed++);
      HostTensor b = randomTensor(runShape(sb, 6, 2), type, seed++);
      if (p.op == ElementWiseOp::kPOW) a = positive(a);
      expectMatch("cuda_elementwise_broadcast", "elementwise_ref", layer, {sa, sb}, {a, b}, type);
    }
}

TEST_P(CudaPointwise, ElementWiseCoefficientsAndFusedActivations) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  uint32_t seed = 300;
  for (auto act : {ActivationType::kRELU, ActivationType::kSIGMOID, ActivationType::kCLIP})
    for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{
             {{5, 7, 3, 3}, {5, 7, 3, 3}}, {{5, 7, 3, 3}, {1, 7, 1, 1}}}) {
      ElementWiseParams p;
      p.op = ElementWiseOp::kSUM;
      p.coeffs = {0.5f, -2.f};
      p.activation = activationOf(act);
      Layer layer = makeLayer(p, 2, "eltwise");
      HostTensor a = randomTensor(runShape(sa, 5, 4), type, seed++);
      HostTensor b = randomTensor(runShape(sb, 5, 4), type, seed++);
      expectMatch("cuda_elementwise_broadcast", "elementwise_ref", layer, {sa, sb}, {a, b}, type);
    }
}

TEST_P(CudaPointwise, ScaleEveryModeAndWeightSet) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  uint32_t seed = 400;
  auto weights = [&](int64_t n, float base, bool integral) {
    Weights w;
    std::vector<float> r = cpu::test::randomValues(n, seed++);
    for (int64_t i = 0; i < n; ++i)
      w.values.push_back(integral ? static_cast<float>(1 + i % 3) : base + r[i]);
    return w;
  };
  for (ScaleMode mode : {ScaleMode::kUNIFORM, ScaleMode::kCHANNEL, ScaleMode::kELEMENTWISE})
    for (Shape shape : {Shape{5, 13, 3, 5}, Shape{5, 33}})
      for (int mask = 1; mask < 8; ++mask) {  // which of scale, shift, power are present
        const int64_t n = mode == ScaleMode::kUNIFORM ? 1
                          : mode == ScaleMode::kCHANNEL ? shape[1]
                                                        : count(shape) / shape[0];
        ScaleParams p;
        p.mode = mode;
        if (mask & 1) p.scale = weights(n, 0.f, false);
        if (mask & 2) p.shift = weights(n, 0.f, false);
        if (mask & 4) p.power = weights(n, 0.f, true);  // 1, 2, 3: 1 takes the no-pow path
        if (mask == 7) p.activation = activationOf(ActivationType::kLEAKY_RELU);
        SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)) + " mask " +
                     std::to_string(mask) + " " + shapeToString(shape));
        Layer layer = makeLayer(p, 1, "scale");
        HostTensor x = randomTensor(runShape(shape, 5, 3), type, seed++);
        expectMatch("cuda_scale", "scale_ref", layer, {shape}, {x}, type);
      }
}

TEST_P(CudaPointwise, PReLUSlopeShapes) {
  I8RT_REQUIRE_GPU();
  const DataType type = GetParam();
  uint32_t seed = 500;
  const Shape x = {4, 13, 5, 7};
  for (Shape slopeShape : {Shape{13, 1, 1}, Shape{1}, Shape{5, 7}, Shape{1, 13, 1, 1},
                           Shape{13, 5, 7}}) {
    SCOPED_TRACE("slope " + shapeToString(slopeShape));
    PReLUParams p;
    p.slopeShape = slopeShape;
    p.slope.values = cpu::test::randomValues(count(slopeShape), seed++);
    Layer layer = makeLayer(p, 1, "prelu");
    HostTensor in = randomTensor(runShape(x, 4, 3), type, seed++);
    expectMatch("cuda_prelu_broadcast", "prelu_ref", layer, {x}, {in}, type);
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaPointwise,
                         ::testing::Values(DataType::kFLOAT, DataType::kHALF),
                         [](const auto& info) {
                           return std::string(info.param == DataType::kHALF ? "Fp16" : "Fp32");
                         });

TEST(CudaPointwiseSupports, RefusesWrongTypesAndShapes) {
  I8RT_REQUIRE_GPU();
  const DeviceInfo& d = currentDevice();
  const Candidate* act32 = findKernel("cuda_activation_fp32");
  const Candidate* act16 = findKernel("cuda_activation_fp16");
  const Candidate* elt32 = findKernel("cuda_elementwise_broadcast_fp32");
  const Candidate* prelu32 = findKernel("cuda_prelu_broadcast_fp32");
  const Candidate* scale32 = findKernel("cuda_scale_fp32");
  ASSERT_TRUE(act32 && act16 && elt32 && prelu32 && scale32);

  Layer act = makeLayer(ActivationParams{activationOf(ActivationType::kRELU)}, 1);
  KernelSetup s = makeSetup(act, {{2, 3, 4, 4}});
  EXPECT_TRUE(act32->supports(s, d));
  EXPECT_FALSE(act16->supports(s, d));
  s.inputTypes = {DataType::kINT8};
  EXPECT_FALSE(act32->supports(s, d));
  EXPECT_FALSE(elt32->supports(makeSetup(act, {{2, 3, 4, 4}}), d));  // wrong kind

  Layer elt = makeLayer(ElementWiseParams{}, 2);
  EXPECT_TRUE(elt32->supports(makeSetup(elt, {{2, 3, 4, 4}, {3, 1, 1}}), d));
  KernelSetup big = makeSetup(elt, {{2, 1, 1, 1, 1, 1, 1, 1, 3}, {3}});  // rank 9
  EXPECT_FALSE(elt32->supports(big, d));

  // Inconsistent weights: the setup is made for a valid layer, then pointed at the bad one
  // (shape inference would reject the bad one first).
  PReLUParams pp;
  pp.slopeShape = {3, 1, 1};
  pp.slope.values = {0.1f, 0.2f, 0.3f};
  Layer prelu = makeLayer(pp, 1);
  KernelSetup ps = makeSetup(prelu, {{2, 3, 4, 4}});
  EXPECT_TRUE(prelu32->supports(ps, d));
  pp.slope.values = {0.1f, 0.2f};  // 2 values for 3 slopes
  Layer badPrelu = makeLayer(pp, 1);
  ps.layer = &badPrelu;
  EXPECT_FALSE(prelu32->supports(ps, d));

  ScaleParams sp;
  sp.mode = ScaleMode::kCHANNEL;
  sp.scale.values = {1.f, 2.f, 3.f};
  Layer scale = makeLayer(sp, 1);
  KernelSetup ss = makeSetup(scale, {{2, 3, 4, 4}});
  EXPECT_TRUE(scale32->supports(ss, d));
  sp.scale.values = {1.f, 2.f};  // the input has 3 channels
  Layer badScale = makeLayer(sp, 1);
  ss.layer = &badScale;
  EXPECT_FALSE(scale32->supports(ss, d));
  EXPECT_THROW(act32->create(makeSetup(act, {{2, 3, 4, 4}}), "x"), Error);
}

}  // namespace
}  // namespace int8rt::cuda::test

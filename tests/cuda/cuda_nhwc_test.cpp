// The NHWC kernels against the CPU references (which compute NCHW): inputs are made NCHW,
// transposed on the host for the kernel, and the kernel's NHWC output transposed back before
// the comparison. Covers the layout reformats (every type pair, both directions, narrow and
// tiled shapes), the NHWC FP16 HMMA convolution (every tile, 16- and 8-byte gathers, groups,
// strides, padding, dilation, odd channel counts, the large-table path), NHWC pooling (FP32 and
// FP16, max and average, vector and scalar paths) and the pointwise kernels that take NHWC.
#include <cstring>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/engine/cuda_tactics.h"
#include "cuda_conv_test_util.h"
#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

constexpr TensorFormat L = TensorFormat::kLINEAR, N = TensorFormat::kNHWC;
constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;

// The same tensor with its elements reordered: NCHW -> NHWC (toNhwc) or back.
HostTensor transposed(const HostTensor& t, bool toNhwc) {
  HostTensor out(t.shape, t.type);
  const size_t n = t.shape[0], c = t.shape[1], hw = t.shape[2] * t.shape[3];
  const size_t e = elementSize(t.type);
  for (size_t b = 0; b < n; ++b)
    for (size_t k = 0; k < c; ++k)
      for (size_t p = 0; p < hw; ++p) {
        const size_t nchw = (b * c + k) * hw + p, nhwc = (b * hw + p) * c + k;
        std::memcpy(&out.bytes[(toNhwc ? nhwc : nchw) * e], &t.bytes[(toNhwc ? nchw : nhwc) * e], e);
      }
  return out;
}

KernelSetup withFormats(KernelSetup s, TensorFormat in, TensorFormat out) {
  s.inputFormats.assign(s.inputShapes.size(), in);
  s.outputFormats.assign(s.outputShapes.size(), out);
  return s;
}

// Runs `name` on NHWC copies of the (NCHW) inputs; returns the output as NCHW values.
std::vector<float> runNhwc(const std::string& name, const std::string& config, const KernelSetup& s,
                           const std::vector<HostTensor>& nchwInputs) {
  std::vector<HostTensor> in;
  for (const HostTensor& t : nchwInputs) in.push_back(transposed(t, true));
  std::vector<HostTensor> out = runCuda(name, config, withFormats(s, N, N), in);
  if (out.size() != 1) return {};
  return transposed(out[0], false).values();
}

// ---- layout reformats ----

float quantizeHost(float x, float scale) {
  float v = x / scale;
  v = v > -128.f ? v : -128.f;
  v = v < 127.f ? v : 127.f;
  return std::nearbyint(v);
}

// What the reformat must produce from value x (read as float from its input type): the
// conversions of dm_convert.cuh, which equal the CPU's.
float convertHost(float x, DataType in, DataType out, float inScale, float outScale) {
  if (in == out) return x;
  if (in == Q) x = x * inScale;
  if (out == Q) return quantizeHost(x, outScale);
  if (out == H) return __half2float(__float2half_rn(x));
  return x;
}

TEST(CudaNhwc, LayoutReformatsMoveEveryElement) {
  I8RT_REQUIRE_GPU();
  const std::vector<std::pair<DataType, DataType>> pairs = {
      {F, F}, {H, H}, {Q, Q}, {F, H}, {H, F}, {F, Q}, {Q, F}, {H, Q}, {Q, H}};
  const std::vector<Shape> shapes = {{3, 5, 7, 9}, {2, 33, 9, 11}, {1, 1, 28, 28}, {4, 40, 3, 3},
                                     {2, 70, 1, 1}};
  Layer id = cpu::test::makeLayer(IdentityParams{}, 1, "reformat");
  uint32_t seed = 10;
  for (const Shape& shape : shapes)
    for (const auto& [in, out] : pairs)
      for (bool toNhwc : {true, false}) {
        const std::string dir = toNhwc ? "nchw_to_nhwc" : "nhwc_to_nchw";
        const char* suffix = out == F ? "fp32" : out == H ? "fp16" : "int8";
        const std::string name = "cuda_reformat_" + dir + "_" + suffix;
        SCOPED_TRACE(name + " from " + dataTypeName(in) + " " + cpu::shapeText(shape));
        Shape setupShape = shape;
        setupShape[0] += 1;  // the run's batch is below the setup's
        KernelSetup s = cpu::test::makeSetup(id, {setupShape});
        s.inputTypes = {in};
        s.outputTypes = {out};
        const float inScale = in == Q ? 0.05f : 0.f;
        const float outScale = out == Q ? (in == Q ? inScale : 0.0078125f) : 0.f;
        s.inputScales = {inScale};
        s.outputScales = {outScale};
        s = withFormats(s, toNhwc ? L : N, toNhwc ? N : L);
        const HostTensor x = randomTensor(shape, in, seed++);
        std::vector<HostTensor> got = runCuda(name, "", s, {x});
        ASSERT_EQ(got.size(), 1u);
        // Expected: x's elements in NCHW order, converted, then in the output's order.
        std::vector<float> v = (toNhwc ? x : transposed(x, false)).values();
        for (float& e : v) e = convertHost(e, in, out, inScale, outScale);
        HostTensor want(shape, out);
        want.setValues(v);
        if (toNhwc) want = transposed(want, true);
        EXPECT_TRUE(allNear(got[0].values(), want.values(), 0.f, 0.f));
      }
}

// ---- NHWC FP16 convolution ----

const std::vector<ConvCase>& convCases() {
  static const std::vector<ConvCase> v = {
      {"lenet_conv2_vec4", 100, 64, 20, 12, 12, 50, 5, 5, {}, {}, {}, {}, 1, ActivationType::kNONE},
      {"c16_k32_3x3_pad1_relu", 5, 3, 16, 17, 13, 32, 3, 3, {}, {1, 1}, {1, 1}, {}, 1, ActivationType::kRELU},
      {"c24_k13_3x3_s2_asym_sigmoid", 3, 2, 24, 14, 15, 13, 3, 3, {2, 2}, {0, 1}, {2, 1}, {}, 1,
       ActivationType::kSIGMOID},
      {"c8_k50_3x3_dil2_leaky", 4, 3, 8, 13, 12, 50, 3, 3, {}, {2, 2}, {2, 2}, {2, 2}, 1,
       ActivationType::kLEAKY_RELU},
      {"c32_k26_3x3_groups2_odd_kg", 3, 2, 32, 9, 10, 26, 3, 3, {}, {1, 1}, {1, 1}, {}, 2, ActivationType::kCLIP},
      {"c12_k12_1x1_groups3_vec4", 2, 2, 12, 7, 5, 12, 1, 1, {}, {}, {}, {}, 3, ActivationType::kRELU},
      {"c8_k7_3x5_rect_nobias", 3, 2, 8, 10, 13, 7, 3, 5, {1, 2}, {1, 2}, {2, 0}, {2, 1}, 1,
       ActivationType::kNONE, false},
      {"c64_k130_5x5", 2, 1, 64, 9, 9, 130, 5, 5, {}, {2, 2}, {2, 2}, {}, 1, ActivationType::kRELU},
      {"c520_k16_3x3_global_taps", 2, 2, 520, 5, 5, 16, 3, 3, {}, {1, 1}, {1, 1}, {}, 1, ActivationType::kNONE},
  };
  return v;
}

TEST(CudaNhwc, Fp16HmmaConvolutionMatchesReference) {
  I8RT_REQUIRE_GPU();
  const std::string name = "cuda_conv2d_nhwc_fp16_hmma_implicit_gemm";
  const Candidate* c = findKernel(name);
  ASSERT_NE(c, nullptr);
  uint32_t seed = 300;
  for (const ConvCase& cc : convCases()) {
    const Layer layer = makeConvLayer(cc, seed++, /*roundToHalf=*/true);
    const KernelSetup s = typedSetup(layer, cc, H, H);
    const HostTensor x = randomTensor(runShape(cc), H, seed++);
    const std::vector<float> ref = runCpu("convolution_ref", s, {x}).at(0).values();
    const float atol = 1e-3f * std::sqrt(static_cast<float>(reductionOf(cc)));
    for (const std::string& config : configsOf(*c, s, currentDevice())) {
      SCOPED_TRACE(std::string(cc.what) + " tile " + config);
      EXPECT_TRUE(allNear(runNhwc(name, config, s, {x}), ref, atol, 1e-2f));
    }
  }
}

TEST(CudaNhwc, ConvolutionRefusesWhatItCannotRun) {
  I8RT_REQUIRE_GPU();
  const Candidate* nhwc = findKernel("cuda_conv2d_nhwc_fp16_hmma_implicit_gemm");
  const Candidate* nchw = findKernel("cuda_conv2d_fp16_hmma_implicit_gemm");
  ASSERT_TRUE(nhwc && nchw);
  const DeviceInfo& d = currentDevice();
  ConvCase cc = convCases()[1];
  const Layer layer = makeConvLayer(cc, 1, /*roundToHalf=*/true);
  KernelSetup s = cpu::test::makeSetup(layer, {{2, cc.c, cc.h, cc.w}});
  s.inputTypes = {H};
  s.outputTypes = {H};
  EXPECT_FALSE(accepts(*nhwc, s, d));                       // NCHW tensors
  EXPECT_TRUE(accepts(*nchw, s, d));
  EXPECT_TRUE(accepts(*nhwc, withFormats(s, N, N), d));
  EXPECT_FALSE(accepts(*nchw, withFormats(s, N, N), d));    // the NCHW kernel never reads NHWC
  EXPECT_FALSE(accepts(*nhwc, withFormats(s, N, L), d));
  cc.c = 18;  // 18 channels: neither 8 nor 4 divides them
  const Layer odd = makeConvLayer(cc, 2, /*roundToHalf=*/true);
  KernelSetup so = withFormats(cpu::test::makeSetup(odd, {{2, 18, cc.h, cc.w}}), N, N);
  so.inputTypes = {H};
  so.outputTypes = {H};
  EXPECT_FALSE(accepts(*nhwc, so, d));
}

// Not a check: the tactic timing of both layouts' best FP16 convolution on a few shapes (3x3,
// pad 1, stride 1; LeNet's conv2 5x5), for the record in the test log.
TEST(CudaNhwc, ConvolutionTimesAgainstNchw) {
  I8RT_REQUIRE_GPU();
  struct Shape4 { int64_t n, c, hw, k, r; };
  const Shape4 shapes[] = {{100, 20, 12, 50, 5}, {32, 64, 56, 64, 3}, {32, 128, 28, 128, 3},
                           {32, 256, 14, 256, 3}};
  uint32_t seed = 900;
  for (const Shape4& sh : shapes) {
    ConvCase cc{"timing", sh.n, sh.n, sh.c, sh.hw, sh.hw, sh.k, sh.r, sh.r, {}, {}, {}, {}, 1,
                ActivationType::kRELU};
    if (sh.r == 3) cc.padBegin = cc.padEnd = {1, 1};
    const Layer layer = makeConvLayer(cc, seed++, /*roundToHalf=*/true);
    const KernelSetup s = typedSetup(layer, cc, H, H);
    const cudabridge::CudaTactic a = chooseCudaTactic(s, H, 10, "", true);
    const cudabridge::CudaTactic b = chooseCudaTactic(withFormats(s, N, N), H, 10, "", true);
    std::printf("conv FP16 n%lld c%lld %lldx%lld k%lld %lldx%lld: nchw %.2f us (%s [%s]), nhwc %.2f us (%s [%s])\n",
                static_cast<long long>(sh.n), static_cast<long long>(sh.c), static_cast<long long>(sh.hw),
                static_cast<long long>(sh.hw), static_cast<long long>(sh.k), static_cast<long long>(sh.r),
                static_cast<long long>(sh.r), a.microseconds, a.kernel.c_str(), a.config.c_str(),
                b.microseconds, b.kernel.c_str(), b.config.c_str());
  }
}

// ---- NHWC pooling ----

struct PoolCase {
  const char* what;
  Shape x;
  PoolingType type;
  Shape window, stride, padBegin, padEnd, dilation;
  PoolRounding rounding;
  bool excludePad;
};

TEST(CudaNhwc, PoolingMatchesReference) {
  I8RT_REQUIRE_GPU();
  const std::vector<PoolCase> cases = {
      {"max_2x2s2_c8", {3, 8, 12, 12}, PoolingType::kMAX, {2, 2}, {2, 2}, {}, {}, {}, PoolRounding::kFLOOR, true},
      {"max_3x3s2_pad1_ceil_c20", {2, 20, 11, 13}, PoolingType::kMAX, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {},
       PoolRounding::kCEIL, true},
      {"avg_3x3s1_pad1_excl_c5", {2, 5, 7, 6}, PoolingType::kAVERAGE, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {},
       PoolRounding::kFLOOR, true},
      {"avg_3x3s2_pad1_incl_c16", {2, 16, 9, 9}, PoolingType::kAVERAGE, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {},
       PoolRounding::kCEIL, false},
      {"max_3x3s1_pad1_c6_pairs", {2, 6, 7, 8}, PoolingType::kMAX, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {},
       PoolRounding::kFLOOR, true},
      {"max_dil2_c4", {2, 4, 10, 9}, PoolingType::kMAX, {2, 3}, {1, 2}, {}, {}, {2, 2}, PoolRounding::kFLOOR, true},
      {"avg_whole_plane_c24", {3, 24, 5, 7}, PoolingType::kAVERAGE, {5, 7}, {1, 1}, {}, {}, {},
       PoolRounding::kFLOOR, true},
  };
  uint32_t seed = 500;
  for (const PoolCase& pc : cases)
    for (DataType t : {F, H}) {
      const std::string name = t == F ? "cuda_pooling2d_nhwc_fp32" : "cuda_pooling2d_nhwc_fp16";
      SCOPED_TRACE(std::string(pc.what) + " " + name);
      PoolingParams p;
      p.type = pc.type;
      p.window = pc.window;
      p.stride = pc.stride;
      p.padBegin = pc.padBegin;
      p.padEnd = pc.padEnd;
      p.dilation = pc.dilation;
      p.rounding = pc.rounding;
      p.averageExcludesPadding = pc.excludePad;
      const Layer layer = cpu::test::makeLayer(p, 1, pc.what);
      KernelSetup s = cpu::test::makeSetup(layer, {cpu::test::withBatch(pc.x, pc.x[0] + 2)});
      s.inputTypes = {t};
      s.outputTypes = {t};
      const HostTensor x = randomTensor(pc.x, t, seed++);
      const std::vector<float> ref = runCpu("pooling_ref", s, {x}).at(0).values();
      // FP32 visits taps in the CPU's order (same bits); FP16 rounds the result once.
      EXPECT_TRUE(allNear(runNhwc(name, "", s, {x}), ref, t == F ? 0.f : 1e-3f, t == F ? 0.f : 1e-3f));
      EXPECT_FALSE(accepts(*findKernel(name), s, currentDevice()));  // NCHW: not this kernel
    }
}

// ---- pointwise layers on NHWC tensors ----

TEST(CudaNhwc, PointwiseKernelsTakeNhwc) {
  I8RT_REQUIRE_GPU();
  const Shape shape = {3, 12, 5, 7};
  uint32_t seed = 700;
  for (DataType t : {F, H}) {
    const char* sfx = t == F ? "fp32" : "fp16";
    const float tol = t == F ? 0.f : 1e-3f;
    // Activation: elements are independent.
    const Layer act = cpu::test::makeLayer(ActivationParams{{ActivationType::kSIGMOID, 0.f, 0.f}}, 1, "act");
    KernelSetup sa = cpu::test::makeSetup(act, {shape});
    sa.inputTypes = {t};
    sa.outputTypes = {t};
    const HostTensor x = randomTensor(shape, t, seed++);
    EXPECT_TRUE(allNear(runNhwc(std::string("cuda_activation_") + sfx, "", sa, {x}),
                        runCpu("activation_ref", sa, {x}).at(0).values(), 1e-6f + tol, tol))
        << "activation " << sfx;
    // Scale per channel: the channel is the innermost index in NHWC.
    ScaleParams sp;
    sp.mode = ScaleMode::kCHANNEL;
    sp.scale.values = cpu::test::randomValues(shape[1], seed++);
    sp.shift.values = cpu::test::randomValues(shape[1], seed++);
    sp.activation.type = ActivationType::kRELU;
    const Layer scale = cpu::test::makeLayer(sp, 1, "scale");
    KernelSetup ss = cpu::test::makeSetup(scale, {shape});
    ss.inputTypes = {t};
    ss.outputTypes = {t};
    EXPECT_TRUE(allNear(runNhwc(std::string("cuda_scale_") + sfx, "", ss, {x}),
                        runCpu("scale_ref", ss, {x}).at(0).values(), tol, tol))
        << "scale " << sfx;
    ScaleParams se = sp;
    se.mode = ScaleMode::kELEMENTWISE;
    se.scale.values = cpu::test::randomValues(shape[1] * shape[2] * shape[3], seed++);
    se.shift.values.clear();
    const Layer elemScale = cpu::test::makeLayer(se, 1, "scale_elementwise");
    KernelSetup sse = cpu::test::makeSetup(elemScale, {shape});
    sse.inputTypes = {t};
    sse.outputTypes = {t};
    EXPECT_FALSE(accepts(*findKernel(std::string("cuda_scale_") + sfx), withFormats(sse, N, N),
                         currentDevice()));
    // Elementwise of two NHWC tensors of one shape; broadcasting stays NCHW-only.
    const Layer sum = cpu::test::makeLayer(ElementWiseParams{ElementWiseOp::kPROD, {}, {}}, 2, "prod");
    KernelSetup se2 = cpu::test::makeSetup(sum, {shape, shape});
    se2.inputTypes = {t, t};
    se2.outputTypes = {t};
    const HostTensor y = randomTensor(shape, t, seed++);
    EXPECT_TRUE(allNear(runNhwc(std::string("cuda_elementwise_broadcast_") + sfx, "", se2, {x, y}),
                        runCpu("elementwise_ref", se2, {x, y}).at(0).values(), tol, tol))
        << "elementwise " << sfx;
    KernelSetup bc = cpu::test::makeSetup(sum, {shape, {1, shape[1], 1, 1}});
    bc.inputTypes = {t, t};
    bc.outputTypes = {t};
    EXPECT_FALSE(accepts(*findKernel(std::string("cuda_elementwise_broadcast_") + sfx),
                         withFormats(bc, N, N), currentDevice()));
    EXPECT_FALSE(accepts(*findKernel(std::string("cuda_activation_") + sfx), withFormats(sa, L, N),
                         currentDevice()));
  }
}

}  // namespace
}  // namespace int8rt::cuda::test

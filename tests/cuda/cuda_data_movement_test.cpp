// The data-movement kernels (identity / reformats, concatenation, shuffle, padding) against the
// CPU oracles. Moves and reformats are exact: every comparison is bit for bit (FP16 results
// against the oracle's value rounded with __float2half). The first tests need no GPU: they
// check the host-side index geometry (FastDivmod, permutation simplification, padding and
// concat layouts) by running the kernels' index math on the host against the CPU references.
#include <cuda_fp16.h>

#include <cstring>
#include <limits>

#include "backends/cpu/common/transpose.h"
#include "backends/cuda/layers/dm_geometry.h"
#include "cuda_test_util.h"

namespace int8rt::cuda::test {
namespace {

using dm::FastDivmod;

constexpr DataType F = DataType::kFLOAT, H = DataType::kHALF, Q = DataType::kINT8;

Layer makeLayer(LayerParams params, int nbInputs) {
  Layer l;
  l.name = "dm_test_layer";
  l.params = std::move(params);
  for (int i = 0; i < nbInputs; ++i) l.inputs.push_back(i);
  l.outputs.push_back(nbInputs);
  return l;
}

// A one-layer setup of uniform type t (INT8: every tensor at scale `scale`).
KernelSetup makeSetup(const Layer& l, const std::vector<Shape>& in, DataType t,
                      float scale = 0.05f) {
  KernelSetup s;
  s.layer = &l;
  s.inputShapes = in;
  s.outputShapes = inferLayerShapes(l, in);
  s.inputTypes.assign(in.size(), t);
  s.outputTypes.assign(1, t);
  s.inputScales.assign(in.size(), t == Q ? scale : 0.f);
  s.outputScales.assign(1, t == Q ? scale : 0.f);
  return s;
}

Shape withBatch(Shape s, int64_t n) {
  s[0] = n;
  return s;
}

const char* typeTag(DataType t) { return t == F ? "fp32" : t == H ? "fp16" : "int8"; }

// Bit-exact comparison of a CUDA result with the CPU oracle's (FP16: the oracle's float rounded
// to half; INT8: the bytes).
::testing::AssertionResult sameBits(const HostTensor& cuda, const HostTensor& cpu) {
  if (cuda.shape != cpu.shape)
    return ::testing::AssertionFailure() << "shapes differ: " << shapeToString(cuda.shape) << " vs "
                                         << shapeToString(cpu.shape);
  std::vector<uint8_t> expected = cpu.bytes;
  if (cuda.type == H && cpu.type == F) {
    HostTensor h(cpu.shape, H);
    h.setValues(cpu.values());
    expected = h.bytes;
  }
  if (cuda.bytes.size() != expected.size())
    return ::testing::AssertionFailure() << "sizes differ";
  const size_t es = elementSize(cuda.type);
  int bad = 0;
  ::testing::AssertionResult r = ::testing::AssertionFailure();
  for (size_t i = 0; i < expected.size(); i += es) {
    if (std::memcmp(&cuda.bytes[i], &expected[i], es) != 0) {
      if (bad < 5) {
        HostTensor a(Shape{1}, cuda.type), e(Shape{1}, cuda.type);
        std::memcpy(a.bytes.data(), &cuda.bytes[i], es);
        std::memcpy(e.bytes.data(), &expected[i], es);
        r << "[" << i / es << "] " << a.values()[0] << " vs " << e.values()[0] << "; ";
      }
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return r << bad << " of " << expected.size() / es << " differ";
}

// Runs CUDA kernel `name` and the CPU oracle `ref` for setup on inputs and compares bit for bit.
void expectSameAsCpu(const std::string& name, const std::string& ref, const KernelSetup& setup,
                     const std::vector<HostTensor>& inputs) {
  std::vector<HostTensor> got = runCuda(name, "", setup, inputs);
  std::vector<HostTensor> want = runCpu(ref, setup, inputs);
  ASSERT_EQ(got.size(), 1u) << name;
  ASSERT_EQ(want.size(), 1u) << ref;
  EXPECT_TRUE(sameBits(got[0], want[0])) << name << " on " << shapeToString(inputs[0].shape);
}

// ======================= host-side geometry (no GPU needed) =======================

TEST(CudaDataMovementGeometry, FastDivmodIsExact) {
  std::vector<uint32_t> divisors;
  for (uint32_t d = 1; d <= 300; ++d) divisors.push_back(d);
  for (int s = 0; s < 31; ++s) {
    divisors.push_back(1u << s);
    divisors.push_back((1u << s) + 1);
    if (s > 1) divisors.push_back((1u << s) - 1);
  }
  divisors.push_back(0x7fffffffu);
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) divisors.push_back(1 + rng() % 0x7ffffffeu);
  std::vector<uint32_t> numerators = {0, 1, 2, 3, 0x7fffffffu, 0x7ffffffeu, 0x40000000u};
  for (int i = 0; i < 300; ++i) numerators.push_back(rng() & 0x7fffffffu);
  for (uint32_t d : divisors) {
    const FastDivmod f(d);
    std::vector<uint32_t> ns = numerators;
    for (uint32_t k : {1u, 2u, 3u, 1000u})  // around multiples of d
      for (int delta = -1; delta <= 1; ++delta) {
        const uint64_t n = uint64_t(d) * k + delta;
        if (n <= 0x7fffffffu) ns.push_back(static_cast<uint32_t>(n));
      }
    for (uint32_t n : ns) {
      uint32_t rem;
      const uint32_t q = f.divmod(n, rem);
      ASSERT_EQ(q, n / d) << n << " / " << d;
      ASSERT_EQ(rem, n % d) << n << " % " << d;
    }
  }
}

TEST(CudaDataMovementGeometry, PermutationSimplifies) {
  // NCHW -> NHWC: [N, C, HW] -> [N, HW, C].
  dm::ReducedPerm r = dm::reducePermutation({2, 3, 4, 5}, {0, 2, 3, 1});
  EXPECT_EQ(r.dims, (Shape{2, 3, 20}));
  EXPECT_EQ(r.perm, (std::vector<int>{0, 2, 1}));
  // Size-1 dims vanish, and a transpose that only moves them is the identity.
  EXPECT_TRUE(dm::reducePermutation({1, 7, 1, 9}, {2, 1, 0, 3}).identity());
  EXPECT_TRUE(dm::reducePermutation({4, 5}, {}).identity());
  // The tiled transpose takes NCHW <-> NHWC, not a move of the batch.
  const ShuffleParams toNhwc{{0, 2, 3, 1}, false, {}, {}};
  EXPECT_TRUE(dm::makeShuffleGeometry({2, 3, 4, 5}, {2, 4, 5, 3}, toNhwc, 4, 16).batchedTranspose);
  const ShuffleParams swapNC{{1, 0, 2, 3}, false, {}, {}};
  EXPECT_FALSE(dm::makeShuffleGeometry({2, 3, 4, 5}, {3, 2, 4, 5}, swapNC, 4, 16).batchedTranspose);
  EXPECT_THROW(dm::reducePermutation({4, 5}, {0, 0}), Error);
  EXPECT_THROW(dm::reducePermutation({4, 5}, {0, 2}), Error);
}

// A shuffle's output computed the CPU's way: transposeCopy, reshape, transposeCopy.
std::vector<float> cpuShuffle(const std::vector<float>& x, const Shape& xs, const Shape& ys,
                              const ShuffleParams& p) {
  std::vector<float> a(x.size()), b(x.size());
  if (p.firstTranspose.empty())
    a = x;
  else
    cpu::transposeCopy(x.data(), xs, p.firstTranspose, a.data());
  if (p.secondTranspose.empty()) return a;
  cpu::transposeCopy(a.data(), dm::reshapedShape(ys, p.secondTranspose), p.secondTranspose, b.data());
  return b;
}

// The kernel's mapping, run on the host over a tensor of indices.
std::vector<float> geometryShuffle(const std::vector<float>& x, const dm::ShuffleGeometry& g,
                                   int elemBytes) {
  std::vector<float> y(x.size());
  if (g.batchedTranspose) {  // the tiled kernel: y[b][c][r] = x[b][r][c]
    EXPECT_EQ(size_t(g.batch) * g.rows * g.cols, x.size());
    for (uint32_t b = 0; b < g.batch; ++b)
      for (uint32_t r = 0; r < g.rows; ++r)
        for (uint32_t c = 0; c < g.cols; ++c)
          y[(size_t(b) * g.cols + c) * g.rows + r] = x[(size_t(b) * g.rows + r) * g.cols + c];
    return y;
  }
  const uint32_t unit = static_cast<uint32_t>(g.unitBytes / elemBytes);
  for (uint32_t i = 0; i < g.units; ++i) {
    const uint32_t src = dm::mapThroughStage(g.first, dm::mapThroughStage(g.second, i));
    for (uint32_t k = 0; k < unit; ++k) y[i * unit + k] = x[src * unit + k];
  }
  return y;
}

struct ShuffleCase {
  Shape in;
  ShuffleParams p;
};

std::vector<ShuffleCase> shuffleCases() {
  auto t = [](std::vector<int> first, std::vector<int> second = {}, Shape reshape = {}) {
    ShuffleParams p;
    p.firstTranspose = std::move(first);
    p.secondTranspose = std::move(second);
    p.doReshape = !reshape.empty();
    p.reshapeDims = std::move(reshape);
    return p;
  };
  return {
      {{3, 5, 7, 9}, t({0, 2, 3, 1})},                       // NCHW -> NHWC
      {{3, 5, 7, 9}, t({0, 3, 1, 2})},                       // NHWC -> NCHW
      {{3, 5, 7, 9}, t({3, 2, 1, 0})},                       // full reversal
      {{3, 5, 7, 9}, t({1, 0, 2, 3})},                       // batch <-> channel, inner kept
      {{3, 8, 4, 4}, t({0, 2, 1, 3})},                       // inner run 4: 16-byte units
      {{3, 13, 1, 6}, t({0, 3, 2, 1})},                      // a size-1 dim
      {{3, 5, 7, 9}, t({}, {}, {0, -1})},                    // flatten: a copy
      {{3, 6, 5, 4}, t({}, {0, 2, 1}, {0, 3, 40})},          // reshape then transpose
      {{3, 5, 7, 9}, t({0, 2, 1, 3}, {0, 2, 1}, {0, 7, -1})},  // both transposes
      {{3, 4, 6, 8}, t({0, 1, 3, 2}, {1, 0, 2, 3}, {0, 2, 2, 48})},
  };
}

TEST(CudaDataMovementGeometry, ShuffleMappingMatchesTransposeCopy) {
  for (const ShuffleCase& c : shuffleCases())
    for (int elemBytes : {1, 2, 4})
      for (int align : {1, 16}) {
        Layer l = makeLayer(c.p, 1);
        const Shape ys = inferLayerShapes(l, {c.in}).at(0);
        std::vector<float> x(static_cast<size_t>(count(c.in)));
        for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
        const dm::ShuffleGeometry g = dm::makeShuffleGeometry(c.in, ys, c.p, elemBytes, align);
        EXPECT_LE(g.unitBytes, std::max(align, elemBytes));
        EXPECT_EQ(geometryShuffle(x, g, elemBytes), cpuShuffle(x, c.in, ys, c.p))
            << shapeToString(c.in) << " -> " << shapeToString(ys) << ", " << elemBytes
            << "-byte elements, unit " << g.unitBytes;
      }
}

struct PadCase {
  Shape in;
  Shape begin, end;
};

std::vector<PadCase> padCases() {
  return {
      {{3, 5, 7, 9}, {0, 0, 1, 2}, {0, 0, 2, 1}},    // spatial
      {{3, 5, 7, 9}, {0, 1, 2, 3}, {0, 2, -1, 4}},   // channel too, a crop
      {{3, 5, 7, 9}, {1, 0, 0, 0}, {0, 0, 0, 1}},    // batch and the last dim
      {{3, 5, 6, 4}, {0, 0, 5, 7}, {0, 0, 9, 3}},    // pads beyond the size (reflect wraps)
      {{3, 1, 4, 1}, {0, 0, 2, 2}, {0, 0, 1, 3}},    // size-1 dims (reflect of one element)
  };
}

// The padding kernel's loop, run on the host.
std::vector<float> geometryPad(const std::vector<float>& x, const dm::PadGeometry& g,
                               PaddingMode mode, float value) {
  std::vector<float> y(g.count);
  for (uint32_t i = 0; i < g.count; ++i) {
    uint32_t rest = i, off = 0;
    bool constant = false;
    for (int d = g.rank - 1; d >= 0; --d) {
      uint32_t c = rest;
      if (d > 0) rest = g.outDim[d].divmod(rest, c);
      const int32_t src = dm::padSourceIndex(static_cast<int32_t>(c) - g.padBegin[d], g.inDim[d], mode);
      if (src < 0)
        constant = true;
      else
        off += static_cast<uint32_t>(src) * g.inStride[d];
    }
    y[i] = constant ? value : x[off];
  }
  return y;
}

TEST(CudaDataMovementGeometry, PaddingMappingMatchesReference) {
  for (const PadCase& c : padCases())
    for (PaddingMode mode : {PaddingMode::kCONSTANT, PaddingMode::kREFLECT, PaddingMode::kEDGE,
                             PaddingMode::kWRAP}) {
      PaddingParams p;
      p.mode = mode;
      p.padBegin = c.begin;
      p.padEnd = c.end;
      p.value = 0.75f;
      Layer l = makeLayer(p, 1);
      KernelSetup s = makeSetup(l, {c.in}, F);
      HostTensor x(c.in, F);
      std::vector<float> v(static_cast<size_t>(x.size()));
      for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i + 1);
      x.setValues(v);
      std::vector<HostTensor> want = runCpu("padding_ref", s, {x});
      ASSERT_EQ(want.size(), 1u);
      const dm::PadGeometry g = dm::makePadGeometry(c.in, s.outputShapes[0], p);
      EXPECT_EQ(geometryPad(v, g, mode, p.value), want[0].values())
          << shapeToString(c.in) << " mode " << static_cast<int>(mode);
    }
}

TEST(CudaDataMovementGeometry, ConcatPartsCoverTheOutput) {
  const std::vector<Shape> in = {{2, 3, 5}, {2, 1, 5}, {2, 4, 5}};
  for (int elemBytes : {1, 2, 4}) {
    const Shape ys = {2, 8, 5};
    const dm::ConcatLayout l = dm::makeConcatLayout(in, ys, 1, elemBytes);
    std::vector<int> written(static_cast<size_t>(count(ys) * elemBytes), -1);
    for (size_t i = 0; i < in.size(); ++i)
      for (int align : {1, 2, 4, 8, 16}) {
        const dm::ConcatPart p = dm::makeConcatPart(l, i, align);
        const uint32_t unit = 1u << p.unitLog2;
        EXPECT_LE(static_cast<int>(unit), align);
        EXPECT_EQ(p.units * unit, static_cast<uint32_t>(count(in[i]) * elemBytes));
        for (uint32_t e = 0; e < p.units; ++e) {
          uint32_t col;
          const uint32_t row = p.widthUnits.divmod(e, col);
          for (uint32_t b = 0; b < unit; ++b)
            written[(row * p.rowUnits + p.offsetUnits + col) * unit + b] = static_cast<int>(i);
        }
      }
    // Row-major [2, 8, 5]: per batch, channels 0-2 from input 0, 3 from input 1, 4-7 from 2.
    for (size_t byte = 0; byte < written.size(); ++byte) {
      const int64_t c = (static_cast<int64_t>(byte) / elemBytes / 5) % 8;
      EXPECT_EQ(written[byte], c < 3 ? 0 : c < 4 ? 1 : 2) << "byte " << byte;
    }
  }
  EXPECT_THROW(dm::makeConcatLayout(in, {2, 9, 5}, 1, 4), Error);
}

// ======================= identity and reformats (GPU) =======================

// Values that exercise the quantizer: .5 ties in both directions, saturation on both sides,
// infinities, NaN, denormals, signed zeros, plus random values, all for `scale`.
std::vector<float> quantizerProbe(float scale) {
  std::vector<float> v;
  for (int k = -135; k <= 135; ++k) {
    v.push_back((static_cast<float>(k) + 0.5f) * scale);
    v.push_back(static_cast<float>(k) * scale);
    v.push_back(std::nextafter((static_cast<float>(k) + 0.5f) * scale, 0.f));
    v.push_back(std::nextafter((static_cast<float>(k) + 0.5f) * scale, 1e30f));
  }
  for (float t : {127.5f, -128.5f, 126.5f, -127.5f, 128.f, -129.f, 1e6f, -1e6f})
    v.push_back(t * scale);
  const float inf = std::numeric_limits<float>::infinity();
  for (float t : {inf, -inf, std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
                  1e-42f, -1e-42f, 0.f, -0.f, 3.4e38f, -3.4e38f})
    v.push_back(t);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-200.f * scale, 200.f * scale);
  while (v.size() % 16 != 13) v.push_back(u(rng));  // a tail after the 16-element vectors
  return v;
}

HostTensor floatTensor(const std::vector<float>& v, DataType t) {
  HostTensor x(Shape{1, static_cast<int64_t>(v.size())}, t);
  x.setValues(v);  // FP32 keeps the bits (NaN payloads too); FP16 rounds with __float2half
  return x;
}

HostTensor allInt8Values(int repeat = 3) {
  HostTensor x(Shape{1, 256 * repeat + 5}, Q);
  for (size_t i = 0; i < x.bytes.size(); ++i) x.bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  return x;
}

KernelSetup identitySetup(const Layer& l, const Shape& shape, DataType in, DataType out,
                          float inScale, float outScale) {
  KernelSetup s = makeSetup(l, {shape}, in);
  s.outputTypes = {out};
  s.inputScales = {in == Q ? inScale : 0.f};
  s.outputScales = {out == Q ? outScale : 0.f};
  return s;
}

TEST(CudaDataMovement, QuantizeMatchesCpuBitForBit) {
  I8RT_REQUIRE_GPU();
  Layer l = makeLayer(IdentityParams{}, 1);
  for (float scale : {0.05f, 1.f / 127.f, 0.3f, 3.7e-3f})
    for (DataType in : {F, H}) {
      const HostTensor x = floatTensor(quantizerProbe(scale), in);
      const KernelSetup s = identitySetup(l, x.shape, in, Q, 0.f, scale);
      expectSameAsCpu(in == F ? "cuda_identity_fp32_to_int8_quantize" : "cuda_identity_fp16_to_int8_quantize",
                      "identity_int8_ref", s, {x});
    }
}

TEST(CudaDataMovement, DequantizeAndRequantizeMatchCpuBitForBit) {
  I8RT_REQUIRE_GPU();
  Layer l = makeLayer(IdentityParams{}, 1);
  const HostTensor x = allInt8Values();
  for (float scale : {0.05f, 1.f / 127.f, 0.3f}) {
    expectSameAsCpu("cuda_identity_int8_to_fp32_dequantize", "identity_int8_ref",
                    identitySetup(l, x.shape, Q, F, scale, 0.f), {x});
    expectSameAsCpu("cuda_identity_int8_to_fp16_dequantize", "identity_int8_ref",
                    identitySetup(l, x.shape, Q, H, scale, 0.f), {x});
  }
  // Requantize: up, down (saturating), awkward ratios with ties.
  for (auto [from, to] : {std::pair{0.05f, 0.1f}, {0.1f, 0.03f}, {1.f / 3.f, 1.f / 7.f},
                          {0.2f, 0.4f}, {0.013f, 0.0131f}}) {
    expectSameAsCpu("cuda_identity_int8_requantize", "identity_int8_ref",
                    identitySetup(l, x.shape, Q, Q, from, to), {x});
  }
  expectSameAsCpu("cuda_identity_int8_copy", "identity_int8_ref",
                  identitySetup(l, x.shape, Q, Q, 0.05f, 0.05f), {x});
}

TEST(CudaDataMovement, HalfConversionsAreExact) {
  I8RT_REQUIRE_GPU();
  Layer l = makeLayer(IdentityParams{}, 1);
  // FP32 -> FP16: ties between halves, overflow, subnormal halves, specials, random.
  std::vector<float> v = quantizerProbe(0.01f);
  for (float t : {65504.f, 65519.f, 65520.f, 70000.f, -65520.f, 6e-8f, 3e-8f, 2.9e-8f, 5.96e-8f,
                  1.0f + 1.f / 2048.f, 1.0f + 3.f / 2048.f, -(1.0f + 1.f / 2048.f)})
    v.push_back(t);
  HostTensor xf = floatTensor(v, F);
  KernelSetup s = identitySetup(l, xf.shape, F, H, 0.f, 0.f);
  std::vector<HostTensor> got = runCuda("cuda_identity_fp32_to_fp16", "", s, {xf});
  ASSERT_EQ(got.size(), 1u);
  for (size_t i = 0; i < v.size(); ++i) {
    const __half want = __float2half(v[i]);
    uint16_t a, b;
    std::memcpy(&a, &got[0].bytes[i * 2], 2);
    std::memcpy(&b, &want, 2);
    if (std::isnan(v[i]))
      EXPECT_TRUE(std::isnan(__half2float(*reinterpret_cast<const __half*>(&got[0].bytes[i * 2]))));
    else
      EXPECT_EQ(a, b) << "fp32 -> fp16 of " << v[i];
  }
  // FP16 -> FP32: every half bit pattern.
  HostTensor xh(Shape{1, 65536}, H);
  for (uint32_t i = 0; i < 65536; ++i) {
    const uint16_t bits = static_cast<uint16_t>(i);
    std::memcpy(&xh.bytes[i * 2], &bits, 2);
  }
  s = identitySetup(l, xh.shape, H, F, 0.f, 0.f);
  got = runCuda("cuda_identity_fp16_to_fp32", "", s, {xh});
  ASSERT_EQ(got.size(), 1u);
  const std::vector<float> gv = got[0].values(), hv = xh.values();
  for (size_t i = 0; i < hv.size(); ++i) {
    if (std::isnan(hv[i])) {
      EXPECT_TRUE(std::isnan(gv[i])) << "half bits " << i;
    } else {
      uint32_t a, b;
      std::memcpy(&a, &gv[i], 4);
      std::memcpy(&b, &hv[i], 4);
      EXPECT_EQ(a, b) << "half bits " << i;
    }
  }
}

TEST(CudaDataMovement, CopiesAtOddSizesAndSmallerBatch) {
  I8RT_REQUIRE_GPU();
  Layer l = makeLayer(IdentityParams{}, 1);
  for (DataType t : {F, H, Q}) {
    const Shape setupShape = {4, 33, 7, 5};
    KernelSetup s = identitySetup(l, setupShape, t, t, 0.05f, 0.05f);
    const HostTensor x = randomTensor(withBatch(setupShape, 3), t, 5);
    const std::string name = std::string("cuda_identity_") + typeTag(t) + "_copy";
    std::vector<HostTensor> got = runCuda(name, "", s, {x});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].bytes, x.bytes) << name;
  }
}

// The scalar path: pointers that are not 16-byte aligned (a tensor inside an arena).
TEST(CudaDataMovement, ReformatsOnUnalignedPointers) {
  I8RT_REQUIRE_GPU();
  Layer l = makeLayer(IdentityParams{}, 1);
  const float scale = 0.02f;
  const std::vector<float> v = quantizerProbe(scale);
  const int64_t n = static_cast<int64_t>(v.size());
  const HostTensor x = floatTensor(v, F);
  const KernelSetup s = identitySetup(l, x.shape, F, Q, 0.f, scale);
  std::vector<HostTensor> want = runCpu("identity_int8_ref", s, {x});
  ASSERT_EQ(want.size(), 1u);
  const Candidate* c = findKernel("cuda_identity_fp32_to_int8_quantize");
  ASSERT_NE(c, nullptr);
  std::unique_ptr<Kernel> k = c->create(s, "");
  DeviceBuffer in(x.bytes.size() + 16), out(static_cast<size_t>(n) + 16);
  checkCuda(cudaMemcpy(in.as<uint8_t>() + 4, x.bytes.data(), x.bytes.size(), cudaMemcpyHostToDevice), "upload");
  checkCuda(cudaMemset(out.get(), 0x5a, out.bytes()), "poison");
  RunArgs a;
  a.inputs.push_back({in.as<uint8_t>() + 4, x.shape, F});
  a.outputs.push_back({out.as<uint8_t>() + 3, x.shape, Q});
  k->enqueue(a);
  checkCuda(cudaDeviceSynchronize(), "sync");
  std::vector<uint8_t> got(static_cast<size_t>(n) + 16);
  checkCuda(cudaMemcpy(got.data(), out.get(), got.size(), cudaMemcpyDeviceToHost), "download");
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 3, got.begin() + 3 + n), want[0].bytes);
  EXPECT_EQ(got[2], 0x5a);   // nothing written before
  EXPECT_EQ(got[3 + n], 0x5a);  // or after
}

// ======================= concatenation (GPU) =======================

void checkConcat(const std::vector<Shape>& setupIn, const std::vector<Shape>& runIn, int axis,
                 DataType t, uint32_t seed) {
  Layer l = makeLayer(ConcatenationParams{axis}, static_cast<int>(setupIn.size()));
  const KernelSetup s = makeSetup(l, setupIn, t);
  std::vector<HostTensor> x;
  for (size_t i = 0; i < runIn.size(); ++i) x.push_back(randomTensor(runIn[i], t, seed + i));
  expectSameAsCpu(std::string("cuda_concatenation_") + typeTag(t),
                  t == Q ? "concatenation_int8_ref" : "concatenation_ref", s, x);
}

TEST(CudaDataMovement, ConcatenationEveryAxisAndType) {
  I8RT_REQUIRE_GPU();
  const Shape base = {3, 5, 7, 9};
  for (DataType t : {F, H, Q})
    for (int axis : {0, 1, 2, 3, -1, -3}) {
      const int a = axis < 0 ? axis + 4 : axis;
      std::vector<Shape> setupIn, runIn;
      for (int64_t len : {1, 2, 3}) {
        Shape sh = base;
        sh[a] = len + (a == 0 ? 0 : 2 * len);
        setupIn.push_back(sh);
        runIn.push_back(a == 0 ? sh : withBatch(sh, 2));  // the batch below the setup's
      }
      SCOPED_TRACE(std::string(typeTag(t)) + " axis " + std::to_string(axis));
      checkConcat(setupIn, runIn, axis, t, 100 + axis);
    }
}

TEST(CudaDataMovement, ConcatenationWideUnitsAndManyInputs) {
  I8RT_REQUIRE_GPU();
  for (DataType t : {F, H, Q}) {
    // 16-byte bands: [2, 16, 4, 4] pieces along channels.
    checkConcat({{4, 16, 4, 4}, {4, 32, 4, 4}}, {{3, 16, 4, 4}, {3, 32, 4, 4}}, 1, t, 7);
    // 40 inputs: two launches of at most 32 parts, mixed widths.
    std::vector<Shape> setupIn, runIn;
    for (int i = 0; i < 40; ++i) {
      setupIn.push_back({3, 1 + i % 3, 5, 3});
      runIn.push_back({2, 1 + i % 3, 5, 3});
    }
    checkConcat(setupIn, runIn, 1, t, 9);
  }
}

// ======================= shuffle (GPU) =======================

TEST(CudaDataMovement, ShuffleMatchesCpu) {
  I8RT_REQUIRE_GPU();
  for (const ShuffleCase& c : shuffleCases())
    for (DataType t : {F, H, Q}) {
      Layer l = makeLayer(c.p, 1);
      const KernelSetup s = makeSetup(l, {c.in}, t);
      // The batch below the setup's where dim 0 stays the batch; the setup's shape otherwise.
      const bool batchKept = c.p.firstTranspose.empty() || c.p.firstTranspose[0] == 0;
      const Shape run = batchKept ? withBatch(c.in, 2) : c.in;
      SCOPED_TRACE(std::string(typeTag(t)) + " " + shapeToString(c.in) + " -> " +
                   shapeToString(s.outputShapes[0]));
      expectSameAsCpu(std::string("cuda_shuffle_") + typeTag(t),
                      t == Q ? "shuffle_int8_ref" : "shuffle_ref", s, {randomTensor(run, t, 21)});
    }
}

// ======================= padding (GPU) =======================

TEST(CudaDataMovement, PaddingEveryModeMatchesCpu) {
  I8RT_REQUIRE_GPU();
  for (const PadCase& c : padCases())
    for (PaddingMode mode : {PaddingMode::kCONSTANT, PaddingMode::kREFLECT, PaddingMode::kEDGE,
                             PaddingMode::kWRAP})
      for (DataType t : {F, H}) {
        PaddingParams p;
        p.mode = mode;
        p.padBegin = c.begin;
        p.padEnd = c.end;
        p.value = -0.37f;
        Layer l = makeLayer(p, 1);
        const KernelSetup s = makeSetup(l, {c.in}, t);
        SCOPED_TRACE(std::string(typeTag(t)) + " " + shapeToString(c.in) + " mode " +
                     std::to_string(static_cast<int>(mode)));
        expectSameAsCpu(std::string("cuda_padding_") + typeTag(t), "padding_ref", s,
                        {randomTensor(withBatch(c.in, 2), t, 31)});
      }
}

TEST(CudaDataMovement, SupportsChecksTypesAndScales) {
  Layer l = makeLayer(IdentityParams{}, 1);
  const DeviceInfo& d = currentDevice();
  const Candidate* q = findKernel("cuda_identity_fp32_to_int8_quantize");
  const Candidate* rq = findKernel("cuda_identity_int8_requantize");
  const Candidate* cp = findKernel("cuda_identity_int8_copy");
  ASSERT_TRUE(q && rq && cp);
  EXPECT_TRUE(q->supports(identitySetup(l, {2, 3}, F, Q, 0.f, 0.1f), d));
  EXPECT_FALSE(q->supports(identitySetup(l, {2, 3}, F, Q, 0.f, 0.f), d));  // no scale
  EXPECT_FALSE(q->supports(identitySetup(l, {2, 3}, H, Q, 0.f, 0.1f), d));
  EXPECT_TRUE(rq->supports(identitySetup(l, {2, 3}, Q, Q, 0.1f, 0.2f), d));
  EXPECT_FALSE(rq->supports(identitySetup(l, {2, 3}, Q, Q, 0.1f, 0.1f), d));
  EXPECT_TRUE(cp->supports(identitySetup(l, {2, 3}, Q, Q, 0.1f, 0.1f), d));
  Layer c = makeLayer(ConcatenationParams{1}, 2);
  KernelSetup cs = makeSetup(c, {{2, 3}, {2, 4}}, Q);
  EXPECT_TRUE(findKernel("cuda_concatenation_int8")->supports(cs, d));
  cs.inputScales[1] = 0.07f;  // INT8 concat moves bytes: one scale for all
  EXPECT_FALSE(findKernel("cuda_concatenation_int8")->supports(cs, d));
  EXPECT_FALSE(findKernel("cuda_concatenation_fp32")->supports(cs, d));
  EXPECT_THROW(findKernel("cuda_concatenation_fp32")->create(makeSetup(c, {{2, 3}, {2, 4}}, F), "x"), Error);
}

}  // namespace
}  // namespace int8rt::cuda::test

// cuda_int8_chain (src/backends/cuda/chain/): a run of INT8 layers as one kernel against the
// CPU references run layer by layer (convolution_int8_ref with its fused pool, shuffle,
// fully_connected_int8_ref with its fused softmax). Every intermediate tensor is INT8 with a
// scale taken from the reference's own FP32 output (amax / 127, a little below so that some
// values saturate), so that the chain sees realistic, non-degenerate data; the kernel must
// reproduce the references' integers exactly, and their final floats exactly (softmax: within
// the float-vs-double sum difference).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backends/cuda/chain/chain_kernel_host.h"
#include "backends/cuda/chain/chain_setup.h"
#include "cuda_conv_test_util.h"
#include "cuda_test_util.h"
#include "unit/cpu_kernel_test_util.h"

namespace int8rt::cuda::test {
namespace {

Layer convLayer(int c, int k, int r, int s, Shape stride, Shape pad, Shape pool, ActivationType act,
                uint32_t seed, const char* name) {
  ConvCase cc{name, 1, 1, c, 1, 1, k, r, s, stride, pad, pad, {}, 1, act};
  Layer l = makeConvLayer(cc, seed);
  std::get<ConvolutionParams>(l.params).fusedMaxPool = pool;
  return l;
}

Layer fcLayer(int64_t f, int64_t k, ActivationType act, bool softmax, uint32_t seed, const char* name) {
  FullyConnectedParams p;
  p.nbOutputs = k;
  p.weights.values = cpu::test::randomValues(f * k, seed, 1.f / std::sqrt(static_cast<float>(f)));
  p.bias.values = cpu::test::randomValues(k, seed + 1, 0.1f);
  p.activation.type = act;
  if (act == ActivationType::kLEAKY_RELU) p.activation.alpha = 0.1f;
  p.fusedSoftmax = softmax;
  return cpu::test::makeLayer(std::move(p), 1, name);
}

Layer flattenLayer(int64_t features) {
  ShuffleParams p;
  p.doReshape = true;
  p.reshapeDims = {0, features};
  return cpu::test::makeLayer(std::move(p), 1, "flatten");
}

// LeNet's shape: two convolutions with fused 2x2 pools, a flatten, fc 800 -> 500 (RELU),
// fc 500 -> 10 with softmax.
std::vector<Layer> lenetLayers() {
  std::vector<Layer> layers;
  layers.push_back(convLayer(1, 20, 5, 5, {}, {}, {2, 2}, ActivationType::kNONE, 1, "conv1"));
  layers.push_back(convLayer(20, 50, 5, 5, {}, {}, {2, 2}, ActivationType::kRELU, 3, "conv2"));
  layers.push_back(flattenLayer(800));
  layers.push_back(fcLayer(800, 500, ActivationType::kRELU, false, 5, "ip1"));
  layers.push_back(fcLayer(500, 10, ActivationType::kNONE, true, 7, "ip2"));
  return layers;
}

const char* refFor(const Layer& l) {
  switch (l.kind()) {
    case LayerKind::kCONVOLUTION: return "convolution_int8_ref";
    case LayerKind::kFULLY_CONNECTED: return "fully_connected_int8_ref";
    default: return "shuffle_int8_ref";
  }
}

struct Chain {
  std::vector<Layer> layers;
  std::vector<KernelSetup> setups;  // at the max batch
  std::vector<float> scales;        // output scale per layer (INT8 outputs)
};

// The setups of `layers` at `maxBatch`, the first reading `in` (FP32 with scale `inScale`, or
// INT8), INT8 in between, the last writing `lastType`; intermediate scales from `x`'s run.
Chain makeChain(std::vector<Layer> layers, const HostTensor& x, float inScale, DataType lastType,
                int64_t maxBatch) {
  Chain c;
  c.layers = std::move(layers);
  HostTensor cur = x;
  if (x.type == DataType::kFLOAT) {  // the chain quantizes on load as a quantize reformat does
    const Layer id = cpu::test::makeLayer(IdentityParams{}, 1, "quantize");
    KernelSetup sq = cpu::test::makeSetup(id, {x.shape});
    sq.outputTypes = {DataType::kINT8};
    sq.outputScales = {inScale};
    cur = runCpu("identity_int8_ref", sq, {x}).at(0);
  }
  Shape shape = x.shape;
  shape[0] = maxBatch;
  float scale = inScale;
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const Layer& l = c.layers[i];
    const bool last = i + 1 == c.layers.size();
    KernelSetup s = cpu::test::makeSetup(l, {shape});
    s.inputTypes = {i == 0 ? x.type : DataType::kINT8};
    s.inputScales = {scale};
    KernelSetup asInt8 = s;
    asInt8.inputTypes = {DataType::kINT8};
    float outScale = scale;  // a reshape keeps its input's scale
    if (l.kind() != LayerKind::kSHUFFLE && !(last && lastType == DataType::kFLOAT)) {
      KernelSetup probe = asInt8;
      probe.outputTypes = {DataType::kFLOAT};
      probe.outputScales = {0.f};
      const std::vector<float> v = runCpu(refFor(l), probe, {cur}).at(0).values();
      float amax = 0.f;
      for (float f : v) amax = std::max(amax, std::fabs(f));
      outScale = std::max(amax, 1e-3f) * 0.8f / 127.f;
    }
    s.outputTypes = {last ? lastType : DataType::kINT8};
    s.outputScales = {s.outputTypes[0] == DataType::kINT8 ? outScale : 0.f};
    asInt8.outputTypes = s.outputTypes;
    asInt8.outputScales = s.outputScales;
    cur = runCpu(refFor(l), asInt8, {cur}).at(0);
    c.setups.push_back(s);
    c.scales.push_back(s.outputScales[0]);
    shape = s.outputShapes[0];
    scale = outScale;
  }
  return c;
}

// The references' result for `x` (FP32 input quantized first), layer by layer.
HostTensor reference(const Chain& c, const HostTensor& x) {
  HostTensor cur = x;
  if (x.type == DataType::kFLOAT) {
    const Layer id = cpu::test::makeLayer(IdentityParams{}, 1, "quantize");
    KernelSetup sq = cpu::test::makeSetup(id, {x.shape});
    sq.outputTypes = {DataType::kINT8};
    sq.outputScales = {c.setups[0].inputScales[0]};
    cur = runCpu("identity_int8_ref", sq, {x}).at(0);
  }
  for (const KernelSetup& s : c.setups) {
    KernelSetup r = s;
    r.inputTypes = {DataType::kINT8};
    cur = runCpu(refFor(*s.layer), r, {cur}).at(0);
  }
  return cur;
}

// The chain kernel on `x` in `config`; the output poisoned first (NaN / -1) so that an element
// it does not write fails. The input sits `inputOffset` bytes into its buffer (a binding need
// not be aligned beyond its element).
HostTensor runChain(const Chain& c, const std::string& config, const HostTensor& x, size_t inputOffset = 0) {
  std::unique_ptr<Kernel> k = chain::createChainKernel(c.setups, config);
  const KernelSetup& last = c.setups.back();
  Shape outShape = last.outputShapes[0];
  outShape[0] = x.shape[0];
  HostTensor y(outShape, last.outputTypes[0]);
  DeviceBuffer dx(inputOffset + x.bytes.size(), "chain test input"), dy(y.bytes.size() + 1, "chain test output");
  checkCuda(cudaMemcpy(dx.as<unsigned char>() + inputOffset, x.bytes.data(), x.bytes.size(), cudaMemcpyHostToDevice),
            "upload");
  checkCuda(cudaMemset(dy.get(), 0xFF, dy.bytes()), "poison");
  RunArgs a;
  a.inputs.push_back({dx.as<unsigned char>() + inputOffset, x.shape, x.type});
  a.outputs.push_back({dy.get(), outShape, y.type});
  k->enqueue(a);
  checkCuda(cudaDeviceSynchronize(), "chain kernel");
  checkCuda(cudaMemcpy(y.bytes.data(), dy.get(), y.bytes.size(), cudaMemcpyDeviceToHost), "download");
  return y;
}

void expectChainMatches(const Chain& c, const HostTensor& x, bool softmax) {
  ASSERT_EQ(chain::chainRejection(c.setups, currentDevice()), "");
  const HostTensor ref = reference(c, x);
  const std::vector<std::string> configs = chain::chainConfigs(c.setups);
  ASSERT_FALSE(configs.empty());
  // Each configuration with the input at its buffer's start and one element in.
  const size_t shifted = x.type == DataType::kFLOAT ? sizeof(float) : 1;
  for (const std::string& config : configs)
    for (size_t offset : {size_t(0), shifted}) {
      SCOPED_TRACE(config + " input offset " + std::to_string(offset));
      const HostTensor got = runChain(c, config, x, offset);
      ASSERT_EQ(got.shape, ref.shape);
      if (softmax)
        EXPECT_TRUE(allNear(got.values(), ref.values(), 1e-6f, 1e-5f));
      else
        EXPECT_TRUE(allNear(got.values(), ref.values(), 0.f, 0.f));
    }
}

// LeNet's shape: FP32 input quantized on load, two convolutions with fused 2x2 pools, a
// flatten, fc 800 -> 500 (RELU), fc 500 -> 10 with softmax; a run batch below the maximum and
// not a multiple of the cluster.
TEST(CudaChain, LeNetShapedChainMatchesReferences) {
  I8RT_REQUIRE_GPU();
  std::vector<Layer> layers = lenetLayers();
  const HostTensor x = randomTensor({37, 1, 28, 28}, DataType::kFLOAT, 9, 2.f);
  const Chain c = makeChain(std::move(layers), x, 0.02f, DataType::kFLOAT, 100);
  expectChainMatches(c, x, true);
}

// Odd sizes everywhere: an INT8 input with padding and a 3x2 pool, a strided convolution
// without pool (CLIP), three fully connected layers (two split over the cluster, 37 and 19
// outputs), an FP32 output without softmax.
TEST(CudaChain, OddChainMatchesReferences) {
  I8RT_REQUIRE_GPU();
  std::vector<Layer> layers;
  layers.push_back(convLayer(3, 7, 3, 3, {}, {1, 1}, {3, 2}, ActivationType::kLEAKY_RELU, 11, "c1"));
  layers.push_back(convLayer(7, 33, 3, 3, {2, 2}, {1, 0}, {}, ActivationType::kCLIP, 13, "c2"));
  // c1: 13x17 -> 13x17, pooled 4x8; c2: 4x8 -> (4+2-3)/2+1 = 2 x (8-3)/2+1 = 3.
  layers.push_back(fcLayer(33 * 2 * 3, 37, ActivationType::kRELU, false, 15, "f1"));
  layers.push_back(fcLayer(37, 19, ActivationType::kLEAKY_RELU, false, 17, "f2"));
  layers.push_back(fcLayer(19, 5, ActivationType::kNONE, false, 19, "f3"));
  for (int64_t batch : {int64_t(5), int64_t(19)}) {
    SCOPED_TRACE(batch);
    const HostTensor x = randomTensor({batch, 3, 13, 17}, DataType::kINT8, 21);
    const Chain c = makeChain(layers, x, 0.05f, DataType::kFLOAT, 19);
    expectChainMatches(c, x, false);
  }
}

// Three convolutions in a row (padding and a pool, stride 2, a 1x1 kernel) before two fully
// connected layers with softmax.
TEST(CudaChain, ThreeConvolutionsMatchReferences) {
  I8RT_REQUIRE_GPU();
  std::vector<Layer> layers;
  layers.push_back(convLayer(3, 8, 3, 3, {}, {1, 1}, {2, 2}, ActivationType::kRELU, 41, "h1"));
  layers.push_back(convLayer(8, 12, 3, 3, {2, 2}, {1, 1}, {}, ActivationType::kNONE, 43, "h2"));
  layers.push_back(convLayer(12, 16, 1, 1, {}, {}, {}, ActivationType::kRELU, 45, "h3"));
  // h1: 15x11 -> pooled 7x5; h2: (7+2-3)/2+1 = 4 x (5+2-3)/2+1 = 3; h3: 4x3.
  layers.push_back(flattenLayer(16 * 4 * 3));
  layers.push_back(fcLayer(16 * 4 * 3, 24, ActivationType::kRELU, false, 47, "g1"));
  layers.push_back(fcLayer(24, 7, ActivationType::kNONE, true, 49, "g2"));
  const HostTensor x = randomTensor({13, 3, 15, 11}, DataType::kINT8, 51);
  const Chain c = makeChain(std::move(layers), x, 0.05f, DataType::kFLOAT, 13);
  expectChainMatches(c, x, true);
}

// A first convolution pooled from registers (no k split) with more than one M tile per
// group: 40 channels (three tiles, the last partial; 21 chunks over 16 warps), then 72 (two M
// groups of 8 warps each, 18 chunks; group 1 holds 8 channels of its 64 rows).
TEST(CudaChain, WidePooledConvolutionMatchesReferences) {
  struct Case {
    int64_t k, h, w;
    int chunks;
  };
  for (const Case& t : {Case{40, 14, 18, 21}, Case{72, 12, 18, 18}}) {
    SCOPED_TRACE(t.k);
    std::vector<Layer> layers;
    layers.push_back(convLayer(2, t.k, 3, 3, {}, {1, 1}, {2, 2}, ActivationType::kLEAKY_RELU, 81, "p1"));
    const int64_t features = t.k * (t.h / 2) * (t.w / 2);
    layers.push_back(flattenLayer(features));
    layers.push_back(fcLayer(features, 16, ActivationType::kRELU, false, 83, "q1"));
    layers.push_back(fcLayer(16, 5, ActivationType::kNONE, true, 85, "q2"));
    const HostTensor x = randomTensor({9, 2, t.h, t.w}, DataType::kINT8, 87);
    const Chain c = makeChain(std::move(layers), x, 0.05f, DataType::kFLOAT, 9);
    DeviceInfo sm90;
    sm90.present = true;
    sm90.major = 9;
    ASSERT_EQ(chain::chainRejection(c.setups, sm90), "");
    const chain::ConvStage& p1 = chain::planChain(c.setups, chain::chainConfigs(c.setups).at(0)).launch.conv[0];
    EXPECT_TRUE(p1.directPool);
    EXPECT_EQ(p1.chunks, t.chunks);
    EXPECT_EQ(p1.parts, 1);
    if (!currentDevice().present) continue;
    expectChainMatches(c, x, true);
  }
}

// Two fully connected layers only (f -> mid RELU, mid -> k): a batch of `batch` INT8 images
// with seeds from `seed`, the chain's output of type `out`, at most 16 images.
void expectTwoFcChainMatches(int64_t f, int64_t mid, int64_t k, bool softmax, DataType out, int64_t batch,
                             uint32_t seed) {
  std::vector<Layer> layers;
  layers.push_back(fcLayer(f, mid, ActivationType::kRELU, false, seed, "a"));
  layers.push_back(fcLayer(mid, k, ActivationType::kNONE, softmax, seed + 2, "b"));
  const HostTensor x = randomTensor({batch, f}, DataType::kINT8, seed + 4);
  const Chain c = makeChain(std::move(layers), x, 0.03f, out, 16);
  expectChainMatches(c, x, softmax);
}

// Fully connected layers only, INT8 output (requantized by the last stage).
TEST(CudaChain, FullyConnectedChainWithInt8Output) {
  I8RT_REQUIRE_GPU();
  expectTwoFcChainMatches(70, 45, 12, false, DataType::kINT8, 11, 31);
}

// A last stage with more outputs than the CTA has warps (40 outputs, softmax over more than one
// lane per value: each warp takes outputs o, o + 16, ..., the softmax warp two values a lane).
TEST(CudaChain, WideLastStageMatchesReferences) {
  I8RT_REQUIRE_GPU();
  expectTwoFcChainMatches(83, 50, 40, true, DataType::kFLOAT, 9, 61);
}

// The planner (host only, no GPU): LeNet's chain fits one CTA's shared memory in every
// configuration, with one split stage (ip1) and the last stage (ip2) per image.
TEST(CudaChain, PlansLeNetWithoutGpu) {
  std::vector<Layer> layers = lenetLayers();
  const HostTensor x = randomTensor({3, 1, 28, 28}, DataType::kFLOAT, 9, 2.f);
  const Chain c = makeChain(std::move(layers), x, 0.02f, DataType::kFLOAT, 100);
  DeviceInfo sm90;
  sm90.present = true;
  sm90.major = 9;
  EXPECT_EQ(chain::chainRejection(c.setups, sm90), "");
  // Two CTAs would each hold 256 rows of ip1's weights: more shared memory than an SM has.
  EXPECT_EQ(chain::chainConfigs(c.setups), (std::vector<std::string>{"cluster=8", "cluster=4"}));
  for (const std::string& config : chain::chainConfigs(c.setups)) {
    const chain::ChainPlan p = chain::planChain(c.setups, config);
    EXPECT_EQ(p.launch.nConv, 2);
    EXPECT_EQ(p.launch.nFc, 2);
    EXPECT_FALSE(p.launch.fc[0].last);
    EXPECT_TRUE(p.launch.fc[1].last && p.launch.fc[1].softmax);
    EXPECT_GE(p.launch.fc[0].rows * p.launch.cluster, 500);
    // ip1 receives every CTA's whole vector (50 x 4 x 4 = 800 features); ip2 its image's 500
    // outputs (padded to 512) in slices of every CTA's rows.
    EXPECT_EQ(p.launch.pushBytes[0], p.launch.cluster * 800);
    EXPECT_EQ(p.launch.pushBytes[1], 512);
    EXPECT_LE(p.launch.smemBytes, chain::kSmemLimit);
    EXPECT_TRUE(p.launch.xFloat);
    // What the kernel's first steps read (the parameter's head, then conv1's staging fields,
    // which lead its stage) spans a few constant-cache lines, not one per field.
    const char* start = reinterpret_cast<const char*>(&p.launch);
    EXPECT_LE(reinterpret_cast<const char*>(&p.launch.input + 1) - start, 112);
    EXPECT_LE(reinterpret_cast<const char*>(&p.launch.conv[0].constsOffset + 1) - start, 160);
    // conv1 (the FP32 input: a CHW plane, byte gathers; one k tile, 12 x 3 row-pair chunks)
    // pools from registers. conv2's input (20 channels) is channel-innermost, gathered by
    // words; its 4 chunks split the reduction over 4 parts for 16 warps, so its parts meet in
    // shared memory and a store pass pools.
    const chain::ConvStage& c1 = p.launch.conv[0];
    const chain::ConvStage& c2 = p.launch.conv[1];
    EXPECT_FALSE(c1.in.hwc);
    EXPECT_TRUE(c1.directPool);
    EXPECT_EQ(c1.chunks, 36);
    EXPECT_EQ(c1.parts, 1);
    EXPECT_TRUE(c2.in.hwc && c1.out.hwc);
    EXPECT_FALSE(c2.directPool);
    EXPECT_EQ(c2.parts, 4);
    EXPECT_FALSE(c2.out.hwc);  // the first vector: NCHW flattening order
  }
}

// What it refuses, with a reason (no GPU needed for the structure checks).
TEST(CudaChain, RejectsRunsItCannotRun) {
  std::vector<Layer> layers;
  layers.push_back(fcLayer(8, 4, ActivationType::kRELU, true, 1, "softmax_first"));
  layers.push_back(fcLayer(4, 2, ActivationType::kNONE, false, 2, "b"));
  std::vector<KernelSetup> s;
  s.push_back(cpu::test::makeSetup(layers[0], {{4, 8}}));
  s.push_back(cpu::test::makeSetup(layers[1], {{4, 4}}));
  for (KernelSetup& k : s) {
    k.inputTypes = {DataType::kINT8};
    k.inputScales = {0.1f};
    k.outputTypes = {DataType::kINT8};
    k.outputScales = {0.1f};
  }
  DeviceInfo sm90;
  sm90.present = true;
  sm90.major = 9;
  EXPECT_NE(chain::chainRejection(s, sm90), "");  // a softmax before the end
  DeviceInfo none;
  EXPECT_NE(chain::chainRejection(s, none), "");
  EXPECT_THROW(chain::planChain(s, "cluster=9"), Error);
}

}  // namespace
}  // namespace int8rt::cuda::test

// Host-side planning of the fused INT8 chain kernel: see chain_setup.h and chain_params.h.
#include "backends/cuda/chain/chain_setup.h"

#include <algorithm>
#include <cstdio>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/int8/int8_common.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/gemm/fc_common.h"
#include "core/error.h"
#include "plan/reshape_alias.h"

namespace int8rt::cuda::chain {

namespace {

int roundUp(int64_t v, int64_t m) { return static_cast<int>((v + m - 1) / m * m); }

// A layer of the chain as the planner sees it.
enum class Role { kConv, kReshape, kFc };

struct ConvDims {
  int c, h, w, k, r, s, oh, ow, strideH, strideW, padH, padW, poolH, poolW;
};

ConvDims convDims(const KernelSetup& s) {
  const auto& p = s.layer->as<ConvolutionParams>();
  const Shape& x = s.inputShapes[0];
  ConvDims d{};
  d.c = static_cast<int>(x[1]), d.h = static_cast<int>(x[2]), d.w = static_cast<int>(x[3]);
  d.k = static_cast<int>(p.nbOutputMaps);
  d.r = static_cast<int>(p.kernel[0]), d.s = static_cast<int>(p.kernel[1]);
  d.strideH = static_cast<int>(cpu::dimOr(p.stride, 0, 1));
  d.strideW = static_cast<int>(cpu::dimOr(p.stride, 1, 1));
  d.padH = static_cast<int>(cpu::dimOr(p.padBegin, 0, 0));
  d.padW = static_cast<int>(cpu::dimOr(p.padBegin, 1, 0));
  int64_t oh = 0, ow = 0;
  conv::convOutputPlane(s, oh, ow);
  d.oh = static_cast<int>(oh), d.ow = static_cast<int>(ow);
  d.poolH = p.fusedMaxPool.empty() ? 1 : static_cast<int>(p.fusedMaxPool[0]);
  d.poolW = p.fusedMaxPool.empty() ? 1 : static_cast<int>(p.fusedMaxPool[1]);
  return d;
}

// Why one layer cannot be a stage at its place (first / last of the chain); "" when it can.
std::string stageRejection(const KernelSetup& s, Role role, bool first, bool last) {
  const Layer& l = *s.layer;
  if (s.inputShapes.size() != 1 || s.outputShapes.size() != 1) return "not one input and one output";
  for (size_t i = 0; i < 1; ++i)
    if (s.inputFormat(i) != TensorFormat::kLINEAR || s.outputFormat(i) != TensorFormat::kLINEAR)
      return "an NHWC tensor";
  if (s.inputShapes[0].empty() || s.outputShapes[0].empty() || s.outputShapes[0][0] != s.inputShapes[0][0])
    return "the batch is not the first dimension of both tensors";
  if (role == Role::kReshape) {
    if (first || last) return "a reshape at an end of the chain";
    return s.inputTypes[0] == DataType::kINT8 && s.outputTypes[0] == DataType::kINT8 ? "" : "not INT8";
  }
  const bool inOk = cpu::i8::int8Input(s, 0) || (first && role == Role::kConv && conv::quantizedOnLoad(s));
  if (!inOk) return "input neither INT8 nor (first convolution) FP32 with a quantize scale";
  if (last ? !cpu::i8::int8OrFloatOutput(s, true) : !cpu::i8::int8OrFloatOutput(s, false))
    return "output type";
  if (role == Role::kConv) {
    // The checks every CUDA convolution makes (shapes, weights, pool window and output plane).
    if (!conv::supportedConv2d(s, /*allowFusedPool=*/true)) return "not a 2-D convolution the CUDA kernels run";
    const auto& p = l.as<ConvolutionParams>();
    if (p.groups != 1) return "grouped convolution";
    for (int64_t v : p.dilation)
      if (v != 1) return "dilation";
    const conv::ConvActivation act = conv::makeConvActivation(p.activation);
    if (!act.linear) return "activation other than NONE, RELU, LEAKY_RELU, CLIP";
    if (!p.fusedMaxPool.empty() && (p.fusedMaxPool.size() != 2 || act.slope < 0.f))
      return "pool with a decreasing activation";
    const ConvDims d = convDims(s);
    if (d.k > 128) return "more than 128 output channels";
    if (d.oh <= 0 || d.ow <= 0 || d.oh * d.ow > 16384) return "output plane size";
    if (!cpu::i8::accumulatorFits(int64_t(d.c) * d.r * d.s)) return "reduction too long for int32";
    if (last) return "a convolution ends the chain";
    return "";
  }
  // The checks every INT8 fully connected kernel makes (shapes, weights, types, int32 sums).
  if (!fcSupports(s, DataType::kINT8, /*allowSoftmax=*/true)) return "not an INT8 fully connected layer";
  const auto& p = l.as<FullyConnectedParams>();
  if (p.fusedSoftmax && !last) return "fused softmax before the end";
  if (p.fusedSoftmax && s.outputTypes[0] != DataType::kFLOAT) return "softmax with INT8 output";
  if (!conv::makeConvActivation(p.activation).linear) return "activation other than NONE, RELU, LEAKY_RELU, CLIP";
  const FcDims d = fcSetupDims(s);
  if (d.c > 65536 || d.k > 65536) return "fully connected size";
  if (!last && s.outputTypes[0] != DataType::kINT8) return "FP32 output before the end";
  return "";
}

Role roleOf(const Layer& l) {
  if (l.kind() == LayerKind::kCONVOLUTION) return Role::kConv;
  if (l.kind() == LayerKind::kFULLY_CONNECTED) return Role::kFc;
  return Role::kReshape;
}

// The structure: convolutions, then reshapes, then fully connected layers (at least one).
std::string structureRejection(const std::vector<KernelSetup>& layers) {
  if (layers.size() < 2) return "fewer than two layers";
  int phase = 0, convs = 0, fcs = 0;  // 0: convolutions, 1: reshapes, 2: fully connected
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = *layers[i].layer;
    const bool known = l.kind() == LayerKind::kCONVOLUTION || l.kind() == LayerKind::kFULLY_CONNECTED ||
                       (l.kind() == LayerKind::kSHUFFLE && isPureReshape(l));
    if (!known) return std::string("layer '") + l.name + "' (" + layerKindName(l.kind()) + ")";
    const int p = roleOf(l) == Role::kConv ? 0 : roleOf(l) == Role::kReshape ? 1 : 2;
    if (p < phase) return std::string("layer '") + l.name + "' out of order";
    phase = p;
    convs += p == 0;
    fcs += p == 2;
  }
  if (fcs == 0) return "no fully connected layer";
  if (convs > kMaxConv || fcs > kMaxFc) return "too many stages";
  return "";
}

int clusterOf(const std::string& config) {
  int n = 0;
  char tail = 0;
  if (std::sscanf(config.c_str(), "cluster=%d%c", &n, &tail) != 1 || n < 1 || n > kMaxCluster) return 0;
  return n;
}

// Items without a k split: M groups x chunks; split the reduction while warps are idle.
// The kernel's teams (M group x part) then number at most kWarps.
int convParts(int items, int kTiles) {
  return items < kWarps ? std::max(1, std::min(kWarps / items, kTiles)) : 1;
}

// A 2 x 2 pool whose row-pair chunks need no k split keeps its accumulators in registers
// (ConvStage::directPool). Needs the stage's output plane (set after all stages are packed).
void chooseDirectPool(ConvStage& c) {
  if (c.poolH != 2 || c.poolW != 2 || c.out.h != c.oh / 2 || c.out.w != c.ow / 2 || c.out.h == 0 || c.out.w == 0)
    return;
  const int colBlocks = (c.out.w + 3) / 4, chunks = c.out.h * colBlocks;  // 4 pooled columns per block
  if (convParts(c.mi / kConvMi * chunks, c.kp / 32) != 1) return;
  c.directPool = true;
  c.colBlocks = colBlocks;
  c.chunks = chunks;
  c.parts = 1;
}

// Sets one convolution stage's launch fields and, when `pack`, quantizes and packs its
// constants (offsets in the host buffers go to the plan; shared-memory offsets are set by the
// caller). Without `pack` only the geometry is planned: enough to know whether it fits.
void packConv(const KernelSetup& s, bool first, ConvStage& st, ChainPlan& plan, int stage, bool pack) {
  const auto& p = s.layer->as<ConvolutionParams>();
  const ConvDims d = convDims(s);
  st.k = d.k, st.oh = d.oh, st.ow = d.ow, st.strideH = d.strideH, st.strideW = d.strideW;
  st.poolH = d.poolH, st.poolW = d.poolW;
  const int reduction = d.c * d.r * d.s;
  st.kp = roundUp(reduction, 32);
  // The input plane: the rows and columns the windows reach, with the zero border; channels
  // innermost where 4 consecutive k of the (r, s, c) order are 4 bytes side by side (the
  // chain's input comes from global memory in NCHW: never).
  st.in = Plane{d.c, d.h, d.w, (d.oh - 1) * d.strideH + d.r, (d.ow - 1) * d.strideW + d.s, d.padH, d.padW, 0, 0};
  st.in.bytes = roundUp(int64_t(st.in.c) * st.in.hp * st.in.wp, 16);
  st.in.hwc = !first && d.c % 4 == 0;
  st.mi = roundUp((d.k + 15) / 16, kConvMi);
  const int columns = d.oh * d.ow, kTiles = st.kp / 32;
  st.chunks = (columns + 8 * kConvNi - 1) / (8 * kConvNi);
  st.parts = convParts(st.mi / kConvMi * st.chunks, kTiles);
  check(st.mi / kConvMi * st.parts <= kWarps, "cuda_int8_chain: too many convolution teams");
  // 8 mod 32 words: the MMA fragments' rows (8 per store) then meet at most in pairs on a bank.
  st.accStride = roundUp(columns, 32) + 8;
  st.act = conv::makeConvActivation(p.activation);
  st.constStride = roundUp(d.k, 4);
  if (!pack) return;

  const cpu::QuantizedWeights qw = cpu::quantizeWeightsPerChannel(p.weights.values.data(), d.k, reduction);
  KernelSetup asInt8 = s;  // an FP32 input behaves as its quantized INT8 tensor
  if (first) asInt8.inputTypes[0] = DataType::kINT8;
  const cpu::i8::EpilogueParams ep = cpu::i8::makeEpilogueParams(asInt8, qw.scales, p.bias, p.activation, s.layer->name);
  st.outInvScale = ep.outInvScale;

  plan.convWeights[stage] = plan.weights.size();
  // Rows kp + 16 bytes apart, as in shared memory (conflict-free ldmatrix): one bulk copy.
  // An hwc input takes the reduction in (r, s, c) order, the quantized weights come in (c, r, s).
  const int rs = d.r * d.s;
  std::vector<int8_t> w(static_cast<size_t>(16 * st.mi) * (st.kp + 16), 0);
  for (int m = 0; m < d.k; ++m)
    for (int kk = 0; kk < reduction; ++kk) {
      const int from = st.in.hwc ? (kk % d.c) * rs + kk / d.c : kk;
      w[int64_t(m) * (st.kp + 16) + kk] = qw.values[int64_t(m) * reduction + from];
    }
  plan.weights.insert(plan.weights.end(), w.begin(), w.end());

  // Tap table [kt][tig][8]: B bytes 4 tig..4 tig+3 (b0) and 16+4 tig.. (b1) of k tile kt.
  plan.convTaps[stage] = plan.taps.size();
  for (int kt = 0; kt < kTiles; ++kt)
    for (int tig = 0; tig < 4; ++tig)
      for (int j = 0; j < 8; ++j) {
        const int kk = kt * 32 + (j < 4 ? 4 * tig + j : 16 + 4 * tig + j - 4);
        int off = 0;
        if (kk < reduction && st.in.hwc) {
          const int pos = kk / d.c, ci = kk % d.c;
          off = ((pos / d.s) * st.in.wp + pos % d.s) * d.c + ci;
        } else if (kk < reduction) {
          const int ci = kk / rs, at = kk % rs;
          off = (ci * st.in.hp + at / d.s) * st.in.wp + at % d.s;
        }
        plan.taps.push_back(static_cast<uint16_t>(off));
      }

  plan.convConsts[stage] = plan.consts.size();
  std::vector<float> c(2 * static_cast<size_t>(st.constStride), 0.f);
  std::copy(ep.mult.begin(), ep.mult.end(), c.begin());
  std::copy(ep.bias.begin(), ep.bias.end(), c.begin() + st.constStride);
  plan.consts.insert(plan.consts.end(), c.begin(), c.end());
}

// The same for a fully connected stage.
void packFc(const KernelSetup& s, bool last, int cluster, FcStage& st, ChainPlan& plan, int stage, bool pack) {
  const auto& p = s.layer->as<FullyConnectedParams>();
  st.f = static_cast<int>(fcSetupDims(s).c);
  st.fpad = roundUp(st.f, 32);
  st.k = static_cast<int>(p.nbOutputs);
  st.last = last;
  st.act = conv::makeConvActivation(p.activation);
  st.softmax = p.fusedSoftmax;
  // Split stages: CTA q's rows are q * rows + r; rows past k are zero weights.
  const int ctas = last ? 1 : cluster;
  st.rows = last ? st.k : roundUp((st.k + cluster - 1) / cluster, 16);
  st.mTiles = st.rows / 16;
  if (!last) st.parts = st.mTiles < kWarps ? std::max(1, std::min(kWarps / st.mTiles, st.fpad / 32)) : 1;
  st.wStride = last ? st.fpad : st.fpad + 16;
  st.constStride = last ? roundUp(st.k, 4) : st.rows;
  if (!pack) return;

  const cpu::QuantizedWeights qw = cpu::quantizeWeightsPerChannel(p.weights.values.data(), st.k, st.f);
  const cpu::i8::EpilogueParams ep = cpu::i8::makeEpilogueParams(s, qw.scales, p.bias, p.activation, s.layer->name);
  st.outInt8 = ep.outInt8;
  st.outInvScale = ep.outInvScale;
  plan.fcWeights[stage] = plan.weights.size();
  // Rows wStride bytes apart, as in shared memory: one bulk copy per CTA's slice.
  std::vector<int8_t> w(static_cast<size_t>(ctas) * st.rows * st.wStride, 0);
  for (int g = 0; g < std::min(st.k, ctas * st.rows); ++g)
    std::copy_n(qw.values.begin() + int64_t(g) * st.f, st.f, w.begin() + int64_t(g) * st.wStride);
  plan.weights.insert(plan.weights.end(), w.begin(), w.end());

  plan.fcConsts[stage] = plan.consts.size();
  std::vector<float> c(static_cast<size_t>(ctas) * 2 * st.constStride, 0.f);
  for (int g = 0; g < st.k; ++g) {
    const int q = g / st.constStride, r = g % st.constStride;  // last: one slice of k rows
    c[static_cast<size_t>(q) * 2 * st.constStride + r] = ep.mult[g];
    c[static_cast<size_t>(q) * 2 * st.constStride + st.constStride + r] = ep.bias[g];
  }
  plan.consts.insert(plan.consts.end(), c.begin(), c.end());
}

// The bytes each fully connected stage receives by push (chain_params.h): a split stage after
// the convolutions (or the chain's input) gets every CTA's whole vector; a stage after a split
// stage gets, for each image it serves, every CTA's slice of rows, cut at the stage's padded
// features.
void setPushBytes(ChainLaunch& l) {
  for (int f = 0; f < l.nFc; ++f) {
    const FcStage& s = l.fc[f];
    const int images = s.last ? 1 : l.cluster;
    if (f == 0) {
      l.pushBytes[f] = s.last ? 0 : images * s.fpad;
      continue;
    }
    const int rows = l.fc[f - 1].rows;
    int perImage = 0;
    for (int q = 0; q < l.cluster; ++q) perImage += std::max(0, std::min(rows, s.fpad - q * rows));
    l.pushBytes[f] = images * perImage;
  }
}

// Bytes from `at`, 16-aligned.
int take(int& at, int64_t bytes) {
  const int start = at;
  at = roundUp(at + bytes, 16);
  return start;
}

}  // namespace

std::vector<std::string> chainConfigs(const std::vector<KernelSetup>& layers) {
  int fcs = 0;
  for (const KernelSetup& s : layers) fcs += s.layer->kind() == LayerKind::kFULLY_CONNECTED;
  std::vector<std::string> wanted;
  const int64_t batch = layers[0].inputShapes[0][0];
  if (fcs >= 2)
    for (int c : {8, 4, 2})
      if (c <= batch) wanted.push_back("cluster=" + std::to_string(c));
  if (wanted.empty()) wanted.push_back("cluster=1");
  // Only those that fit in shared memory (a smaller cluster gives each CTA more rows).
  std::vector<std::string> out;
  for (const std::string& config : wanted) {
    try {
      planChain(layers, config, /*packConstants=*/false);
      out.push_back(config);
    } catch (const Error&) {
    }
  }
  return out;
}

ChainPlan planChain(const std::vector<KernelSetup>& layers, const std::string& config, bool packConstants) {
  const std::string why = structureRejection(layers);
  check(why.empty(), "cuda_int8_chain: ", why);
  const int cluster = clusterOf(config);
  check(cluster > 0, "cuda_int8_chain has no configuration '", config, "'");
  ChainPlan plan;
  ChainLaunch& l = plan.launch;
  l.cluster = cluster;
  for (size_t i = 0; i < layers.size(); ++i) {
    const KernelSetup& s = layers[i];
    const Role role = roleOf(*s.layer);
    const std::string bad = stageRejection(s, role, i == 0, i + 1 == layers.size());
    check(bad.empty(), "cuda_int8_chain: layer '", s.layer->name, "': ", bad);
    if (role == Role::kConv) {
      packConv(s, i == 0, l.conv[l.nConv], plan, l.nConv, packConstants);
      ++l.nConv;
    } else if (role == Role::kFc) {
      packFc(s, i + 1 == layers.size(), cluster, l.fc[l.nFc], plan, l.nFc, packConstants);
      ++l.nFc;
    }
  }
  bool split = false;
  for (int f = 0; f + 1 < l.nFc; ++f) split = true;
  check(split || cluster == 1, "cuda_int8_chain: configuration '", config, "' needs split stages");
  l.xFloat = layers[0].inputTypes[0] == DataType::kFLOAT;
  l.inScale = layers[0].inputScales.empty() ? 0.f : layers[0].inputScales[0];

  // Planes: each convolution's output is the next one's input, the last one's the first
  // vector (flat, zero-padded to the first fully connected stage's features).
  const int fpad0 = l.fc[0].fpad;
  for (int s = 0; s < l.nConv; ++s) {
    ConvStage& c = l.conv[s];
    if (s + 1 < l.nConv) {
      check(l.conv[s + 1].in.c == c.k, "cuda_int8_chain: channels between stages");
      c.out = l.conv[s + 1].in;
    } else {
      const int ph = c.oh / c.poolH, pw = c.ow / c.poolW;
      check(int64_t(c.k) * ph * pw == l.fc[0].f, "cuda_int8_chain: features between stages");
      c.out = Plane{c.k, ph, pw, ph, pw, 0, 0, roundUp(std::max<int64_t>(int64_t(c.k) * ph * pw, fpad0), 16), 0};
    }
    chooseDirectPool(c);
  }
  l.input = l.nConv > 0 ? l.conv[0].in : Plane{l.fc[0].f, 1, 1, 1, 1, 0, 0, fpad0, 0};
  for (int f = 1; f < l.nFc; ++f)
    check(l.fc[f].f == l.fc[f - 1].k, "cuda_int8_chain: features between stages");
  for (int s = 0; s < l.nConv; ++s)
    check(int64_t(l.conv[s].in.c) * l.conv[s].in.hp * l.conv[s].in.wp < 65536,
          "cuda_int8_chain: a plane of 64 KiB or more");

  // Shared memory: the stages' mbarriers, constants per stage, then the work areas.
  int at = 0;
  take(at, int64_t(8) * kBarriers);  // the mbarriers, at 0 (chain_params.h)
  for (int s = 0; s < l.nConv; ++s) {
    ConvStage& c = l.conv[s];
    c.wOffset = take(at, int64_t(16) * c.mi * (c.kp + 16));
    c.tapsOffset = take(at, int64_t(2) * c.kp);
    c.constsOffset = take(at, int64_t(8) * c.constStride);
  }
  int64_t gatherFeatures = 0, sliceBytes = 0, accBytes = 0;
  for (int f = 0; f < l.nFc; ++f) {
    FcStage& s = l.fc[f];
    s.wOffset = take(at, int64_t(s.rows) * s.wStride);
    s.constsOffset = take(at, int64_t(8) * s.constStride);
    if (!s.last) {
      gatherFeatures = std::max<int64_t>(gatherFeatures, s.fpad);
      sliceBytes = std::max<int64_t>(sliceBytes, int64_t(cluster) * s.rows);
      accBytes = std::max<int64_t>(accBytes, int64_t(4) * s.rows * kMaxCluster);
    } else {
      accBytes = std::max<int64_t>(accBytes, int64_t(4) * s.k);
    }
  }
  for (int s = 0; s < l.nConv; ++s)
    accBytes = std::max<int64_t>(accBytes, int64_t(4) * l.conv[s].k * l.conv[s].accStride);
  // Plane slots: the input in slot 0, convolution s's output in slot (s + 1) % 2.
  int64_t slot[2] = {l.input.bytes, 0};
  for (int s = 0; s < l.nConv; ++s) slot[(s + 1) % 2] = std::max<int64_t>(slot[(s + 1) % 2], l.conv[s].out.bytes);
  l.planeOffset[0] = take(at, slot[0]);
  l.planeOffset[1] = take(at, slot[1]);
  l.input.offset = l.planeOffset[0];
  for (int s = 0; s < l.nConv; ++s) {
    l.conv[s].in.offset = l.planeOffset[s % 2];
    l.conv[s].out.offset = l.planeOffset[(s + 1) % 2];
  }
  l.firstVectorOffset = l.planeOffset[l.nConv % 2];
  l.accOffset = take(at, accBytes);
  l.gatherStride = static_cast<int>(gatherFeatures) + 16;
  for (int g = 0; g < 2; ++g)
    l.gatherOffset[g] = take(at, gatherFeatures > 0 ? int64_t(kMaxCluster) * l.gatherStride : 0);
  l.sliceOffset = take(at, sliceBytes);
  l.vectorOffset = take(at, l.fc[l.nFc - 1].fpad);
  setPushBytes(l);
  // The kernel zeroes accumulators and pooled output planes 16 bytes a store (zeroBytes); the
  // fully connected stages' accumulators are rows x kMaxCluster ints, 16-byte units already.
  for (int s = 0; s < l.nConv; ++s)
    check(l.conv[s].accStride % 4 == 0 && l.conv[s].out.bytes % 16 == 0,
          "cuda_int8_chain: a zeroed region is not a multiple of 16 bytes");
  l.launchBytes = roundUp(sizeof(ChainLaunch), 16);
  l.launchOffset = take(at, l.launchBytes);
  l.smemBytes = at;
  check(l.smemBytes <= kSmemLimit, "cuda_int8_chain: needs ", l.smemBytes, " bytes of shared memory (at most ",
        kSmemLimit, ")");
  return plan;
}

std::string chainRejection(const std::vector<KernelSetup>& layers, const DeviceInfo& device) {
  if (!device.present || device.sm() < 90) return "needs sm_90 (thread-block clusters)";
  std::string why = structureRejection(layers);
  if (!why.empty()) return why;
  for (size_t i = 0; i < layers.size(); ++i) {
    why = stageRejection(layers[i], roleOf(*layers[i].layer), i == 0, i + 1 == layers.size());
    if (!why.empty()) return "layer '" + layers[i].layer->name + "': " + why;
  }
  if (chainConfigs(layers).empty()) {
    try {
      planChain(layers, "cluster=1", /*packConstants=*/false);
    } catch (const Error& e) {
      return e.what();
    }
    return "no configuration fits";
  }
  return "";
}

}  // namespace int8rt::cuda::chain

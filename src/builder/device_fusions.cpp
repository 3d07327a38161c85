#include "builder/device_fusions.h"

#include <algorithm>

#include "backends/cpu/kernel.h"
#include "backends/cuda_bridge.h"
#include "core/error.h"
#include "plan/plan.h"
#include "runtime/kernel_setup.h"

namespace int8rt {

namespace {

// Readers of every tensor (one entry per use).
std::vector<std::vector<int>> readersOf(const Network& net) {
  std::vector<std::vector<int>> r(net.nbTensors());
  for (size_t i = 0; i < net.layers().size(); ++i)
    for (TensorId t : net.layers()[i].inputs) r[t].push_back(static_cast<int>(i));
  return r;
}

// The setup a layer would get in the plan (as makeKernelSetup builds it): types and scales of
// the assignment; only INT8 outputs carry a scale.
KernelSetup setupOf(const Layer& l, const PrecisionAssignment& a, const std::vector<Shape>& shapes) {
  return kernelSetupOf(l, shapes, a.tensorTypes, a.tensorScales, {});  // linear: runs before layouts
}

int64_t dimOr(const Shape& v, size_t i, int64_t dflt) { return i < v.size() ? v[i] : dflt; }

// Window == stride, no padding or dilation, not global: each conv output is read by one window.
bool nonOverlappingMaxPool(const PoolingParams& p, size_t rank) {
  if (p.type != PoolingType::kMAX || p.global || p.window.size() != rank) return false;
  for (size_t d = 0; d < rank; ++d)
    if (dimOr(p.stride, d, 1) != p.window[d] || dimOr(p.padBegin, d, 0) != 0 ||
        dimOr(p.padEnd, d, 0) != 0 || dimOr(p.dilation, d, 1) != 1 || p.window[d] < 1)
      return false;
  return true;
}

// Drops the tensors no layer makes any more and renumbers, keeping the per-tensor tables.
void compact(PrecisionAssignment& a) {
  size_t nL = a.network.layers().size();
  std::vector<TensorId> map;
  Network n = canonicalizeNetwork(a.network, &map);
  check(n.layers().size() == nL, "internal error: a device fusion left a layer nothing reads");
  std::vector<DataType> types(n.nbTensors(), DataType::kFLOAT);
  std::vector<float> scales(n.nbTensors(), 0.f);
  for (size_t t = 0; t < map.size(); ++t) {
    if (map[t] < 0) continue;
    types[map[t]] = a.tensorTypes[t];
    scales[map[t]] = a.tensorScales[t];
  }
  a.network = std::move(n);
  a.tensorTypes = std::move(types);
  a.tensorScales = std::move(scales);
}

void eraseLayer(PrecisionAssignment& a, size_t i) {
  a.network.layers().erase(a.network.layers().begin() + static_cast<long>(i));
  a.layerPrecision.erase(a.layerPrecision.begin() + static_cast<long>(i));
}

bool pinned(const FusionOptions& o, const Layer& l) { return o.pinnedLayers.count(l.name) > 0; }

}  // namespace

std::function<bool(const KernelSetup&, DataType)> fastKernelSupport(DeviceType device) {
  if (device == DeviceType::kCUDA) return cudabridge::someKernelSupports;
  return [](const KernelSetup& s, DataType precision) {
    for (const KernelCandidate& k : cpuKernelRegistry())
      if (k.kind == s.layer->kind() && k.precision == precision &&
          !std::string(k.name).ends_with("_ref") && k.supports(s, cpuFeatures()))
        return true;
    return false;
  };
}

int fuseConvMaxPool(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options) {
  int fused = 0;
  for (size_t i = 0; i < a.network.layers().size(); ++i) {
    Network& net = a.network;
    const Layer& conv = net.layers()[i];
    if (conv.kind() != LayerKind::kCONVOLUTION || conv.outputs.size() != 1 || pinned(options, conv))
      continue;
    const auto& cp = conv.as<ConvolutionParams>();
    TensorId z = conv.outputs[0];
    auto readers = readersOf(net);
    if (!cp.fusedMaxPool.empty() || net.tensor(z).isOutput || readers[z].size() != 1) continue;
    size_t j = static_cast<size_t>(readers[z][0]);
    const Layer& pool = net.layers()[j];
    if (pool.kind() != LayerKind::kPOOLING || pinned(options, pool) ||
        !nonOverlappingMaxPool(pool.as<PoolingParams>(), cp.kernel.size()))
      continue;
    TensorId y = pool.outputs[0];
    // Same precision, and the pool's output stored as the conv's (INT8: the same scale, which
    // precision assignment gives a max pool's output): the max of the stored values is then
    // exactly what the two layers computed.
    if (a.layerPrecision[j] != a.layerPrecision[i] || a.tensorTypes[y] != a.tensorTypes[z] ||
        a.tensorScales[y] != a.tensorScales[z])
      continue;
    std::vector<Shape> shapes = net.inferShapesForBatch(maxBatch);
    const Shape& window = pool.as<PoolingParams>().window;
    bool floorSize = shapes[z].size() == window.size() + 2;
    for (size_t d = 0; d < window.size() && floorSize; ++d)
      floorSize = shapes[y][2 + d] == shapes[z][2 + d] / window[d];  // ceil rounding may differ
    if (!floorSize) continue;

    Layer candidate = conv;
    candidate.name = conv.name + " + " + pool.name;
    candidate.as<ConvolutionParams>().fusedMaxPool = window;
    candidate.outputs = {y};
    if (!options.fastKernelSupports(setupOf(candidate, a, shapes), a.layerPrecision[i])) continue;
    net.layers()[i] = std::move(candidate);
    eraseLayer(a, j);
    compact(a);  // the conv's own output is gone: no tensor may be left without a maker
    ++fused;
  }
  return fused;
}

int fuseQuantizeIntoConv(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options) {
  int fused = 0;
  for (size_t i = 0; i < a.network.layers().size(); ++i) {
    Network& net = a.network;
    const Layer& q = net.layers()[i];
    if (q.kind() != LayerKind::kIDENTITY || a.layerPrecision[i] != DataType::kINT8 ||
        pinned(options, q))
      continue;
    TensorId x = q.inputs[0], y = q.outputs[0];
    if (a.tensorTypes[x] != DataType::kFLOAT || a.tensorScales[x] != 0.f ||
        a.tensorTypes[y] != DataType::kINT8 || net.tensor(x).isOutput || net.tensor(y).isOutput)
      continue;
    auto readers = readersOf(net);
    // x's scale entry is free only while the quantize is its sole reader.
    if (readers[x].size() != 1 || readers[y].size() != 1) continue;
    size_t c = static_cast<size_t>(readers[y][0]);
    const Layer& conv = net.layers()[c];
    if (conv.kind() != LayerKind::kCONVOLUTION || conv.inputs.size() != 1 ||
        a.layerPrecision[c] != DataType::kINT8 || pinned(options, conv))
      continue;

    std::vector<Shape> shapes = net.inferShapesForBatch(maxBatch);
    Layer candidate = conv;
    candidate.inputs = {x};
    PrecisionAssignment trial;  // the setup reads types and scales only
    trial.tensorTypes = a.tensorTypes;
    trial.tensorScales = a.tensorScales;
    trial.tensorScales[x] = a.tensorScales[y];
    if (!options.fastKernelSupports(setupOf(candidate, trial, shapes), DataType::kINT8)) continue;
    a.tensorScales[x] = a.tensorScales[y];
    net.layers()[c].inputs = {x};
    eraseLayer(a, i);
    compact(a);
    --i;  // layer i is now the one after the quantize (unsigned wrap-around is fine)
    ++fused;
  }
  return fused;
}

int fuseFullyConnectedSoftmax(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options) {
  int fused = 0;
  for (size_t i = 0; i < a.network.layers().size(); ++i) {
    Network& net = a.network;
    const Layer& fc = net.layers()[i];
    if (fc.kind() != LayerKind::kFULLY_CONNECTED || fc.outputs.size() != 1 || pinned(options, fc) ||
        fc.as<FullyConnectedParams>().fusedSoftmax)
      continue;
    TensorId z = fc.outputs[0];
    auto readers = readersOf(net);
    if (net.tensor(z).isOutput || readers[z].size() != 1) continue;
    size_t j = static_cast<size_t>(readers[z][0]);
    const Layer& sm = net.layers()[j];
    if (sm.kind() != LayerKind::kSOFTMAX || pinned(options, sm)) continue;
    const auto& sp = sm.as<SoftMaxParams>();
    TensorId y = sm.outputs[0];
    std::vector<Shape> shapes = net.inferShapesForBatch(maxBatch);
    // Over each sample's outputs: [N, K] along axis 1 (or -1), or coerced from axis 1.
    const size_t rank = shapes[z].size();
    const bool perSample = rank == 2 ? (sp.axis == 1 || sp.axis == -1) : sp.coerce2D && sp.axis == 1;
    // FP32 in and out: the fused layer writes the softmax's FP32 tensor.
    if (sp.log || !perSample || a.tensorTypes[z] != DataType::kFLOAT ||
        a.tensorTypes[y] != DataType::kFLOAT)
      continue;
    Layer candidate = fc;
    candidate.name = fc.name + " + " + sm.name;
    candidate.as<FullyConnectedParams>().fusedSoftmax = true;
    candidate.outputs = {y};
    if (!options.fastKernelSupports(setupOf(candidate, a, shapes), a.layerPrecision[i])) continue;
    net.layers()[i] = std::move(candidate);
    eraseLayer(a, j);
    compact(a);
    ++fused;
  }
  return fused;
}

int applyDeviceFusions(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options) {
  int n = fuseConvMaxPool(a, maxBatch, options);
  n += fuseQuantizeIntoConv(a, maxBatch, options);
  return n + fuseFullyConnectedSoftmax(a, maxBatch, options);
}

}  // namespace int8rt

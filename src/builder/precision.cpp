#include "builder/precision.h"

#include <algorithm>

#include "backends/cpu/kernel.h"
#include "core/error.h"

namespace int8rt {

namespace {

bool hasInt8Kernels(LayerKind kind) {
  for (const KernelCandidate& k : cpuKernelRegistry())
    if (k.kind == kind && k.precision == DataType::kINT8) return true;
  return false;
}

bool someInt8KernelSupports(const KernelSetup& s) {
  for (const KernelCandidate& k : cpuKernelRegistry())
    if (k.kind == s.layer->kind() && k.precision == DataType::kINT8 && k.supports(s, cpuFeatures()))
      return true;
  return false;
}

struct Decision {
  const Network& net;
  std::vector<float> scale;           // per tensor: amax / 127, 0 = none
  std::vector<bool> capable;          // per layer: may run in INT8
  std::vector<DataType> type;         // per tensor
  std::vector<std::vector<int>> consumers;
  std::vector<int> producer;
  std::vector<std::string> why;       // per layer: why it is not INT8 (for forced layers)

  explicit Decision(const Network& n) : net(n) {}

  // A tensor is INT8 when it is made and read only by INT8 layers; bindings stay FP32.
  DataType typeOf(TensorId t) const {
    const Tensor& x = net.tensor(t);
    if (x.isInput || x.isOutput || producer[t] < 0 || !capable[producer[t]] || consumers[t].empty())
      return DataType::kFLOAT;
    for (int c : consumers[t])
      if (!capable[c]) return DataType::kFLOAT;
    return DataType::kINT8;
  }

  KernelSetup setupFor(size_t i, const std::vector<Shape>& shapes) const {
    const Layer& l = net.layers()[i];
    KernelSetup s;
    s.layer = &l;
    for (TensorId t : l.inputs) {
      s.inputShapes.push_back(shapes[t]);
      s.inputTypes.push_back(DataType::kINT8);  // FP32 producers get a quantize reformat
      s.inputScales.push_back(scale[t]);
    }
    for (TensorId t : l.outputs) {
      s.outputShapes.push_back(shapes[t]);
      s.outputTypes.push_back(type[t]);
      s.outputScales.push_back(type[t] == DataType::kINT8 ? scale[t] : 0.f);
    }
    return s;
  }
};

}  // namespace

PrecisionAssignment assignPrecisions(const Network& net, const BuilderConfig& config,
                                     const TensorScales& scales) {
  size_t nL = net.layers().size(), nT = net.nbTensors();
  for (const auto& [name, type] : config.layerPrecision) {
    bool found = std::any_of(net.layers().begin(), net.layers().end(),
                             [&](const Layer& l) { return l.name == name; });
    check(found, "layer precision override: no layer named '", name, "' after optimization");
    check(type != DataType::kINT8 || config.int8, "layer precision override: layer '", name,
          "' forced to int8 in a build without INT8 (--int8)");
  }
  PrecisionAssignment a;
  if (!config.int8) {
    a.network = net;
    a.layerPrecision.assign(nL, DataType::kFLOAT);
    a.tensorTypes.assign(nT, DataType::kFLOAT);
    a.tensorScales.assign(nT, 0.f);
    return a;
  }

  Decision d(net);
  d.scale.assign(nT, 0.f);
  for (size_t t = 0; t < nT; ++t) {
    auto it = scales.amax.find(net.tensor(t).name);
    if (it != scales.amax.end() && it->second > 0) d.scale[t] = it->second / 127.f;
  }
  // Max-pool, shuffle and identity outputs hold only values of their input, so the input's
  // scale represents them exactly: use it, whatever the calibrator said (EntropyCalibration2
  // shares these already; for v1, legacy and caches from elsewhere this keeps INT8 data moving
  // through them unchanged instead of requantizing). Layers are in topological order.
  for (const Layer& l : net.layers()) {
    bool passThrough = l.kind() == LayerKind::kSHUFFLE || l.kind() == LayerKind::kIDENTITY ||
                       (l.kind() == LayerKind::kPOOLING && l.as<PoolingParams>().type == PoolingType::kMAX);
    if (passThrough && d.scale[l.inputs[0]] > 0 && d.scale[l.outputs[0]] > 0)
      d.scale[l.outputs[0]] = d.scale[l.inputs[0]];
  }
  d.consumers.assign(nT, {});
  d.producer.assign(nT, -1);
  d.capable.assign(nL, false);
  d.why.assign(nL, "");
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    for (TensorId t : l.inputs) d.consumers[t].push_back(static_cast<int>(i));
    for (TensorId t : l.outputs) d.producer[t] = static_cast<int>(i);
    auto o = config.layerPrecision.find(l.name);
    bool scaled = true;
    for (TensorId t : l.inputs) scaled &= d.scale[t] > 0;
    for (TensorId t : l.outputs) scaled &= d.scale[t] > 0;
    if (o != config.layerPrecision.end() && o->second == DataType::kFLOAT) d.why[i] = "forced to fp32";
    else if (!hasInt8Kernels(l.kind())) d.why[i] = std::string("no INT8 kernel for ") + layerKindName(l.kind());
    else if (!scaled) d.why[i] = "a tensor it reads or writes has no INT8 scale";
    d.capable[i] = d.why[i].empty();
  }
  // Types and capability depend on each other: iterate to a fixed point (only ever removes).
  std::vector<Shape> shapes = net.inferShapesForBatch(1);
  for (bool changed = true; changed;) {
    changed = false;
    d.type.assign(nT, DataType::kFLOAT);
    for (size_t t = 0; t < nT; ++t) d.type[t] = d.typeOf(static_cast<TensorId>(t));
    for (size_t i = 0; i < nL; ++i) {
      if (!d.capable[i] || someInt8KernelSupports(d.setupFor(i, shapes))) continue;
      d.capable[i] = false;
      d.why[i] = "no INT8 kernel supports its shapes and tensor types";
      changed = true;
    }
  }
  for (const auto& [name, type] : config.layerPrecision) {
    if (type != DataType::kINT8) continue;
    for (size_t i = 0; i < nL; ++i)
      check(net.layers()[i].name != name || d.capable[i], "layer '", name,
            "' cannot run in INT8: ", d.why[i]);
  }

  // Rebuild the network with a quantize reformat (Identity, FP32 -> INT8) in front of each INT8
  // layer input that an FP32 layer or a binding provides; one per tensor, shared by consumers.
  Network& out = a.network;
  out.name = net.name;
  std::vector<TensorId> map(nT, -1), quantized(nT, -1);
  auto addTensorInfo = [&](DataType type, float scale) {
    a.tensorTypes.push_back(type);
    a.tensorScales.push_back(type == DataType::kINT8 ? scale : 0.f);
  };
  for (TensorId t : net.inputs()) {
    map[t] = out.addInput(net.tensor(t).name, net.tensor(t).type, net.tensor(t).shape);
    addTensorInfo(DataType::kFLOAT, 0.f);
  }
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    std::vector<TensorId> ins;
    for (TensorId t : l.inputs) {
      if (!d.capable[i] || d.type[t] == DataType::kINT8) {
        ins.push_back(map[t]);
        continue;
      }
      if (quantized[t] < 0) {
        Layer& q = out.addLayer(IdentityParams{}, {map[t]});
        q.name = net.tensor(t).name + " (quantize)";
        out.tensor(q.output()).name = net.tensor(t).name + " (int8)";
        a.layerPrecision.push_back(DataType::kINT8);
        addTensorInfo(DataType::kINT8, d.scale[t]);
        quantized[t] = q.output();
      }
      ins.push_back(quantized[t]);
    }
    Layer& c = out.addLayer(l.params, ins, static_cast<int>(l.outputs.size()));
    c.name = l.name;
    a.layerPrecision.push_back(d.capable[i] ? DataType::kINT8 : DataType::kFLOAT);
    for (size_t k = 0; k < l.outputs.size(); ++k) {
      TensorId t = l.outputs[k];
      map[t] = c.outputs[k];
      out.tensor(c.outputs[k]).name = net.tensor(t).name;
      addTensorInfo(d.type[t], d.scale[t]);
    }
  }
  for (TensorId t : net.outputs()) out.markOutput(map[t]);
  return a;
}

}  // namespace int8rt

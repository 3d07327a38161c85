#include "builder/precision.h"

#include <algorithm>
#include <map>

#include "backends/cpu/kernel.h"
#include "backends/cuda_bridge.h"
#include "core/error.h"

namespace int8rt {

namespace {

// The kernels of the device being built for: the CPU registry, or the CUDA one (through the
// bridge) for kCUDA.
KernelCatalog deviceCatalog(DeviceType device) {
  if (device == DeviceType::kCUDA)
    return {cudabridge::hasKernels, cudabridge::someKernelSupports};
  return {[](LayerKind kind, DataType precision) {
            for (const KernelCandidate& k : cpuKernelRegistry())
              if (k.kind == kind && k.precision == precision) return true;
            return false;
          },
          [](const KernelSetup& s, DataType precision) {
            for (const KernelCandidate& k : cpuKernelRegistry())
              if (k.kind == s.layer->kind() && k.precision == precision &&
                  k.supports(s, cpuFeatures()))
                return true;
            return false;
          }};
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

// Layer i with every input and output in FP16 (what an FP16 layer of the engine sees).
KernelSetup halfSetup(const Network& net, size_t i, const std::vector<Shape>& shapes) {
  const Layer& l = net.layers()[i];
  KernelSetup s;
  s.layer = &l;
  for (TensorId t : l.inputs) {
    s.inputShapes.push_back(shapes[t]);
    s.inputTypes.push_back(DataType::kHALF);
    s.inputScales.push_back(0.f);
  }
  for (TensorId t : l.outputs) {
    s.outputShapes.push_back(shapes[t]);
    s.outputTypes.push_back(DataType::kHALF);
    s.outputScales.push_back(0.f);
  }
  return s;
}

const char* typeSuffix(DataType t) {
  return t == DataType::kINT8 ? "int8" : t == DataType::kHALF ? "fp16" : "fp32";
}

// INT8 decisions (which layers run in INT8, which tensors are INT8) as on the CPU: a layer is
// INT8 when every tensor it touches has a scale, an INT8 kernel supports it, and no override
// says otherwise.
Decision decideInt8(const Network& net, const BuilderConfig& config, const TensorScales& scales,
                    const KernelCatalog& catalog) {
  size_t nL = net.layers().size(), nT = net.nbTensors();
  Decision d(net);
  d.scale.assign(nT, 0.f);
  d.consumers.assign(nT, {});
  d.producer.assign(nT, -1);
  d.capable.assign(nL, false);
  d.why.assign(nL, "");
  d.type.assign(nT, DataType::kFLOAT);
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    for (TensorId t : l.inputs) d.consumers[t].push_back(static_cast<int>(i));
    for (TensorId t : l.outputs) d.producer[t] = static_cast<int>(i);
  }
  if (!config.int8) return d;
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
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    auto o = config.layerPrecision.find(l.name);
    bool scaled = true;
    for (TensorId t : l.inputs) scaled &= d.scale[t] > 0;
    for (TensorId t : l.outputs) scaled &= d.scale[t] > 0;
    if (o != config.layerPrecision.end() && o->second != DataType::kINT8)
      d.why[i] = std::string("forced to ") + dataTypeName(o->second);
    else if (!catalog.has(l.kind(), DataType::kINT8))
      d.why[i] = std::string("no INT8 kernel for ") + layerKindName(l.kind());
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
      if (!d.capable[i] || catalog.supports(d.setupFor(i, shapes), DataType::kINT8)) continue;
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
  return d;
}

// FP16 (fp16 builds): every layer not in INT8 whose inputs and outputs an FP16 kernel takes.
std::vector<DataType> decideLayerPrecisions(const Network& net, const BuilderConfig& config,
                                            const Decision& d, const KernelCatalog& catalog) {
  size_t nL = net.layers().size();
  std::vector<DataType> p(nL, DataType::kFLOAT);
  std::vector<Shape> shapes = net.inferShapesForBatch(1);
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    auto o = config.layerPrecision.find(l.name);
    bool forced = o != config.layerPrecision.end();
    if (d.capable[i]) {
      p[i] = DataType::kINT8;
    } else if (config.fp16 && l.kind() != LayerKind::kCONSTANT &&
               (!forced || o->second == DataType::kHALF)) {
      bool ok = catalog.supports(halfSetup(net, i, shapes), DataType::kHALF);
      check(ok || !forced, "layer '", l.name, "' cannot run in FP16: no FP16 kernel supports it");
      if (ok) p[i] = DataType::kHALF;
    }
  }
  return p;
}

// Rebuilds the network with the chosen precisions: each tensor is stored in the type its
// producer gives (INT8 layers: INT8 where only INT8 layers read it, else FP32; FP16 layers:
// FP16; bindings and constants: FP32), and a reformat (Identity) layer converts it where a
// consumer takes another type. One reformat per tensor and type, shared by its consumers
// (FP16 -> INT8 is one quantize, as the CUDA reformats allow). A network output an FP16 layer
// makes is converted to FP32
// under its own name, so bindings stay FP32.
class Rebuilder {
 public:
  Rebuilder(const Network& net, const Decision& d, const std::vector<DataType>& prec,
            PrecisionAssignment& a)
      : net_(net), d_(d), prec_(prec), a_(a) {}

  void run() {
    Network& out = a_.network;
    out.name = net_.name;
    size_t nT = net_.nbTensors();
    map_.assign(nT, -1);
    for (TensorId t : net_.inputs()) {
      map_[t] = out.addInput(net_.tensor(t).name, net_.tensor(t).type, net_.tensor(t).shape);
      add(DataType::kFLOAT, 0.f, t);
    }
    std::vector<TensorId> outputs(nT, -1);
    for (size_t i = 0; i < net_.layers().size(); ++i) {
      const Layer& l = net_.layers()[i];
      DataType want = prec_[i];
      std::vector<TensorId> ins;
      for (TensorId t : l.inputs) ins.push_back(convert(map_[t], want));
      Layer& c = out.addLayer(l.params, ins, static_cast<int>(l.outputs.size()));
      c.name = l.name;
      std::vector<TensorId> made = c.outputs;  // `c` may move when layers are added below
      a_.layerPrecision.push_back(prec_[i]);
      for (size_t k = 0; k < l.outputs.size(); ++k) {
        TensorId t = l.outputs[k];
        DataType type = producedType(i, t);
        map_[t] = made[k];
        out.tensor(made[k]).name = net_.tensor(t).name;
        add(type, d_.scale[t], t);
      }
      for (size_t k = 0; k < l.outputs.size(); ++k) {
        TensorId t = l.outputs[k];
        if (!net_.tensor(t).isOutput) continue;
        outputs[t] = map_[t];
        if (a_.tensorTypes[map_[t]] == DataType::kFLOAT) continue;
        out.tensor(map_[t]).name = net_.tensor(t).name + " (" + typeSuffix(a_.tensorTypes[map_[t]]) + ")";
        outputs[t] = reformat(map_[t], DataType::kFLOAT, net_.tensor(t).name);
      }
    }
    for (TensorId t : net_.outputs()) out.markOutput(outputs[t] >= 0 ? outputs[t] : map_[t]);
  }

 private:
  DataType producedType(size_t layer, TensorId t) const {
    if (prec_[layer] == DataType::kINT8) return d_.type[t];
    return prec_[layer];
  }

  void add(DataType type, float scale, TensorId original) {
    a_.tensorTypes.push_back(type);
    a_.tensorScales.push_back(type == DataType::kINT8 ? scale : 0.f);
    original_.push_back(original);
  }

  // Tensor `t` (new id) in type `want`, through reformats where needed.
  TensorId convert(TensorId t, DataType want) {
    DataType have = a_.tensorTypes[t];
    if (have == want) return t;
    auto it = converted_.find({t, want});
    if (it != converted_.end()) return it->second;
    const std::string& base = net_.tensor(original_[t]).name;
    std::string name = base + " (" + typeSuffix(want) + ")";
    return reformat(t, want, name);
  }

  TensorId reformat(TensorId t, DataType want, const std::string& outputName) {
    Network& out = a_.network;
    TensorId orig = original_[t];
    const std::string& base = net_.tensor(orig).name;
    Layer& q = out.addLayer(IdentityParams{}, {t});
    q.name = want == DataType::kINT8 ? base + " (quantize)" : base + " (to " + typeSuffix(want) + ")";
    TensorId made = q.output();
    out.tensor(made).name = outputName;
    // A quantize runs as an INT8 layer (as on the CPU); FP16 <-> FP32 as an FP16 one.
    a_.layerPrecision.push_back(want == DataType::kINT8 ? DataType::kINT8 : DataType::kHALF);
    add(want, d_.scale[orig], orig);
    converted_[{t, want}] = made;
    return made;
  }

  const Network& net_;
  const Decision& d_;
  const std::vector<DataType>& prec_;
  PrecisionAssignment& a_;
  std::vector<TensorId> map_;       // original tensor -> new tensor
  std::vector<TensorId> original_;  // new tensor -> original tensor
  std::map<std::pair<TensorId, DataType>, TensorId> converted_;
};

}  // namespace

PrecisionAssignment assignPrecisions(const Network& net, const BuilderConfig& config,
                                     const TensorScales& scales) {
  return assignPrecisions(net, config, scales, deviceCatalog(config.device));
}

PrecisionAssignment assignPrecisions(const Network& net, const BuilderConfig& config,
                                     const TensorScales& scales, const KernelCatalog& catalog) {
  size_t nL = net.layers().size(), nT = net.nbTensors();
  for (const auto& [name, type] : config.layerPrecision) {
    bool found = std::any_of(net.layers().begin(), net.layers().end(),
                             [&](const Layer& l) { return l.name == name; });
    check(found, "layer precision override: no layer named '", name, "' after optimization");
    check(type != DataType::kINT8 || config.int8, "layer precision override: layer '", name,
          "' forced to int8 in a build without INT8 (--int8)");
    check(type != DataType::kHALF || config.fp16, "layer precision override: layer '", name,
          "' forced to fp16 in a build without FP16 (--fp16)");
  }
  PrecisionAssignment a;
  if (!config.int8 && !config.fp16) {
    a.network = net;
    a.layerPrecision.assign(nL, DataType::kFLOAT);
    a.tensorTypes.assign(nT, DataType::kFLOAT);
    a.tensorScales.assign(nT, 0.f);
    return a;
  }
  Decision d = decideInt8(net, config, scales, catalog);
  std::vector<DataType> prec = decideLayerPrecisions(net, config, d, catalog);
  Rebuilder(net, d, prec, a).run();
  return a;
}

}  // namespace int8rt

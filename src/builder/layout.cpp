#include "builder/layout.h"

#include <sstream>

#include "core/error.h"
#include "runtime/kernel_setup.h"

namespace int8rt {

namespace {

// Layers whose speed depends on the layout; pointwise ones run the same either way.
bool layoutSensitive(LayerKind k) { return k == LayerKind::kCONVOLUTION || k == LayerKind::kPOOLING; }

DataType precisionOfType(DataType t) {
  return t == DataType::kHALF ? DataType::kHALF : t == DataType::kINT8 ? DataType::kINT8 : DataType::kFLOAT;
}

struct Graph {
  std::vector<int> producer;              // per tensor, -1 for inputs
  std::vector<std::vector<int>> readers;  // per tensor
  explicit Graph(const Network& net) : producer(net.nbTensors(), -1), readers(net.nbTensors()) {
    for (size_t i = 0; i < net.layers().size(); ++i) {
      for (TensorId t : net.layers()[i].inputs) readers[t].push_back(static_cast<int>(i));
      for (TensorId t : net.layers()[i].outputs) producer[t] = static_cast<int>(i);
    }
  }
};

// Rebuilds the network in order, inserting the reformats (see layout.h).
class LayoutRebuilder {
 public:
  LayoutRebuilder(const PrecisionAssignment& a, const std::vector<LayoutRun>& runs,
                  const std::vector<int>& runOf, const std::vector<TensorFormat>& fmt,
                  const std::vector<bool>& readsNhwc)
      : a_(a), net_(a.network), runs_(runs), runOf_(runOf), fmt_(fmt), readsNhwc_(readsNhwc),
        graph_(net_) {}

  LayoutResult run() {
    const size_t nT = net_.nbTensors();
    lin_.assign(nT, -1);
    nhwc_.assign(nT, -1);
    Network& out = r_.assignment.network;
    out.name = net_.name;
    for (TensorId t : net_.inputs()) {
      const Tensor& x = net_.tensor(t);
      lin_[t] = out.addInput(x.name, x.type, x.shape);
      out.tensor(lin_[t]).dynamicRange = x.dynamicRange;
      add(t, TensorFormat::kLINEAR);
    }
    for (size_t i = 0; i < net_.layers().size(); ++i) {
      const int r = runOf_[i];
      if (r >= 0 && i == runs_[r].first) convertRunInputs(runs_[r]);
      emitLayer(i);
      if (r >= 0 && i == runs_[r].last) convertRunOutputs(runs_[r]);
    }
    for (TensorId t : net_.outputs()) {
      check(lin_[t] >= 0, "internal error: layout pass lost output '", net_.tensor(t).name, "'");
      out.markOutput(lin_[t]);
    }
    return std::move(r_);
  }

 private:
  void add(TensorId original, TensorFormat f) {
    r_.assignment.tensorTypes.push_back(a_.tensorTypes[original]);
    r_.assignment.tensorScales.push_back(a_.tensorScales[original]);
    r_.formats.push_back(f);
  }

  // The reformat of original tensor t into format `to`, its output named `name`.
  void reformat(TensorId t, TensorFormat to, const std::string& name) {
    Network& out = r_.assignment.network;
    const bool toNhwc = to == TensorFormat::kNHWC;
    const std::string& base = net_.tensor(t).name;
    Layer& q = out.addLayer(IdentityParams{}, {toNhwc ? lin_[t] : nhwc_[t]});
    q.name = base + (toNhwc ? " (to nhwc)" : " (to nchw)");
    const TensorId made = q.output();
    out.tensor(made).name = name;
    out.tensor(made).dynamicRange = net_.tensor(t).dynamicRange;
    r_.assignment.layerPrecision.push_back(precisionOfType(a_.tensorTypes[t]));
    r_.origin.push_back(-1);
    add(t, to);
    (toNhwc ? nhwc_ : lin_)[t] = made;
  }

  void convertRunInputs(const LayoutRun& run) {
    for (size_t j = run.first; j <= run.last; ++j)
      for (TensorId t : net_.layers()[j].inputs)
        if (fmt_[t] == TensorFormat::kLINEAR && nhwc_[t] < 0)
          reformat(t, TensorFormat::kNHWC, net_.tensor(t).name + " (nhwc)");
  }

  // A linear copy for every tensor of the run that a binding or a linear reader needs. A
  // network output keeps its name on the copy (bindings are found by name).
  void convertRunOutputs(const LayoutRun& run) {
    for (size_t j = run.first; j <= run.last; ++j)
      for (TensorId t : net_.layers()[j].outputs) {
        bool needed = net_.tensor(t).isOutput;
        for (int q : graph_.readers[t]) needed |= runOf_[q] < 0 && !readsNhwc_[q];
        if (!needed || lin_[t] >= 0) continue;
        const std::string name = net_.tensor(t).name;
        if (net_.tensor(t).isOutput) {
          r_.assignment.network.tensor(nhwc_[t]).name = name + " (nhwc)";
          reformat(t, TensorFormat::kLINEAR, name);
        } else {
          reformat(t, TensorFormat::kLINEAR, name + " (nchw)");
        }
      }
  }

  void emitLayer(size_t i) {
    Network& out = r_.assignment.network;
    const Layer& l = net_.layers()[i];
    const bool nhwcIn = runOf_[i] >= 0 || readsNhwc_[i];
    std::vector<TensorId> ins;
    for (TensorId t : l.inputs) {
      const TensorId id = nhwcIn ? nhwc_[t] : lin_[t];
      check(id >= 0, "internal error: layout pass has no ", nhwcIn ? "NHWC" : "NCHW", " copy of '",
            net_.tensor(t).name, "' for layer '", l.name, "'");
      ins.push_back(id);
    }
    Layer& c = out.addLayer(l.params, ins, static_cast<int>(l.outputs.size()));
    c.name = l.name;
    const std::vector<TensorId> made = c.outputs;  // `c` may move when layers are added
    r_.assignment.layerPrecision.push_back(a_.layerPrecision[i]);
    r_.origin.push_back(static_cast<int>(i));
    for (size_t k = 0; k < l.outputs.size(); ++k) {
      const TensorId t = l.outputs[k];
      out.tensor(made[k]).name = net_.tensor(t).name;
      out.tensor(made[k]).dynamicRange = net_.tensor(t).dynamicRange;
      add(t, fmt_[t]);
      (fmt_[t] == TensorFormat::kNHWC ? nhwc_ : lin_)[t] = made[k];
    }
  }

  const PrecisionAssignment& a_;
  const Network& net_;
  const std::vector<LayoutRun>& runs_;
  const std::vector<int>& runOf_;
  const std::vector<TensorFormat>& fmt_;
  const std::vector<bool>& readsNhwc_;
  Graph graph_;
  std::vector<TensorId> lin_, nhwc_;  // original tensor -> its NCHW / NHWC tensor, -1 = none yet
  LayoutResult r_;
};

}  // namespace

std::vector<LayoutRun> findLayoutRuns(const Network& net,
                                      const std::function<bool(size_t layer)>& nhwcCapable) {
  std::vector<LayoutRun> runs;
  const size_t n = net.layers().size();
  for (size_t i = 0; i < n;) {
    if (!nhwcCapable(i)) {
      ++i;
      continue;
    }
    size_t j = i;
    bool sensitive = layoutSensitive(net.layers()[i].kind());
    while (j + 1 < n && nhwcCapable(j + 1)) sensitive |= layoutSensitive(net.layers()[++j].kind());
    if (sensitive) runs.push_back({i, j});
    i = j + 1;
  }
  return runs;
}

LayoutResult applyLayoutRuns(
    const PrecisionAssignment& a, const std::vector<LayoutRun>& runs,
    const std::function<bool(size_t, const std::vector<TensorFormat>&)>& absorbs) {
  const Network& net = a.network;
  const size_t nL = net.layers().size(), nT = net.nbTensors();
  std::vector<int> runOf(nL, -1);
  for (size_t r = 0; r < runs.size(); ++r) {
    check(runs[r].first <= runs[r].last && runs[r].last < nL, "internal error: layout run out of range");
    for (size_t i = runs[r].first; i <= runs[r].last; ++i) runOf[i] = static_cast<int>(r);
  }
  const Graph g(net);
  std::vector<TensorFormat> fmt(nT, TensorFormat::kLINEAR);
  for (size_t t = 0; t < nT; ++t)
    if (g.producer[t] >= 0 && runOf[g.producer[t]] >= 0) fmt[t] = TensorFormat::kNHWC;
  auto isReformat = [&](int i) {
    return i >= 0 && runOf[i] < 0 && net.layers()[i].kind() == LayerKind::kIDENTITY;
  };
  // A precision reformat whose output only runs read (and whose input is NCHW) writes NHWC.
  std::vector<bool> readsNhwc(nL, false);
  for (size_t t = 0; t < nT; ++t) {
    const int p = g.producer[t];
    if (!isReformat(p) || net.tensor(t).isOutput || g.readers[t].empty() ||
        fmt[net.layers()[p].inputs[0]] != TensorFormat::kLINEAR)
      continue;
    bool onlyRuns = true;
    for (int q : g.readers[t]) onlyRuns &= runOf[q] >= 0;
    if (!onlyRuns) continue;
    std::vector<TensorFormat> trial = fmt;
    trial[t] = TensorFormat::kNHWC;
    if (absorbs(static_cast<size_t>(p), trial)) fmt[t] = TensorFormat::kNHWC;
  }
  // A precision reformat reading a run's tensor (and writing NCHW) reads the NHWC tensor.
  for (size_t i = 0; i < nL; ++i) {
    if (!isReformat(static_cast<int>(i))) continue;
    const Layer& l = net.layers()[i];
    if (fmt[l.inputs[0]] != TensorFormat::kNHWC || fmt[l.outputs[0]] != TensorFormat::kLINEAR ||
        g.producer[l.inputs[0]] < 0 || runOf[g.producer[l.inputs[0]]] < 0)
      continue;
    readsNhwc[i] = absorbs(i, fmt);
  }
  return LayoutRebuilder(a, runs, runOf, fmt, readsNhwc).run();
}

KernelSetup layoutSetup(const PrecisionAssignment& a, const std::vector<TensorFormat>& formats,
                        size_t layer, const std::vector<Shape>& shapes) {
  return kernelSetupOf(a.network.layers()[layer], shapes, a.tensorTypes, a.tensorScales, formats);
}

namespace {

// Layers of a result that touch an NHWC tensor: the run's layers and the reformats around it.
std::vector<size_t> nhwcLayers(const LayoutResult& r) {
  std::vector<size_t> v;
  const Network& net = r.assignment.network;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    bool any = false;
    for (TensorId t : net.layers()[i].inputs) any |= r.formats[t] != TensorFormat::kLINEAR;
    for (TensorId t : net.layers()[i].outputs) any |= r.formats[t] != TensorFormat::kLINEAR;
    if (any) v.push_back(i);
  }
  return v;
}

std::string describe(const Network& net, const LayoutRun& r) {
  std::ostringstream s;
  s << "layout: layers '" << net.layers()[r.first].name << "' to '" << net.layers()[r.last].name
    << "' (" << r.last - r.first + 1 << ")";
  return s.str();
}

}  // namespace

std::vector<TensorFormat> assignLayouts(PrecisionAssignment& a, const LayoutOptions& o) {
  const Network& net = a.network;
  const std::vector<TensorFormat> linear(net.nbTensors(), TensorFormat::kLINEAR);
  if (o.policy == LayoutPolicy::kNCHW) return linear;
  const std::vector<Shape> shapes = net.inferShapesForBatch(o.maxBatch);
  auto say = [&](const std::string& m) {
    if (o.log) o.log(m);
  };
  auto capable = [&](size_t i) {
    const Layer& l = net.layers()[i];
    if (l.kind() == LayerKind::kCONSTANT || l.kind() == LayerKind::kIDENTITY ||
        o.pinnedLayers.count(l.name))
      return false;
    std::vector<TensorFormat> f = linear;
    for (const std::vector<TensorId>* ts : {&l.inputs, &l.outputs})
      for (TensorId t : *ts) {
        if (shapes[t].size() != 4) return false;
        f[t] = TensorFormat::kNHWC;
      }
    return o.supports(layoutSetup(a, f, i, shapes), a.layerPrecision[i]);
  };
  auto absorbs = [&](size_t i, const std::vector<TensorFormat>& f) {
    return !o.pinnedLayers.count(net.layers()[i].name) &&
           o.supports(layoutSetup(a, f, i, shapes), a.layerPrecision[i]);
  };

  std::vector<LayoutRun> chosen;
  for (const LayoutRun& run : findLayoutRuns(net, capable)) {
    const LayoutResult trial = applyLayoutRuns(a, {run}, absorbs);
    const std::vector<Shape> trialShapes = trial.assignment.network.inferShapesForBatch(o.maxBatch);
    const std::vector<size_t> touched = nhwcLayers(trial);
    std::string missing;
    for (size_t j : touched)
      if (missing.empty() && !o.supports(layoutSetup(trial.assignment, trial.formats, j, trialShapes),
                                         trial.assignment.layerPrecision[j]))
        missing = trial.assignment.network.layers()[j].name;
    if (!missing.empty()) {
      say(describe(net, run) + ": nchw (no NHWC kernel for '" + missing + "')");
      continue;
    }
    if (o.policy == LayoutPolicy::kNHWC) {
      say(describe(net, run) + ": nhwc (forced)");
      chosen.push_back(run);
      continue;
    }
    double nhwcUs = 0, nchwUs = 0;
    try {
      for (size_t j : touched) {
        nhwcUs += o.microseconds(layoutSetup(trial.assignment, trial.formats, j, trialShapes),
                                 trial.assignment.layerPrecision[j]);
        const int from = trial.origin[j];
        if (from >= 0)
          nchwUs += o.microseconds(layoutSetup(a, linear, static_cast<size_t>(from), shapes),
                                   a.layerPrecision[from]);
      }
    } catch (const Error& e) {
      say(describe(net, run) + ": nchw (timing failed: " + e.what() + ")");
      continue;
    }
    const bool faster = nhwcUs < nchwUs;
    std::ostringstream m;
    m << describe(net, run) << ": nhwc " << nhwcUs << " us (with reformats) vs nchw " << nchwUs
      << " us: " << (faster ? "nhwc" : "nchw");
    say(m.str());
    if (faster) chosen.push_back(run);
  }
  if (chosen.empty()) return linear;
  LayoutResult r = applyLayoutRuns(a, chosen, absorbs);
  a = std::move(r.assignment);
  return r.formats;
}

}  // namespace int8rt

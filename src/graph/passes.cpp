#include "graph/passes.h"

#include <algorithm>

#include "core/error.h"

namespace int8rt {

namespace {

std::vector<int> consumerCounts(const Network& net) {
  std::vector<int> n(net.nbTensors(), 0);
  for (const Layer& l : net.layers())
    for (TensorId t : l.inputs) n[t]++;
  return n;
}

void replaceUses(Network& net, TensorId from, TensorId to) {
  for (Layer& l : net.layers())
    std::replace(l.inputs.begin(), l.inputs.end(), from, to);
}

int producerOf(const Network& net, TensorId t) {
  const auto& ls = net.layers();
  for (size_t i = 0; i < ls.size(); ++i)
    if (std::find(ls[i].outputs.begin(), ls[i].outputs.end(), t) != ls[i].outputs.end())
      return static_cast<int>(i);
  return -1;
}

// Merges layer `second` (which reads only `first`'s output) into `first`: first now writes
// second's output tensor, so names of outputs downstream are unchanged.
void absorb(Network& net, size_t first, size_t second) {
  auto& ls = net.layers();
  ls[first].outputs[0] = ls[second].outputs[0];
  ls.erase(ls.begin() + static_cast<long>(second));
}

// True when tensor t feeds exactly one layer and is not a network output.
bool singleUse(const Network& net, const std::vector<int>& uses, TensorId t) {
  return uses[t] == 1 && !net.tensor(t).isOutput;
}

}  // namespace

int removeIdentities(Network& net) {
  int changes = 0;
  for (size_t i = 0; i < net.layers().size();) {
    Layer& l = net.layers()[i];
    if (l.kind() != LayerKind::kIDENTITY) { ++i; continue; }
    TensorId in = l.inputs[0], out = l.outputs[0];
    if (!net.tensor(out).isOutput) {
      replaceUses(net, out, in);
      net.layers().erase(net.layers().begin() + static_cast<long>(i));
      ++changes;
      continue;
    }
    // The identity writes a network output: let the producer write it instead, when it can.
    int p = producerOf(net, in);
    auto uses = consumerCounts(net);
    if (p >= 0 && singleUse(net, uses, in) && net.layers()[p].outputs.size() == 1) {
      absorb(net, static_cast<size_t>(p), i);
      ++changes;
      continue;
    }
    ++i;
  }
  return changes;
}

int foldScales(Network& net) {
  int changes = 0;
  for (size_t i = 0; i + 1 <= net.layers().size(); ++i) {
    auto uses = consumerCounts(net);
    Layer& l = net.layers()[i];
    if (l.kind() != LayerKind::kSCALE) continue;
    const auto& s = l.as<ScaleParams>();
    if (!s.power.empty() || s.mode == ScaleMode::kELEMENTWISE ||
        s.activation.type != ActivationType::kNONE)
      continue;
    if (std::any_of(s.power.values.begin(), s.power.values.end(), [](float p) { return p != 1.f; }))
      continue;
    int p = producerOf(net, l.inputs[0]);
    if (p < 0 || !singleUse(net, uses, l.inputs[0])) continue;
    Layer& prod = net.layers()[p];
    Weights *w, *b;
    int64_t k;
    if (prod.kind() == LayerKind::kCONVOLUTION) {
      auto& c = prod.as<ConvolutionParams>();
      if (c.activation.type != ActivationType::kNONE) continue;
      w = &c.weights; b = &c.bias; k = c.nbOutputMaps;
    } else if (prod.kind() == LayerKind::kFULLY_CONNECTED) {
      auto& f = prod.as<FullyConnectedParams>();
      if (f.activation.type != ActivationType::kNONE) continue;
      w = &f.weights; b = &f.bias; k = f.nbOutputs;
    } else {
      continue;
    }
    // FC outputs are [N, K]: a per-channel scale on them is per output too.
    auto at = [&](const Weights& v, int64_t j, float dflt) {
      if (v.empty()) return dflt;
      return s.mode == ScaleMode::kUNIFORM ? v.values[0] : v.values[j];
    };
    if (s.mode == ScaleMode::kCHANNEL &&
        ((!s.scale.empty() && s.scale.count() != k) || (!s.shift.empty() && s.shift.count() != k)))
      continue;
    int64_t per = k ? w->count() / k : 0;
    if (b->empty()) b->values.assign(k, 0.f);
    for (int64_t j = 0; j < k; ++j) {
      float sc = at(s.scale, j, 1.f), sh = at(s.shift, j, 0.f);
      for (int64_t e = 0; e < per; ++e) w->values[j * per + e] *= sc;
      b->values[j] = b->values[j] * sc + sh;
    }
    absorb(net, static_cast<size_t>(p), i);
    ++changes;
    i = 0;  // restart: indices moved
  }
  return changes;
}

int fuseActivations(Network& net) {
  int changes = 0;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    Layer& l = net.layers()[i];
    if (l.kind() != LayerKind::kACTIVATION) continue;
    auto uses = consumerCounts(net);
    int p = producerOf(net, l.inputs[0]);
    if (p < 0 || !singleUse(net, uses, l.inputs[0])) continue;
    Activation act = l.as<ActivationParams>().activation;
    Activation* slot = nullptr;
    Layer& prod = net.layers()[p];
    switch (prod.kind()) {
      case LayerKind::kCONVOLUTION: slot = &prod.as<ConvolutionParams>().activation; break;
      case LayerKind::kFULLY_CONNECTED: slot = &prod.as<FullyConnectedParams>().activation; break;
      case LayerKind::kELEMENTWISE: slot = &prod.as<ElementWiseParams>().activation; break;
      case LayerKind::kSCALE: slot = &prod.as<ScaleParams>().activation; break;
      default: break;
    }
    if (!slot || slot->type != ActivationType::kNONE) continue;
    *slot = act;
    absorb(net, static_cast<size_t>(p), i);
    ++changes;
    i = 0;
  }
  return changes;
}

int optimizeNetwork(Network& net) {
  int n = removeIdentities(net);
  n += foldScales(net);
  n += fuseActivations(net);
  return n;
}

}  // namespace int8rt

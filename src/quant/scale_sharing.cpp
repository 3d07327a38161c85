// Scale sharing with a union-find over tensors linked by max-pool and concat layers.
#include "quant/scale_sharing.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "core/error.h"

namespace int8rt {
namespace {

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(int n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(int a, int b) { parent[find(a)] = find(b); }
};

// Layers whose output holds only values of their input: the output takes the input's scale, so
// INT8 data passes through them without requantization (max-pool, and the data movers shuffle
// (reshape, flatten, transpose) and identity, which TensorRT also runs on INT8 unchanged).
bool passesInputScale(const Layer& l) {
  if (l.kind() == LayerKind::kSHUFFLE || l.kind() == LayerKind::kIDENTITY) return true;
  return l.kind() == LayerKind::kPOOLING && l.as<PoolingParams>().type == PoolingType::kMAX;
}

}  // namespace

std::vector<float> applyScaleSharing(const Network& network, const std::vector<float>& amax) {
  const int n = network.nbTensors();
  check(static_cast<int>(amax.size()) == n, "scale sharing: ", amax.size(),
        " values for a network of ", n, " tensors");
  UnionFind groups(n);
  std::vector<bool> derived(n, false);  // outputs whose own statistics are superseded
  auto valid = [n](TensorId t) { return t >= 0 && t < n; };
  for (const Layer& l : network.layers()) {
    if (passesInputScale(l)) {
      if (l.inputs.empty() || l.outputs.empty() || !valid(l.inputs[0])) continue;
      for (TensorId out : l.outputs) {
        if (!valid(out)) continue;
        groups.unite(out, l.inputs[0]);
        derived[out] = true;
      }
    } else if (l.kind() == LayerKind::kCONCATENATION) {
      for (TensorId t : l.inputs)
        for (TensorId out : l.outputs)
          if (valid(t) && valid(out)) groups.unite(t, out);
    }
  }
  // Two maxima per group: over the members whose own value counts, and over all members.
  std::vector<float> primary(n, -1.f), any(n, -1.f);
  for (int t = 0; t < n; ++t) {
    if (!(amax[t] >= 0.f)) continue;  // no value (negative or NaN)
    const int g = groups.find(t);
    any[g] = std::max(any[g], amax[t]);
    if (!derived[t]) primary[g] = std::max(primary[g], amax[t]);
  }
  std::vector<float> out(amax);
  for (int t = 0; t < n; ++t) {
    const int g = groups.find(t);
    const float v = primary[g] >= 0.f ? primary[g] : any[g];
    if (v >= 0.f) out[t] = v;
  }
  return out;
}

std::vector<std::string> tensorsInTopologicalOrder(const Network& network) {
  std::vector<std::string> order;
  std::unordered_set<TensorId> seen;
  auto add = [&](TensorId t) {
    if (t >= 0 && t < network.nbTensors() && seen.insert(t).second)
      order.push_back(network.tensor(t).name);
  };
  for (TensorId t : network.inputs()) add(t);
  for (const Layer& l : network.layers())
    for (TensorId t : l.outputs) add(t);
  return order;
}

}  // namespace int8rt

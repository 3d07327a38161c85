#include "builder/memory_planner.h"

#include <algorithm>

#include "core/error.h"

namespace int8rt {

size_t elementSize(DataType t) {
  switch (t) {
    case DataType::kFLOAT: return 4;
    case DataType::kHALF: return 2;
    case DataType::kINT8: return 1;
    case DataType::kINT32: return 4;
  }
  return 4;
}

MemoryPlan planMemory(const Network& net, const std::vector<int64_t>& bytes,
                      const std::vector<bool>& inArena, const std::vector<TensorId>& aliasOf,
                      const std::vector<std::pair<int, int>>& fusedRuns) {
  constexpr int64_t kAlign = 64;
  size_t n = net.nbTensors();
  std::vector<int> first(n, -1), last(n, -1);
  const auto& layers = net.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    for (TensorId t : layers[i].outputs) first[t] = static_cast<int>(i);
    for (TensorId t : layers[i].inputs) last[t] = std::max(last[t], static_cast<int>(i));
  }
  for (const auto& [from, to] : fusedRuns) {
    for (TensorId t : layers.at(from).inputs) last[t] = std::max(last[t], to);
    for (TensorId t : layers.at(to).outputs) first[t] = std::min(first[t], from);
  }
  // Each alias resolves to the tensor that owns the memory (chains of reshapes included);
  // the owner stays alive until its aliases' last readers. Aliases come after their owners.
  std::vector<TensorId> owner(n);
  for (size_t t = 0; t < n; ++t) {
    TensorId a = aliasOf.empty() ? -1 : aliasOf[t];
    check(a < static_cast<TensorId>(t), "memory planner: tensor ", t, " aliases a later tensor");
    owner[t] = a < 0 ? static_cast<TensorId>(t) : owner[a];
  }
  for (size_t t = 0; t < n; ++t)
    if (owner[t] != static_cast<TensorId>(t))
      last[owner[t]] = std::max({last[owner[t]], last[t], first[t]});
  struct Block { int64_t offset, size; int from, to; };
  std::vector<Block> placed;
  MemoryPlan plan;
  plan.offsets.assign(n, -1);
  for (size_t i = 0; i < layers.size(); ++i) {
    for (TensorId t : layers[i].outputs) {
      if (!inArena[t]) continue;
      if (owner[t] != t) {
        plan.offsets[t] = plan.offsets[owner[t]];
        continue;
      }
      int from = first[t], to = std::max(last[t], from);
      int64_t size = (bytes[t] + kAlign - 1) / kAlign * kAlign;
      // Blocks alive at the same time, by offset; take the lowest gap that fits.
      std::vector<Block> live;
      for (const Block& b : placed)
        if (!(b.to < from || to < b.from)) live.push_back(b);
      std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.offset < b.offset; });
      int64_t offset = 0;
      for (const Block& b : live) {
        if (offset + size <= b.offset) break;
        offset = std::max(offset, b.offset + b.size);
      }
      placed.push_back({offset, size, from, to});
      plan.offsets[t] = offset;
      plan.arenaBytes = std::max(plan.arenaBytes, offset + size);
    }
  }
  return plan;
}

}  // namespace int8rt

// Assigns arena offsets to intermediate tensors so that tensors whose lifetimes do not overlap
// share memory. Bindings (network inputs/outputs) and constants live outside the arena.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "int8rt/network.h"

namespace int8rt {

struct MemoryPlan {
  std::vector<int64_t> offsets;  // per tensor, -1 when not in the arena
  int64_t arenaBytes = 0;
};

size_t elementSize(DataType t);

// bytes[t]: size of tensor t at the max batch. inArena[t]: whether t needs arena memory.
// aliasOf[t] (optional, empty = none): the arena tensor whose memory t shares (a reshape's
// input), -1 for none; the shared block lives until the last reader of any of its tensors.
// fusedRuns (optional): layer spans [first, last] run by one kernel when layer `first` runs;
// the inputs of `first` then stay alive until `last`, and the outputs of `last` from `first` on.
MemoryPlan planMemory(const Network& net, const std::vector<int64_t>& bytes,
                      const std::vector<bool>& inArena, const std::vector<TensorId>& aliasOf = {},
                      const std::vector<std::pair<int, int>>& fusedRuns = {});

}  // namespace int8rt

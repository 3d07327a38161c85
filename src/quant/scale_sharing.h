// EntropyCalibration2's scale-sharing rules (CONTRACTS.md §2) as a pure function, and the
// tensor order calibration caches are written in.
#pragma once
#include <string>
#include <vector>

#include "int8rt/network.h"

namespace int8rt {

// Applies the sharing rules to per-tensor amax values (or scales: the rules use only max and
// copy, which commute with the monotone amax -> amax / 127). amax is indexed by TensorId
// (size network.nbTensors()); a negative value means "no scale".
//
// Rules: a max-pool output uses its input's value (so do shuffle and identity outputs, which only
// move values); the inputs and the output of a concatenation
// share one value, the max of theirs; elementwise layers keep their own. Constraints that meet
// (a max-pool feeding a concat, a concat feeding a max-pool, chains) are solved together: the
// tensors linked by these rules form groups, and every member of a group gets the group's value,
// which is the max over its members that are not max-pool outputs (a max-pool output's own
// statistics are superseded by its input's), or, when none of those has a value, the max over
// the members that have one. A group with no value at all stays without one.
std::vector<float> applyScaleSharing(const Network& network, const std::vector<float>& amax);

// The tensors of a network in the order a cache lists them: network inputs, then each layer's
// outputs in layer (topological) order, each name once.
std::vector<std::string> tensorsInTopologicalOrder(const Network& network);

}  // namespace int8rt

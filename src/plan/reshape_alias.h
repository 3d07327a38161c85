// Reshape aliasing: a Shuffle that only reshapes (no transpose moves data) leaves the bytes as
// they are, so its output can share its input's arena memory and nothing needs to run. The
// builder marks such a layer with kernel kReshapeAliasKernel (plan.h) and gives both tensors
// one offset (the memory planner keeps the input alive until the output's last reader); the
// runtimes create no kernel for it and check that the plan really allows it.
#pragma once
#include <string>
#include <vector>

#include "plan/plan.h"

namespace int8rt {

// A Shuffle whose transposes (if any) are identities: row-major order is unchanged.
bool isPureReshape(const Layer& layer);

// Whether layer i of the network may alias its output to its input: a pure reshape, the same
// type in and out, the input made by a layer in the arena (not a binding or constant) and the
// output in the arena (not a network output). inArena[t]: tensor t gets arena memory.
bool canAliasReshape(const Network& net, size_t layer, const std::vector<DataType>& tensorTypes,
                     const std::vector<bool>& inArena);

// For a loaded plan whose layer i names kReshapeAliasKernel: throws "<source>: corrupt plan:
// ..." unless the layer is a pure reshape whose input and output share arena memory and type.
void checkReshapeAlias(const PlanData& plan, size_t layer, const std::vector<Shape>& maxShapes,
                       const std::string& source);

}  // namespace int8rt

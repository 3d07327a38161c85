#include "plan/reshape_alias.h"

#include "core/error.h"

namespace int8rt {

namespace {

bool identityPermutation(const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i)) return false;
  return true;
}

}  // namespace

bool isPureReshape(const Layer& l) {
  if (l.kind() != LayerKind::kSHUFFLE || l.inputs.size() != 1 || l.outputs.size() != 1) return false;
  const auto& p = l.as<ShuffleParams>();
  return identityPermutation(p.firstTranspose) && identityPermutation(p.secondTranspose);
}

bool canAliasReshape(const Network& net, size_t i, const std::vector<DataType>& types,
                     const std::vector<bool>& inArena) {
  const Layer& l = net.layers()[i];
  if (!isPureReshape(l)) return false;
  TensorId in = l.inputs[0], out = l.outputs[0];
  return types[in] == types[out] && inArena[in] && inArena[out] && !net.tensor(in).isInput &&
         !net.tensor(out).isOutput;
}

void checkReshapeAlias(const PlanData& plan, size_t i, const std::vector<Shape>& shapes,
                       const std::string& source) {
  const Layer& l = plan.network.layers()[i];
  bool ok = isPureReshape(l);
  if (ok) {
    TensorId in = l.inputs[0], out = l.outputs[0];
    ok = plan.arenaOffsets[in] >= 0 && plan.arenaOffsets[in] == plan.arenaOffsets[out] &&
         plan.tensorTypes[in] == plan.tensorTypes[out] && volume(shapes[in]) == volume(shapes[out]);
  }
  if (!ok)
    fail(source, ": corrupt plan: layer '", l.name, "' is marked ", kReshapeAliasKernel,
         " but is not a reshape sharing its input's memory");
}

}  // namespace int8rt

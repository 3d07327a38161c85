#include "runtime/cpu_backend.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "plan/reshape_alias.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {

void checkCpuFeatures(const std::string& required, const std::string& source) {
  std::string have = " " + cpuFeatures().describe() + " ";
  std::istringstream is(required);
  std::string f;
  while (is >> f)
    if (have.find(" " + f + " ") == std::string::npos)
      fail(source, ": plan needs CPU feature '", f, "' which this CPU lacks (has: ",
           cpuFeatures().describe(), "); rebuild the plan on this machine");
}

}  // namespace

CpuBackend::CpuBackend(const EngineImpl& engine, const std::string& source) {
  const PlanData& plan = engine.plan();
  checkCpuFeatures(plan.requiredCpuFeatures, source);
  const Network& net = plan.network;
  kernels_.resize(net.layers().size());
  precisions_.assign(net.layers().size(), DataType::kFLOAT);
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& l = net.layers()[i];
    if (l.kind() == LayerKind::kCONSTANT) continue;
    if (plan.kernels[i] == kReshapeAliasKernel) {  // nothing runs: the output is the input
      checkReshapeAlias(plan, i, engine.maxShapes(), source);
      precisions_[i] = plan.tensorTypes[l.inputs[0]];
      continue;
    }
    const KernelCandidate* k = findCpuKernel(plan.kernels[i]);
    if (!k) fail(source, ": layer '", l.name, "' uses kernel '", plan.kernels[i],
                 "', unknown to this build");
    if (k->kind != l.kind())
      fail(source, ": corrupt plan: kernel '", k->name, "' does not implement ",
           layerKindName(l.kind()), " layer '", l.name, "'");
    KernelSetup setup = makeKernelSetup(plan, i, engine.maxShapes());
    if (!k->supports(setup, cpuFeatures()))
      fail(source, ": kernel '", k->name, "' cannot run layer '", l.name, "' on this machine");
    kernels_[i] = k->create(setup);
    precisions_[i] = k->precision;
    workspaceBytes_ = std::max(workspaceBytes_, kernels_[i]->workspaceBytes());
  }
}

std::unique_ptr<ExecutionContext> CpuBackend::createExecutionContext(const EngineImpl& engine) const {
  return makeCpuExecutionContext(engine, *this);
}

DataType CpuBackend::layerPrecision(size_t layer) const { return precisions_[layer]; }

}  // namespace int8rt

#include "backends/cuda/engine/cuda_engine_backend.h"

#include <algorithm>

#include "backends/cuda/engine/cuda_execution_context.h"
#include "core/error.h"
#include "plan/reshape_alias.h"
#include "runtime/engine_impl.h"

namespace int8rt::cuda {

namespace {

const DeviceInfo& requireArchitecture(int planSm, const std::string& source) {
  const DeviceInfo& d = currentDevice();
  if (!d.present) fail(source, ": cannot load a CUDA plan: ", d.absentReason);
  if (d.sm() != planSm)
    fail(source, ": plan was built for sm_", planSm, ", this GPU is sm_", d.sm(), " (", d.name,
         "); rebuild the engine on this GPU");
  return d;
}

}  // namespace

CudaEngineBackend::CudaEngineBackend(const EngineImpl& engine, const std::string& source) {
  const PlanData& plan = engine.plan();
  const DeviceInfo& device = requireArchitecture(plan.cudaSm, source);
  const Network& net = plan.network;
  size_t nL = net.layers().size();
  kernels_.resize(nL);
  names_.assign(nL, "constant");
  precisions_.assign(nL, DataType::kFLOAT);
  constants_.resize(net.nbTensors());
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    if (l.kind() == LayerKind::kCONSTANT) {
      TensorId t = l.outputs[0];
      const std::vector<uint8_t>& host = engine.constant(t);
      std::string what = "constant tensor '" + net.tensor(t).name + "'";
      constants_[t] = DeviceBuffer(host.size(), what.c_str());
      constants_[t].upload(host.data(), host.size());
      continue;
    }
    if (plan.kernels[i] == kReshapeAliasKernel) {  // nothing is launched: the output is the input
      checkReshapeAlias(plan, i, engine.maxShapes(), source);
      names_[i] = kReshapeAliasKernel;
      precisions_[i] = plan.tensorTypes[l.inputs[0]];
      continue;
    }
    const Candidate* k = findKernel(plan.kernels[i]);
    if (!k)
      fail(source, ": layer '", l.name, "' uses CUDA kernel '", plan.kernels[i],
           "', unknown to this build", findCpuKernel(plan.kernels[i]) ? " (it is a CPU kernel)" : "");
    if (k->kind != l.kind())
      fail(source, ": corrupt plan: kernel '", k->name, "' does not implement ",
           layerKindName(l.kind()), " layer '", l.name, "'");
    // A kernel of a library this machine cannot load (a plan built where cuDNN was present).
    const std::string missing = k->unavailableReason ? k->unavailableReason() : std::string();
    if (!missing.empty())
      fail(source, ": layer '", l.name, "' uses CUDA kernel '", k->name, "', unavailable here: ",
           missing);
    KernelSetup setup = makeKernelSetup(plan, i, engine.maxShapes());
    if (!accepts(*k, setup, device))
      fail(source, ": CUDA kernel '", k->name, "' cannot run layer '", l.name, "' on this GPU (",
           device.name, ")");
    try {
      kernels_[i] = k->create(setup, plan.kernelConfigs[i]);
    } catch (const Error& e) {
      fail(source, ": layer '", l.name, "', kernel '", k->name, "' (configuration '",
           plan.kernelConfigs[i], "'): ", e.what());
    }
    names_[i] = k->name;
    precisions_[i] = k->precision;
    workspaceBytes_ = std::max(workspaceBytes_, kernels_[i]->workspaceBytes());
  }
}

std::unique_ptr<ExecutionContext> CudaEngineBackend::createExecutionContext(
    const EngineImpl& engine) const {
  return std::make_unique<CudaExecutionContext>(engine, *this);
}

}  // namespace int8rt::cuda

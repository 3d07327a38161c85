#include "backends/cuda/engine/cuda_engine_backend.h"

#include <algorithm>

#include "backends/cuda/chain/chain_kernel_host.h"
#include "backends/cuda/chain/chain_setup.h"
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

// "<kernel configuration>,layers=N" -> N (0 when absent or malformed) and the configuration.
int chainLength(const std::string& config, std::string& kernelConfig) {
  const size_t at = config.rfind(",layers=");
  if (at == std::string::npos) return 0;
  const std::string n = config.substr(at + 8);
  if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos) return 0;
  kernelConfig = config.substr(0, at);
  return std::stoi(n);
}

}  // namespace

std::unique_ptr<Kernel> CudaEngineBackend::createChain(const EngineImpl& engine, size_t first,
                                                       size_t& last, const std::string& source) {
  const PlanData& plan = engine.plan();
  const Network& net = plan.network;
  const Layer& head = net.layers()[first];
  std::string kernelConfig;
  const int n = chainLength(plan.kernelConfigs[first], kernelConfig);
  if (n < 2 || first + n > net.layers().size())
    fail(source, ": corrupt plan: layer '", head.name, "': chain configuration '",
         plan.kernelConfigs[first], "' does not give a length within the network");
  std::vector<KernelSetup> setups;
  for (size_t j = first; j < first + n; ++j) {
    const Layer& l = net.layers()[j];
    if (j > first) {
      const Layer& prev = net.layers()[j - 1];
      if (plan.kernels[j] != kChainMemberKernel || l.inputs.size() != 1 || prev.outputs.size() != 1 ||
          l.inputs[0] != prev.outputs[0])
        fail(source, ": corrupt plan: layer '", l.name, "' is not the next member of the chain at '",
             head.name, "'");
    }
    setups.push_back(makeKernelSetup(plan, j, engine.maxShapes()));
  }
  const std::string why = chain::chainRejection(setups, currentDevice());
  if (!why.empty()) fail(source, ": corrupt plan: chain at layer '", head.name, "': ", why);
  last = first + n - 1;
  try {
    return chain::createChainKernel(setups, kernelConfig);
  } catch (const Error& e) {
    fail(source, ": chain at layer '", head.name, "' (configuration '", plan.kernelConfigs[first],
         "'): ", e.what());
  }
}

CudaEngineBackend::CudaEngineBackend(const EngineImpl& engine, const std::string& source) {
  const PlanData& plan = engine.plan();
  const DeviceInfo& device = requireArchitecture(plan.cudaSm, source);
  const Network& net = plan.network;
  size_t nL = net.layers().size();
  kernels_.resize(nL);
  names_.assign(nL, "constant");
  precisions_.assign(nL, DataType::kFLOAT);
  constants_.resize(net.nbTensors());
  chainLast_.resize(nL);
  size_t chainEnd = 0;  // one past the last member of the latest chain
  for (size_t i = 0; i < nL; ++i) {
    const Layer& l = net.layers()[i];
    chainLast_[i] = i;
    if (plan.kernels[i] == kChainMemberKernel) {  // run by the chain's first layer
      if (i >= chainEnd)
        fail(source, ": corrupt plan: layer '", l.name, "' is marked ", kChainMemberKernel,
             " without a chain before it");
      names_[i] = kChainMemberKernel;
      precisions_[i] = DataType::kINT8;
      continue;
    }
    if (plan.kernels[i] == chain::kChainKernelName) {
      kernels_[i] = createChain(engine, i, chainLast_[i], source);
      chainEnd = chainLast_[i] + 1;
      names_[i] = chain::kChainKernelName;
      precisions_[i] = DataType::kINT8;
      continue;
    }
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

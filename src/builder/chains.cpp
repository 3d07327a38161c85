#include "builder/chains.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "backends/cuda_bridge.h"
#include "core/error.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {

// Whether layer j continues a run that ends at layer j - 1: it reads only that layer's only
// output, which nothing else reads and which is not a network output.
bool continuesRun(const Network& net, const std::vector<int>& readers, size_t j,
                  const BuilderConfig& config) {
  const Layer& prev = net.layers()[j - 1];
  const Layer& l = net.layers()[j];
  if (prev.outputs.size() != 1 || l.inputs.size() != 1 || l.inputs[0] != prev.outputs[0]) return false;
  const TensorId t = prev.outputs[0];
  if (readers[t] != 1 || net.tensor(t).isOutput) return false;
  return !config.forcedKernels.count(l.name);
}

bool mayStart(const Layer& l, const BuilderConfig& config) {
  return (l.kind() == LayerKind::kCONVOLUTION || l.kind() == LayerKind::kFULLY_CONNECTED) &&
         !config.forcedKernels.count(l.name);
}

}  // namespace

std::vector<FusedRun> fuseChains(PlanData& plan, const std::vector<Shape>& shapes,
                                 const BuilderConfig& config,
                                 const std::function<void(const std::string&)>& log) {
  std::vector<FusedRun> runs;
  // INT8RT_CHAIN: "0" never fuses, "force" fuses every run the chain kernel can run (tests,
  // experiments); "auto" (or unset): the faster side wins.
  const char* env = std::getenv("INT8RT_CHAIN");
  const std::string_view mode = env ? env : "";
  if (plan.device != DeviceType::kCUDA) return runs;
  check(mode.empty() || mode == "0" || mode == "auto" || mode == "force", "INT8RT_CHAIN='", mode,
        "': expected 0, auto or force");
  if (mode == "0") return runs;
  if (config.timingIterations <= 0 && mode != "force") return runs;
  const Network& net = plan.network;
  const size_t nL = net.layers().size();
  std::vector<int> readers(net.nbTensors(), 0);
  for (const Layer& l : net.layers())
    for (TensorId t : l.inputs) ++readers[t];
  // Each sample is a graph of several runs: a few more than a layer's tactic gets, since one
  // decision covers the whole run.
  const int iterations = 5 * std::max(1, config.timingIterations);
  for (size_t i = 0; i < nL; ++i) {
    if (!mayStart(net.layers()[i], config)) continue;
    size_t end = i;
    while (end + 1 < nL && continuesRun(net, readers, end + 1, config)) ++end;
    for (size_t e = end; e > i; --e) {
      std::vector<KernelSetup> setups;
      std::vector<std::string> kernels, configs;
      for (size_t j = i; j <= e; ++j) {
        setups.push_back(makeKernelSetup(plan, j, shapes));
        kernels.push_back(plan.kernels[j]);
        configs.push_back(plan.kernelConfigs[j]);
      }
      const cudabridge::CudaChain c = cudabridge::timeChain(setups, kernels, configs, iterations);
      if (!c.rejection.empty()) continue;  // a shorter run may still fit
      std::ostringstream m;
      m << "chain '" << net.layers()[i].name << "' .. '" << net.layers()[e].name << "' ("
        << e - i + 1 << " layers): " << cudabridge::kChainKernel << " [" << c.config << "] "
        << c.chainMicroseconds << " us vs " << c.layersMicroseconds << " us as layers";
      if (c.chainMicroseconds < c.layersMicroseconds || mode == "force") {
        plan.kernels[i] = cudabridge::kChainKernel;
        plan.kernelConfigs[i] = c.config + ",layers=" + std::to_string(e - i + 1);
        for (size_t j = i + 1; j <= e; ++j) {
          plan.kernels[j] = kChainMemberKernel;
          plan.kernelConfigs[j].clear();
        }
        runs.push_back({i, e});
        m << ": fused";
        i = e;
      } else {
        m << ": kept as layers";
      }
      if (log) log(m.str());
      break;
    }
  }
  return runs;
}

}  // namespace int8rt

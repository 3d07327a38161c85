// The builder's question about a fused chain (cuda_bridge.h, timeChain): can the chain kernel
// run these layers, and is it faster than their own kernels? Both sides are timed the same way
// (cuda_tactics.cpp: graph replays, median), the run's own kernels as one graph of all of them
// with their intermediate tensors, so that launch gaps count on both sides.
#include "backends/cuda/chain/chain_kernel_host.h"
#include "backends/cuda/chain/chain_setup.h"
#include "backends/cuda/engine/cuda_handles.h"
#include "backends/cuda/engine/cuda_tactics.h"
#include "builder/memory_planner.h"
#include "core/error.h"
#include "plan/plan.h"

namespace int8rt::cuda {

namespace {

// The run's own kernels over device tensors: the first input random, each output allocated
// (a reshape alias shares its input's buffer).
struct LayerRun {
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::vector<RunArgs> args;
  std::vector<DeviceBuffer> buffers;
  DeviceBuffer workspace;

  LayerRun(const std::vector<KernelSetup>& layers, const std::vector<std::string>& names,
           const std::vector<std::string>& configs, cudaStream_t stream) {
    buffers.push_back(randomTimingTensor(layers[0].inputShapes[0], layers[0].inputTypes[0], 11));
    void* current = buffers.back().get();
    size_t workspaceBytes = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      const KernelSetup& s = layers[i];
      void* out = current;
      if (names[i] != kReshapeAliasKernel) {
        const Candidate* c = findKernel(names[i]);
        check(c != nullptr, "chain timing: unknown kernel '", names[i], "'");
        kernels.push_back(c->create(s, configs[i]));
        workspaceBytes = std::max(workspaceBytes, kernels.back()->workspaceBytes());
        buffers.emplace_back(volume(s.outputShapes[0]) * elementSize(s.outputTypes[0]), "chain timing tensor");
        out = buffers.back().get();
        RunArgs a;
        a.inputs.push_back({current, s.inputShapes[0], s.inputTypes[0]});
        a.outputs.push_back({out, s.outputShapes[0], s.outputTypes[0]});
        a.stream = stream;
        args.push_back(a);
      }
      current = out;
    }
    workspace = DeviceBuffer(workspaceBytes, "chain timing workspace");
    for (RunArgs& a : args) a.workspace = workspace.get();
  }

  void enqueue() {
    for (size_t i = 0; i < kernels.size(); ++i) kernels[i]->enqueue(args[i]);
  }
};

}  // namespace

cudabridge::CudaChain timeCudaChain(const std::vector<KernelSetup>& layers,
                                    const std::vector<std::string>& kernels,
                                    const std::vector<std::string>& configs, int timingIterations) {
  cudabridge::CudaChain result;
  result.rejection = chain::chainRejection(layers, currentDevice());
  if (!result.rejection.empty()) return result;
  Stream stream = Stream::create("chain timing");
  {
    LayerRun run(layers, kernels, configs, stream.get());
    result.layersMicroseconds = timeLaunches([&] { run.enqueue(); }, timingIterations, stream.get());
  }
  const KernelSetup& first = layers.front();
  const KernelSetup& last = layers.back();
  DeviceBuffer x = randomTimingTensor(first.inputShapes[0], first.inputTypes[0], 12);
  DeviceBuffer y(volume(last.outputShapes[0]) * elementSize(last.outputTypes[0]), "chain timing output");
  RunArgs a;
  a.inputs.push_back({x.get(), first.inputShapes[0], first.inputTypes[0]});
  a.outputs.push_back({y.get(), last.outputShapes[0], last.outputTypes[0]});
  a.stream = stream.get();
  double best = 1e300;
  std::string lastError;
  for (const std::string& config : chain::chainConfigs(layers)) {
    try {
      std::unique_ptr<Kernel> k = chain::createChainKernel(layers, config);
      const double us = timeLaunches([&] { k->enqueue(a); }, timingIterations, stream.get());
      if (us < best) best = us, result.config = config;
    } catch (const Error& e) {
      lastError = config + ": " + e.what();
      cudaStreamSynchronize(stream.get());
      cudaGetLastError();
    }
  }
  if (best == 1e300) {
    result.rejection = "every configuration failed; last: " + lastError;
    return result;
  }
  result.chainMicroseconds = best;
  return result;
}

}  // namespace int8rt::cuda

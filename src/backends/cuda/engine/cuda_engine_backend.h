// The CUDA backend of an engine: checks that this GPU is the architecture the plan was built
// for, creates every layer's CUDA kernel with its configuration (weights uploaded once, by the
// kernel), and uploads the constant tensors once. Immutable afterwards and shared by every
// execution context of the engine.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/cuda/cuda_kernel.h"
#include "backends/cuda/device_buffer.h"
#include "runtime/engine_backend.h"

namespace int8rt::cuda {

class CudaEngineBackend : public EngineBackend {
 public:
  CudaEngineBackend(const EngineImpl& engine, const std::string& source);
  std::unique_ptr<ExecutionContext> createExecutionContext(const EngineImpl& engine) const override;
  DataType layerPrecision(size_t layer) const override { return precisions_[layer]; }

  Kernel* kernel(size_t layer) const { return kernels_[layer].get(); }  // null for constants
  const char* kernelName(size_t layer) const { return names_[layer]; }
  // Device copy of a constant tensor, null for other tensors.
  void* constant(TensorId t) const { return constants_[t].get(); }
  size_t workspaceBytes() const { return workspaceBytes_; }
  // The layer whose outputs layer i's kernel writes: i, or the last member of the fused chain
  // that layer i starts (plan.h, kChainMemberKernel).
  size_t outputLayer(size_t layer) const { return chainLast_[layer]; }
  // Kernel::enqueue is not const: a kernel may keep host-side launch state (a cuBLASLt layout
  // set to the run's batch). Contexts on several threads share the kernels, so launches are
  // serialized here; graph replays launch no kernel and take no lock.
  std::mutex& launchMutex() const { return launchMutex_; }

 private:
  // The kernel of the chain that layer `first` starts; `last` is set to its last member.
  std::unique_ptr<Kernel> createChain(const EngineImpl& engine, size_t first, size_t& last,
                                      const std::string& source);

  mutable std::mutex launchMutex_;
  std::vector<std::unique_ptr<Kernel>> kernels_;
  std::vector<const char*> names_;
  std::vector<size_t> chainLast_;
  std::vector<DataType> precisions_;
  std::vector<DeviceBuffer> constants_;  // per tensor
  size_t workspaceBytes_ = 0;
};

}  // namespace int8rt::cuda

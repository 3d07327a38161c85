// The loaded engine: the plan, one created kernel per layer, constant tensors evaluated once,
// and the bindings. Immutable after construction; contexts hold all per-run memory.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"

namespace int8rt {

class EngineImpl {
 public:
  // Validates the plan against this machine and creates the kernels; throws int8rt::Error.
  EngineImpl(PlanData plan, const std::string& source);

  const PlanData& plan() const { return plan_; }
  const Network& network() const { return plan_.network; }
  const std::vector<TensorId>& bindings() const { return bindings_; }
  CpuKernel* kernel(size_t layer) const { return kernels_[layer].get(); }
  const std::vector<uint8_t>& constant(TensorId t) const { return constants_[t]; }
  size_t workspaceBytes() const { return workspaceBytes_; }
  // Concrete shapes of every tensor for a batch size (checked against the max batch).
  std::vector<Shape> shapesForBatch(int64_t batch) const;

 private:
  PlanData plan_;
  std::vector<std::unique_ptr<CpuKernel>> kernels_;  // null for constant layers
  std::vector<std::vector<uint8_t>> constants_;      // per tensor
  std::vector<TensorId> bindings_;
  size_t workspaceBytes_ = 0;
};

// Builds the KernelSetup of layer i from the plan at the given tensor shapes.
KernelSetup makeKernelSetup(const PlanData& plan, size_t layer, const std::vector<Shape>& shapes);

}  // namespace int8rt

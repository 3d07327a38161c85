// The loaded engine: the plan, constant tensors evaluated once, the bindings, and the device
// backend holding one created kernel per layer (cpu_backend.h, or the CUDA backend reached
// through backends/cuda_bridge.h). Immutable after construction; contexts hold all per-run memory.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"
#include "runtime/engine_backend.h"

namespace int8rt {

class EngineImpl {
 public:
  // Validates the plan against this machine and creates the kernels; throws int8rt::Error.
  EngineImpl(PlanData plan, const std::string& source);
  ~EngineImpl();
  EngineImpl(const EngineImpl&) = delete;
  EngineImpl& operator=(const EngineImpl&) = delete;

  const PlanData& plan() const { return plan_; }
  const Network& network() const { return plan_.network; }
  const std::vector<TensorId>& bindings() const { return bindings_; }
  // Host bytes of a constant tensor (FP32), empty for other tensors.
  const std::vector<uint8_t>& constant(TensorId t) const { return constants_[t]; }
  const EngineBackend& backend() const { return *backend_; }
  // Concrete shapes of every tensor for a batch size (checked against the max batch).
  std::vector<Shape> shapesForBatch(int64_t batch) const;
  // Shapes at the max batch, computed once (kernel setups, buffer sizes).
  const std::vector<Shape>& maxShapes() const { return maxShapes_; }

 private:
  PlanData plan_;
  std::vector<std::vector<uint8_t>> constants_;  // per tensor
  std::vector<TensorId> bindings_;
  std::vector<Shape> maxShapes_;
  std::unique_ptr<EngineBackend> backend_;
};

// Builds the KernelSetup of layer i from the plan at the given tensor shapes.
KernelSetup makeKernelSetup(const PlanData& plan, size_t layer, const std::vector<Shape>& shapes);

}  // namespace int8rt

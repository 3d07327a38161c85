// What a device brings to a loaded engine: the kernels created from the plan (CPU kernels, or
// CUDA kernels with their weights and constants on the GPU) and the execution contexts that run
// them. EngineImpl (device-independent: plan, shapes, bindings, host constants) owns one.
#pragma once
#include <memory>

#include "int8rt/network.h"

namespace int8rt {

class EngineImpl;
class ExecutionContext;

class EngineBackend {
 public:
  virtual ~EngineBackend() = default;
  // A new context with its own memory; `engine` outlives it (Engine's contract).
  virtual std::unique_ptr<ExecutionContext> createExecutionContext(const EngineImpl& engine) const = 0;
  // Compute precision of layer i's kernel (kFLOAT, kHALF or kINT8; kFLOAT for constants).
  virtual DataType layerPrecision(size_t layer) const = 0;
};

}  // namespace int8rt

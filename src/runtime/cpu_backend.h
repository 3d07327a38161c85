// The CPU backend of an engine: one CpuKernel per layer, created from the plan's kernel names
// after checking that this CPU can run them.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "runtime/engine_backend.h"

namespace int8rt {

class CpuBackend : public EngineBackend {
 public:
  CpuBackend(const EngineImpl& engine, const std::string& source);
  std::unique_ptr<ExecutionContext> createExecutionContext(const EngineImpl& engine) const override;
  DataType layerPrecision(size_t layer) const override;

  CpuKernel* kernel(size_t layer) const { return kernels_[layer].get(); }  // null for constants
  size_t workspaceBytes() const { return workspaceBytes_; }

 private:
  std::vector<std::unique_ptr<CpuKernel>> kernels_;
  std::vector<DataType> precisions_;
  size_t workspaceBytes_ = 0;
};

// execution_context.cpp
std::unique_ptr<ExecutionContext> makeCpuExecutionContext(const EngineImpl& engine,
                                                          const CpuBackend& backend);

}  // namespace int8rt

// A CUDA execution context: the device arena and workspace of one run at a time, its own
// stream, the whole-network CUDA graphs (one per batch size), and pinned staging buffers for
// executeHost. Many contexts per engine, each independent.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cuda/device_buffer.h"
#include "backends/cuda/engine/cuda_engine_backend.h"
#include "backends/cuda/engine/cuda_graph_cache.h"
#include "backends/cuda/engine/cuda_handles.h"
#include "int8rt/runtime.h"

namespace int8rt::cuda {

// INT8RT_CUDA_GRAPHS=0 launches the layers one by one instead of replaying a graph.
bool cudaGraphsEnabled();

class CudaExecutionContext : public ExecutionContext {
 public:
  CudaExecutionContext(const EngineImpl& engine, const CudaEngineBackend& backend);
  ~CudaExecutionContext() override;

  Status execute(int64_t batch, void* const* bindings) override;
  Status enqueue(int64_t batch, void* const* bindings, void* stream) override;
  Status executeHost(int64_t batch, void* const* hostBindings, double* inferenceMs) override;
  void setObserver(ITensorObserver* observer) override { observer_ = observer; }

  const GraphCache& graphs() const { return graphs_; }

 private:
  const std::vector<Shape>& shapes(int64_t batch);
  void bind(void* const* bindings);  // fills pointers_ for bindings, arena and constants
  void run(int64_t batch, void* const* bindings, cudaStream_t stream);
  void launchLayer(size_t layer, const std::vector<Shape>& shapes, cudaStream_t stream);
  void launchAll(const std::vector<Shape>& shapes, cudaStream_t stream);
  void runObserved(const std::vector<Shape>& shapes, cudaStream_t stream);
  void observeTensor(TensorId t, const Shape& shape, cudaStream_t stream);
  void allocateStaging();

  const EngineImpl& engine_;
  const CudaEngineBackend& backend_;
  DeviceBuffer arena_;
  DeviceBuffer workspace_;
  Stream stream_;
  Event start_, stop_, lastRun_;
  Event legacyDone_;  // execute() orders its run after the legacy default stream's work
  bool graphsEnabled_;
  GraphCache graphs_;
  ITensorObserver* observer_ = nullptr;
  int64_t cachedBatch_ = -1;
  std::vector<Shape> shapes_;
  std::vector<void*> pointers_;          // per tensor, device
  std::vector<void*> checkedBindings_;   // the binding pointers last found to be device memory
  // executeHost: per binding, pinned staging and a device copy, both at the max batch.
  std::vector<PinnedBuffer> staging_;
  std::vector<DeviceBuffer> deviceIo_;
  std::vector<uint8_t> hostCopy_;        // observer: a tensor brought to the host
};

}  // namespace int8rt::cuda

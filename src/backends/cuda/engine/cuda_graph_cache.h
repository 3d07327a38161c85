// Whole-network CUDA graphs of one execution context, one per batch size. A graph bakes in the
// binding pointers, so a run with the same batch and pointers replays it as is; with other
// pointers the network is captured again and the executable graph updated in place
// (cudaGraphExecUpdate: cheap, no re-instantiation), or re-instantiated where the update is
// refused. A few batch sizes are kept, least recently used evicted.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "backends/cuda/engine/cuda_handles.h"

namespace int8rt::cuda {

class GraphCache {
 public:
  static constexpr size_t kMaxEntries = 8;

  // The executable graph for (batch, pointers); `launch(stream)` enqueues the network on the
  // capture stream when a capture is needed. Throws int8rt::Error.
  cudaGraphExec_t get(int64_t batch, const std::vector<void*>& pointers, cudaStream_t captureStream,
                      const std::function<void(cudaStream_t)>& launch);

  // Whether get() would replay without capturing (callers wait for the previous run first
  // otherwise: an executable graph is not changed or freed while a launch of it may run).
  bool has(int64_t batch, const std::vector<void*>& pointers) const;

  size_t captures() const { return captures_; }  // for tests: how often the network was captured
  size_t instantiations() const { return instantiations_; }

 private:
  struct Entry {
    int64_t batch = 0;
    std::vector<void*> pointers;
    GraphExecHandle exec;
    uint64_t lastUse = 0;
  };
  static GraphHandle capture(cudaStream_t stream, const std::function<void(cudaStream_t)>& launch);
  static GraphExecHandle instantiate(cudaGraph_t graph);

  std::vector<Entry> entries_;
  uint64_t clock_ = 0;
  size_t captures_ = 0, instantiations_ = 0;
};

}  // namespace int8rt::cuda

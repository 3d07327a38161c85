#include "backends/cuda/engine/cuda_graph_cache.h"

#include <algorithm>

#include "core/error.h"

namespace int8rt::cuda {

GraphHandle GraphCache::capture(cudaStream_t stream,
                                const std::function<void(cudaStream_t)>& launch) {
  // Thread-local mode: other threads' contexts may launch or capture at the same time.
  checkCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
            "start of the CUDA graph capture");
  try {
    launch(stream);
  } catch (...) {
    cudaGraph_t partial = nullptr;
    cudaStreamEndCapture(stream, &partial);  // leave the stream usable; drop what was captured
    if (partial) cudaGraphDestroy(partial);
    cudaGetLastError();
    throw;
  }
  cudaGraph_t graph = nullptr;
  checkCuda(cudaStreamEndCapture(stream, &graph), "end of the CUDA graph capture");
  return GraphHandle(graph);
}

GraphExecHandle GraphCache::instantiate(cudaGraph_t graph) {
  cudaGraphExec_t exec = nullptr;
  checkCuda(cudaGraphInstantiate(&exec, graph, 0), "instantiation of the network's CUDA graph");
  return GraphExecHandle(exec);
}

bool GraphCache::has(int64_t batch, const std::vector<void*>& pointers) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return e.batch == batch && e.pointers == pointers;
  });
}

cudaGraphExec_t GraphCache::get(int64_t batch, const std::vector<void*>& pointers,
                                cudaStream_t captureStream,
                                const std::function<void(cudaStream_t)>& launch) {
  ++clock_;
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.batch == batch; });
  if (it != entries_.end() && it->pointers == pointers) {
    it->lastUse = clock_;
    return it->exec.get();
  }
  GraphHandle graph = capture(captureStream, launch);
  ++captures_;
  if (it != entries_.end()) {
    // Same topology, other pointers: update the executable graph in place where CUDA allows.
    cudaGraphExecUpdateResultInfo info{};
    if (cudaGraphExecUpdate(it->exec.get(), graph.get(), &info) != cudaSuccess) {
      cudaGetLastError();
      it->exec = instantiate(graph.get());
      ++instantiations_;
    }
    it->pointers = pointers;
    it->lastUse = clock_;
    return it->exec.get();
  }
  if (entries_.size() >= kMaxEntries) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const Entry& a, const Entry& b) { return a.lastUse < b.lastUse; });
    entries_.erase(oldest);
  }
  Entry e;
  e.batch = batch;
  e.pointers = pointers;
  e.exec = instantiate(graph.get());
  ++instantiations_;
  e.lastUse = clock_;
  entries_.push_back(std::move(e));
  return entries_.back().exec.get();
}

}  // namespace int8rt::cuda

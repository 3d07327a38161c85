// Owning handles for the CUDA objects of an execution context: stream, event, graph, graph
// exec. Moves only; destroyed with their owner, so an error thrown half-way leaks nothing.
#pragma once
#include <cuda_runtime_api.h>

#include <utility>

#include "backends/cuda/cuda_check.h"

namespace int8rt::cuda {

template <class T, cudaError_t (*Destroy)(T)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T h) : h_(h) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  T get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }
  void reset() {
    if (h_) Destroy(h_);
    h_ = nullptr;
  }

 private:
  T h_ = nullptr;
};

using GraphHandle = Handle<cudaGraph_t, cudaGraphDestroy>;
using GraphExecHandle = Handle<cudaGraphExec_t, cudaGraphExecDestroy>;

class Stream : public Handle<cudaStream_t, cudaStreamDestroy> {
 public:
  // Non-blocking: the context's work does not wait for the legacy default stream.
  static Stream create(const char* what) {
    cudaStream_t s = nullptr;
    checkCuda(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate for ", what);
    return Stream(s);
  }

 private:
  using Handle::Handle;
};

class Event : public Handle<cudaEvent_t, cudaEventDestroy> {
 public:
  static Event create(const char* what) {
    cudaEvent_t e = nullptr;
    checkCuda(cudaEventCreate(&e), "cudaEventCreate for ", what);
    return Event(e);
  }

 private:
  using Handle::Handle;
};

}  // namespace int8rt::cuda

// The cuDNN handle of the current device, shared by everything that uses cuDNN on it and lent
// under a lock: a handle carries its stream (cudnnSetStream), so two threads must not use it at
// once. It lives while a holder (CudnnHandleHold: each cuDNN kernel for its whole life, each
// lease for its own) exists and is destroyed with the last one, so that a process that has
// destroyed its engines has released cuDNN's device memory too (compute-sanitizer's leak check).
#pragma once
#include <mutex>

#include "backends/cuda/cudnn/cudnn_loader.h"

namespace int8rt::cuda {

struct CudnnDeviceHandle;

// Keeps the current device's handle alive (creating it on first use).
class CudnnHandleHold {
 public:
  // Throws int8rt::Error when cuDNN is unavailable or its handle cannot be created.
  CudnnHandleHold();
  ~CudnnHandleHold();
  CudnnHandleHold(const CudnnHandleHold&) = delete;
  CudnnHandleHold& operator=(const CudnnHandleHold&) = delete;
  CudnnDeviceHandle& get() const { return *h_; }

 private:
  int device_ = 0;
  CudnnDeviceHandle* h_ = nullptr;
};

// Exclusive use of the handle; the candidates hold a lease for the whole of a query or an
// enqueue, and touch their descriptors only then too.
class CudnnLease {
 public:
  CudnnLease();
  const CudnnApi& api() const { return *api_; }
  cudnnHandle_t handle() const { return handle_; }

 private:
  const CudnnApi* api_ = nullptr;
  CudnnHandleHold hold_;  // before lock_: released after it
  std::unique_lock<std::mutex> lock_;
  cudnnHandle_t handle_ = nullptr;
};

}  // namespace int8rt::cuda

// The cuDNN handle of the current device, one per device for the process (created lazily,
// never destroyed: kernels may run until exit), and lent under a lock: a handle carries its
// stream (cudnnSetStream), so two threads must not use it at once. The cuDNN candidates hold a
// lease for the whole of a query or an enqueue; their descriptors are touched only then too.
#pragma once
#include <mutex>

#include "backends/cuda/cudnn/cudnn_loader.h"

namespace int8rt::cuda {

class CudnnLease {
 public:
  // Throws int8rt::Error when cuDNN is unavailable or its handle cannot be created.
  CudnnLease();
  const CudnnApi& api() const { return *api_; }
  cudnnHandle_t handle() const { return handle_; }

 private:
  const CudnnApi* api_ = nullptr;
  cudnnHandle_t handle_ = nullptr;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace int8rt::cuda

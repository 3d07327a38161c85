#include "backends/cuda/cudnn/cudnn_handle.h"

#include <map>
#include <memory>

#include "backends/cuda/cuda_check.h"

namespace int8rt::cuda {

namespace {

struct DeviceHandle {
  std::mutex use;  // held by a lease
  cudnnHandle_t handle = nullptr;
};

DeviceHandle& deviceHandle(const CudnnApi& api) {
  // Never destroyed, like the handles: engines destroyed after main() may still take a lease.
  static std::mutex* mutex = new std::mutex;
  static auto* handles = new std::map<int, std::unique_ptr<DeviceHandle>>;
  int device = 0;
  checkCuda(cudaGetDevice(&device), "cudaGetDevice for the cuDNN handle");
  std::lock_guard<std::mutex> lock(*mutex);
  std::unique_ptr<DeviceHandle>& h = (*handles)[device];
  if (!h) {
    auto made = std::make_unique<DeviceHandle>();
    checkCudnn(api, api.cudnnCreate(&made->handle), "cudnnCreate on device ", device);
    h = std::move(made);
  }
  return *h;
}

}  // namespace

CudnnLease::CudnnLease() : api_(cudnnApi()) {
  check(api_ != nullptr, "cuDNN is unavailable: ", cudnnUnavailableReason());
  DeviceHandle& h = deviceHandle(*api_);
  lock_ = std::unique_lock<std::mutex>(h.use);
  handle_ = h.handle;
}

}  // namespace int8rt::cuda

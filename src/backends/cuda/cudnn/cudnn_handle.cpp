#include "backends/cuda/cudnn/cudnn_handle.h"

#include <map>
#include <memory>

#include "backends/cuda/cuda_check.h"

namespace int8rt::cuda {

struct CudnnDeviceHandle {
  std::mutex use;  // held by a lease
  cudnnHandle_t handle = nullptr;
  int holders = 0;
};

namespace {

const CudnnApi& requireApi() {
  const CudnnApi* api = cudnnApi();
  check(api != nullptr, "cuDNN is unavailable: ", cudnnUnavailableReason());
  return *api;
}

// Never destroyed: a holder destroyed after main() (a static engine) still finds them.
std::mutex& registryMutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::map<int, std::unique_ptr<CudnnDeviceHandle>>& registry() {
  static auto* handles = new std::map<int, std::unique_ptr<CudnnDeviceHandle>>;
  return *handles;
}

}  // namespace

CudnnHandleHold::CudnnHandleHold() {
  const CudnnApi& api = requireApi();
  checkCuda(cudaGetDevice(&device_), "cudaGetDevice for the cuDNN handle");
  std::lock_guard<std::mutex> lock(registryMutex());
  std::unique_ptr<CudnnDeviceHandle>& h = registry()[device_];
  if (!h) {
    auto made = std::make_unique<CudnnDeviceHandle>();
    const cudnnStatus_t st = api.cudnnCreate(&made->handle);
    if (st != CUDNN_STATUS_SUCCESS) registry().erase(device_);
    checkCudnn(api, st, "cudnnCreate on device ", device_);
    h = std::move(made);
  }
  ++h->holders;
  h_ = h.get();
}

CudnnHandleHold::~CudnnHandleHold() {
  std::lock_guard<std::mutex> lock(registryMutex());
  if (--h_->holders > 0) return;
  // Errors are ignored: at process exit the driver may already have torn the context down.
  requireApi().cudnnDestroy(h_->handle);
  registry().erase(device_);
}

CudnnLease::CudnnLease() : api_(&requireApi()), lock_(hold_.get().use), handle_(hold_.get().handle) {}

}  // namespace int8rt::cuda

#include "backends/cuda/cuda_device.h"

#include <cuda_runtime_api.h>

#include "core/error.h"

namespace int8rt::cuda {

namespace {

DeviceInfo probe() {
  DeviceInfo d;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    d.absentReason = std::string("no CUDA device: ") +
                     (e != cudaSuccess ? cudaGetErrorString(e) : "the driver reports none");
    cudaGetLastError();
    return d;
  }
  cudaGetDevice(&d.ordinal);
  cudaDeviceProp p{};
  e = cudaGetDeviceProperties(&p, d.ordinal);
  if (e != cudaSuccess) {
    d.absentReason = std::string("CUDA device unusable: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return d;
  }
  d.present = true;
  d.name = p.name;
  d.major = p.major;
  d.minor = p.minor;
  d.multiprocessors = p.multiProcessorCount;
  d.l2Bytes = static_cast<size_t>(p.l2CacheSize);
  d.sharedPerBlockOptin = p.sharedMemPerBlockOptin;
  d.globalBytes = p.totalGlobalMem;
  return d;
}

}  // namespace

const DeviceInfo& currentDevice() {
  static const DeviceInfo info = probe();
  return info;
}

const DeviceInfo& requireDevice() {
  const DeviceInfo& d = currentDevice();
  check(d.present, d.absentReason);
  return d;
}

}  // namespace int8rt::cuda

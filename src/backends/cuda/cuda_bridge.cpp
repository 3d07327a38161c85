// The CUDA bridge of a build with the CUDA backend: answers from the device found at run time.
#include "backends/cuda_bridge.h"

#include "backends/cuda/cuda_device.h"

namespace int8rt::cudabridge {

bool built() { return true; }
std::string unavailableReason() {
  const cuda::DeviceInfo& d = cuda::currentDevice();
  return d.present ? "" : d.absentReason;
}
bool hasFastFp16() {
  const cuda::DeviceInfo& d = cuda::currentDevice();
  return d.present && d.sm() >= 53;
}
bool hasFastInt8() {
  const cuda::DeviceInfo& d = cuda::currentDevice();
  return d.present && d.sm() >= 61;
}

}  // namespace int8rt::cudabridge

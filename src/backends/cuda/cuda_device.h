// The GPU this process runs on: found once, described once. Everything that asks "is there a
// GPU, and what can it do" (platformHasFast*, kernel supports(), the plan's architecture check)
// reads it from here.
#pragma once
#include <cstddef>
#include <string>

namespace int8rt::cuda {

struct DeviceInfo {
  bool present = false;
  std::string absentReason;  // why not, when !present ("no CUDA device: ...")
  int ordinal = 0;
  std::string name;          // "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  size_t l2Bytes = 0;
  size_t sharedPerBlockOptin = 0;  // the most dynamic shared memory a block may ask for
  size_t globalBytes = 0;
  int sm() const { return major * 10 + minor; }  // 90 for Hopper
};

// The current device (cudaGetDevice) as seen at first call; never throws.
const DeviceInfo& currentDevice();

// Throws int8rt::Error with the reason when there is no usable GPU.
const DeviceInfo& requireDevice();

}  // namespace int8rt::cuda

#include "backends/cuda/pdl.h"

#include <cstdlib>
#include <cstring>

#include "backends/cuda/cuda_device.h"

namespace int8rt::cuda {

bool pdlEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("INT8RT_CUDA_PDL");
    if (v && std::strcmp(v, "0") == 0) return false;
    const DeviceInfo& d = currentDevice();
    return d.present && d.sm() >= 90;
  }();
  return enabled;
}

}  // namespace int8rt::cuda

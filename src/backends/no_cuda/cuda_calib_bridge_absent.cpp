// The calibration bridge of a build without the CUDA toolkit: GPU calibration cannot be asked
// for (the builder refuses kCUDA first), and if it is, the answer is one clear error.
#include "backends/cuda_bridge.h"
#include "backends/cuda_calib_bridge.h"
#include "core/error.h"

namespace int8rt::cudacalib {

std::unique_ptr<DeviceTensorStatistics> createDeviceTensorStatistics() {
  fail("GPU calibration: ", cudabridge::unavailableReason());
}

}  // namespace int8rt::cudacalib

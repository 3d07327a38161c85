// The CUDA bridge of a build without the CUDA toolkit (INT8RT_CUDA=OFF, or AUTO without nvcc).
#include "backends/cuda_bridge.h"

namespace int8rt::cudabridge {

bool built() { return false; }
std::string unavailableReason() {
  return "this build of int8rt has no CUDA backend (rebuild with the CUDA toolkit installed "
         "and INT8RT_CUDA=AUTO or ON)";
}
bool hasFastFp16() { return false; }
bool hasFastInt8() { return false; }

}  // namespace int8rt::cudabridge

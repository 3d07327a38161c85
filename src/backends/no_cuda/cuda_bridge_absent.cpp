// The CUDA bridge of a build without the CUDA toolkit (INT8RT_CUDA=OFF, or AUTO without nvcc).
#include "backends/cuda_bridge.h"

#include "core/error.h"
#include "runtime/engine_backend.h"

namespace int8rt::cudabridge {

bool built() { return false; }
std::string unavailableReason() {
  return "this build of int8rt has no CUDA backend (rebuild with the CUDA toolkit installed "
         "and INT8RT_CUDA=AUTO or ON)";
}
bool hasFastFp16() { return false; }
bool hasFastInt8() { return false; }
int deviceSm() { return 0; }
std::string deviceName() { return ""; }

std::unique_ptr<EngineBackend> createEngineBackend(const EngineImpl&, const std::string& source) {
  fail(source, ": plan is for device 'cuda': ", unavailableReason());
}

bool hasKernels(LayerKind, DataType) { return false; }
bool someKernelSupports(const KernelSetup&, DataType) { return false; }

CudaTactic chooseTactic(const KernelSetup&, DataType, int, const std::string&, bool) {
  fail(unavailableReason());
}

CudaChain timeChain(const std::vector<KernelSetup>&, const std::vector<std::string>&,
                    const std::vector<std::string>&, int) {
  return {unavailableReason(), "", 0, 0};
}

}  // namespace int8rt::cudabridge

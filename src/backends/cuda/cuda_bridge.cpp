// The CUDA bridge of a build with the CUDA backend: answers from the device found at run time.
#include "backends/cuda_bridge.h"

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_kernel.h"
#include "backends/cuda/engine/cuda_engine_backend.h"
#include "backends/cuda/engine/cuda_tactics.h"

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
int deviceSm() { return cuda::currentDevice().sm(); }
std::string deviceName() { return cuda::currentDevice().name; }

std::unique_ptr<EngineBackend> createEngineBackend(const EngineImpl& engine,
                                                   const std::string& source) {
  return std::make_unique<cuda::CudaEngineBackend>(engine, source);
}

bool hasKernels(LayerKind kind, DataType precision) {
  for (const cuda::Candidate& c : cuda::registry())
    if (c.kind == kind && c.precision == precision) return true;
  return false;
}

bool someKernelSupports(const KernelSetup& setup, DataType precision) {
  const cuda::DeviceInfo& d = cuda::currentDevice();
  if (!d.present) return false;
  for (const cuda::Candidate& c : cuda::registry())
    if (c.kind == setup.layer->kind() && c.precision == precision && cuda::accepts(c, setup, d)) return true;
  return false;
}

CudaTactic chooseTactic(const KernelSetup& setup, DataType precision, int timingIterations,
                        const std::string& forced, bool alwaysTime) {
  return cuda::chooseCudaTactic(setup, precision, timingIterations, forced, alwaysTime);
}

CudaChain timeChain(const std::vector<KernelSetup>& layers, const std::vector<std::string>& kernels,
                    const std::vector<std::string>& configs, int timingIterations) {
  return cuda::timeCudaChain(layers, kernels, configs, timingIterations);
}

}  // namespace int8rt::cudabridge

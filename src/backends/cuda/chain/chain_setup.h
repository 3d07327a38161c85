// Host-side planning of the fused INT8 chain kernel (chain_params.h): which runs of layers it
// runs, and the launch with its packed constants. Configurations are "cluster=N": the CTAs
// (images) that share the split fully connected stages.
#pragma once
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/chain/chain_params.h"
#include "backends/cuda/cuda_device.h"

namespace int8rt::cuda::chain {

// Why the layers (consecutive, each reading the one before; setups at the max batch) cannot run
// as one chain kernel on this device; "" when they can.
std::string chainRejection(const std::vector<KernelSetup>& layers, const DeviceInfo& device);

// The cluster sizes worth timing ("cluster=8", ...; "cluster=1" without a split stage).
std::vector<std::string> chainConfigs(const std::vector<KernelSetup>& layers);

// The launch with every offset set and the constants packed on the host: `weights`, `taps`
// and `consts` are uploaded as one buffer each, and the launch's pointers are offsets into them
// until ChainKernel rebases them (the *Offset fields below, per stage).
struct ChainPlan {
  ChainLaunch launch;
  std::vector<int8_t> weights;
  std::vector<uint16_t> taps;
  std::vector<float> consts;
  size_t convWeights[kMaxConv] = {}, convTaps[kMaxConv] = {}, convConsts[kMaxConv] = {};
  size_t fcWeights[kMaxFc] = {}, fcConsts[kMaxFc] = {};
};
// Without packConstants only the geometry and shared-memory layout are planned (whether a
// configuration fits), and the weights are not quantized.
ChainPlan planChain(const std::vector<KernelSetup>& layers, const std::string& config,
                    bool packConstants = true);

}  // namespace int8rt::cuda::chain

// The layout pass on the device being built for: its kernel catalog and tactic timing.
#include "backends/cuda_bridge.h"
#include "builder/layout.h"
#include "core/error.h"

namespace int8rt {

std::vector<TensorFormat> chooseDeviceLayouts(PrecisionAssignment& a, const BuilderConfig& config,
                                              int64_t maxBatch) {
  if (config.device != DeviceType::kCUDA) {
    check(config.layout != LayoutPolicy::kNHWC,
          "layout nhwc: CPU engines store every tensor NCHW (NHWC needs --device cuda)");
    return std::vector<TensorFormat>(a.network.nbTensors(), TensorFormat::kLINEAR);
  }
  LayoutOptions o;
  o.policy = config.layout;
  o.maxBatch = maxBatch;
  // Reformats (Identity) take a kernel of any precision, as tactic selection does.
  o.supports = [](const KernelSetup& s, DataType precision) {
    if (cudabridge::someKernelSupports(s, precision)) return true;
    if (s.layer->kind() != LayerKind::kIDENTITY) return false;
    for (DataType p : {DataType::kFLOAT, DataType::kHALF, DataType::kINT8})
      if (cudabridge::someKernelSupports(s, p)) return true;
    return false;
  };
  o.microseconds = [&config](const KernelSetup& s, DataType precision) {
    return cudabridge::chooseTactic(s, precision, config.timingIterations, "", true).microseconds;
  };
  for (const auto& [layer, kernel] : config.forcedKernels) o.pinnedLayers.insert(layer);
  o.log = config.log;
  return assignLayouts(a, o);
}

}  // namespace int8rt

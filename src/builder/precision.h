// Precision decisions: which layers run in INT8 (every tensor they read and write has a scale,
// an INT8 kernel exists, no override says otherwise), which in FP16 (FP16 builds: an FP16
// kernel of the device supports them), and the type of every tensor. Where a tensor meets a
// consumer of another type a reformat (Identity) layer is inserted; bindings stay FP32.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/kernel.h"
#include "int8rt/builder.h"
#include "int8rt/network.h"

namespace int8rt {

// Activation amax per tensor name (from calibration, a cache or setDynamicRange).
struct TensorScales {
  std::map<std::string, float> amax;
  std::vector<std::pair<std::string, std::string>> metadata;  // e.g. calibration algorithm
};

// Runs calibration or reads the cache through config.calibrator (INT8 builds only); tensors
// with a user dynamic range (Network::setDynamicRange) take it instead.
TensorScales obtainInt8Scales(const Network& unoptimized, const BuilderConfig& config);


struct PrecisionAssignment {
  Network network;                       // with reformat layers inserted
  std::vector<DataType> layerPrecision;  // compute precision per layer
  std::vector<DataType> tensorTypes;     // per tensor
  std::vector<float> tensorScales;       // per tensor: amax/127 where INT8, else 0
};

PrecisionAssignment assignPrecisions(const Network& optimized, const BuilderConfig& config,
                                     const TensorScales& scales);

// Which kernels a device has: whether one of a precision exists for a layer kind, and whether
// one supports a layer with the types and shapes of a setup.
struct KernelCatalog {
  std::function<bool(LayerKind, DataType)> has;
  std::function<bool(const KernelSetup&, DataType)> supports;
};

// The same with the catalog given (tests: FP16 decisions without a GPU).
PrecisionAssignment assignPrecisions(const Network& optimized, const BuilderConfig& config,
                                     const TensorScales& scales, const KernelCatalog& catalog);

}  // namespace int8rt

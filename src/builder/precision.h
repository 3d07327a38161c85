// Precision decisions: which layers run in INT8 (every tensor they read and write has a scale,
// an INT8 kernel exists, no override says otherwise) and the type of every tensor. Where an
// INT8 tensor meets an FP32 consumer (or vice versa) a reformat (Identity) layer is inserted.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace int8rt

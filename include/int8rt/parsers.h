// Model importers. Each fills a Network from files; errors name the file, the layer or node,
// and the reason (a prototxt syntax error gives line and column).
#pragma once
#include <memory>
#include <string>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

// Caffe: deploy.prototxt (text) + .caffemodel (binary, V1 or V2 layers). Weights are matched
// by layer name; weights of layers the prototxt lacks are ignored. weightsPath may be empty
// (random-free: weights then stay unset and the network cannot be built).
Result<std::unique_ptr<Network>> parseCaffe(const std::string& prototxtPath,
                                            const std::string& weightsPath);

// ONNX: opsets 1-25 (the 7-22 range of common exporters and the older/newer ones of ONNX's own
// test data). Initializers become weights or Constant layers; shape arithmetic is folded.
Result<std::unique_ptr<Network>> parseOnnx(const std::string& path);

// Picks the parser by extension (.onnx, else Caffe with weightsPath).
Result<std::unique_ptr<Network>> parseModel(const std::string& modelPath,
                                            const std::string& weightsPath);

}  // namespace int8rt

// The ONNX importer's internal entry points. parseOnnx() (parsers.h) wraps them into a Result;
// tests, the fuzz target and the conformance runner call them directly, the runner to tell
// unsupported models (UnsupportedError) from broken ones (Error).
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "int8rt/network.h"

namespace onnx {
class ModelProto;
class TensorProto;
}  // namespace onnx

namespace int8rt::onnx_import {

struct ImportOptions {
  // Values of graph inputs that may be baked in where an operator needs a constant there
  // (weights, shapes, pads, slopes, clip bounds). Inputs used only as data stay network
  // inputs. The conformance runner passes its test data this way, because the ONNX node tests
  // feed such parameters as graph inputs while int8rt, like TensorRT, needs them at build time.
  std::map<std::string, const onnx::TensorProto*> inputValues;
};

// Parses serialized bytes (raising protobuf's size limit); throws Error naming `source`.
std::unique_ptr<onnx::ModelProto> parseModelBytes(const void* data, size_t size,
                                                  const std::string& source);

// Builds the network; throws Error or UnsupportedError, one line naming `source` and the node.
std::unique_ptr<Network> importModel(const onnx::ModelProto& model, const std::string& source,
                                     const ImportOptions& options = {});

// File -> network, the network named after the file stem.
std::unique_ptr<Network> importFile(const std::string& path, const ImportOptions& options = {});

}  // namespace int8rt::onnx_import

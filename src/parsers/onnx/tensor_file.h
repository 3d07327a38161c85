// Files holding one serialized ONNX TensorProto (the ONNX test data format: input_0.pb, ...).
// The conformance runner and the command line read inputs and write outputs with these.
#pragma once
#include <string>
#include <vector>

#include "int8rt/network.h"

namespace int8rt {

struct TensorFile {
  std::string name;  // the TensorProto's name (often the graph input or output it belongs to)
  Shape shape;
  std::vector<float> values;
};

// Reads float32/float16/double/int32/int64 tensors as floats; other types, external data and
// malformed files throw Error naming the path.
TensorFile readTensorFile(const std::string& path);

// Writes a float32 TensorProto (raw little-endian data) atomically: a failed write leaves no file.
void writeTensorFile(const std::string& path, const std::string& name, const Shape& shape,
                     const std::vector<float>& values);

}  // namespace int8rt

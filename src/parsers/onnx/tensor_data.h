// Constant tensors of an ONNX graph (initializers, Constant nodes, folded shape arithmetic) and
// the decoding of TensorProto payloads into them. Two element kinds are enough for int8rt:
// float (from float32, float16, bfloat16, double) and integer (int64 and friends, bool).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "parsers/onnx/sym_int.h"

namespace onnx {
class TensorProto;
}

namespace int8rt::onnx_import {

// TensorProto.DataType numbers (facts of the ONNX format; newer ones are named for messages only).
enum OnnxType : int32_t {
  kOnnxUndefined = 0, kOnnxFloat = 1, kOnnxUint8 = 2, kOnnxInt8 = 3, kOnnxUint16 = 4,
  kOnnxInt16 = 5, kOnnxInt32 = 6, kOnnxInt64 = 7, kOnnxString = 8, kOnnxBool = 9,
  kOnnxFloat16 = 10, kOnnxDouble = 11, kOnnxUint32 = 12, kOnnxUint64 = 13, kOnnxBfloat16 = 16,
};
const char* onnxTypeName(int32_t type);
bool isFloatType(int32_t type);    // float32, float16, bfloat16, double
bool isIntegerType(int32_t type);  // int8..int64, uint8..uint64, bool

struct ConstValue {
  bool isFloat = true;
  int32_t onnxType = kOnnxFloat;  // the type it had in the model (Cast and messages use it)
  Shape shape;
  std::vector<float> floats;  // when isFloat
  std::vector<SymInt> ints;   // otherwise

  int64_t size() const { return isFloat ? static_cast<int64_t>(floats.size()) : static_cast<int64_t>(ints.size()); }
  static ConstValue fromFloats(Shape shape, std::vector<float> v);
  static ConstValue fromInts(Shape shape, std::vector<SymInt> v, int32_t type = kOnnxInt64);
  static ConstValue fromInt64s(Shape shape, const std::vector<int64_t>& v);
  // Integer values, each required to be known at import time (what: for the message).
  std::vector<int64_t> int64s(const char* what) const;
  // Float values; integer constants convert (values that depend on the batch throw).
  std::vector<float> asFloats(const char* what) const;
};

// Decodes a TensorProto. `what` names it in errors ("initializer 'W'"). External data, strings
// and complex types throw UnsupportedError; inconsistent sizes throw Error.
ConstValue decodeTensor(const onnx::TensorProto& t, const std::string& what);

// Checked element count of a shape: negative dims or a product beyond `limit` throw.
int64_t checkedVolume(const Shape& shape, const std::string& what, int64_t limit = int64_t{1} << 31);

// Bounds on what the importer hands to the network, so that shape inference of a malformed
// model cannot overflow: elements of one tensor, and sizes of window and padding parameters.
constexpr int64_t kMaxTensorElements = int64_t{1} << 40;
constexpr int64_t kMaxParameter = int64_t{1} << 31;

float halfToFloat(uint16_t h);
float bfloat16ToFloat(uint16_t b);

}  // namespace int8rt::onnx_import

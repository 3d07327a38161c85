#include "parsers/onnx/tensor_data.h"

#include <cstring>

#include "onnx.pb.h"
#include "parsers/onnx/onnx_error.h"

namespace int8rt::onnx_import {

const char* onnxTypeName(int32_t type) {
  switch (type) {
    case kOnnxUndefined: return "undefined";
    case kOnnxFloat: return "float32";
    case kOnnxUint8: return "uint8";
    case kOnnxInt8: return "int8";
    case kOnnxUint16: return "uint16";
    case kOnnxInt16: return "int16";
    case kOnnxInt32: return "int32";
    case kOnnxInt64: return "int64";
    case kOnnxString: return "string";
    case kOnnxBool: return "bool";
    case kOnnxFloat16: return "float16";
    case kOnnxDouble: return "double";
    case kOnnxUint32: return "uint32";
    case kOnnxUint64: return "uint64";
    case 14: return "complex64";
    case 15: return "complex128";
    case kOnnxBfloat16: return "bfloat16";
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    case 23: return "float4e2m1";
    case 24: return "float8e8m0";
    case 25: return "uint2";
    case 26: return "int2";
  }
  return "unknown type";
}

bool isFloatType(int32_t t) {
  return t == kOnnxFloat || t == kOnnxFloat16 || t == kOnnxBfloat16 || t == kOnnxDouble;
}

bool isIntegerType(int32_t t) {
  switch (t) {
    case kOnnxUint8: case kOnnxInt8: case kOnnxUint16: case kOnnxInt16: case kOnnxInt32:
    case kOnnxInt64: case kOnnxBool: case kOnnxUint32: case kOnnxUint64: return true;
  }
  return false;
}

ConstValue ConstValue::fromFloats(Shape shape, std::vector<float> v) {
  ConstValue c;
  c.shape = std::move(shape);
  c.floats = std::move(v);
  return c;
}

ConstValue ConstValue::fromInts(Shape shape, std::vector<SymInt> v, int32_t type) {
  ConstValue c;
  c.isFloat = false;
  c.onnxType = type;
  c.shape = std::move(shape);
  c.ints = std::move(v);
  return c;
}

ConstValue ConstValue::fromInt64s(Shape shape, const std::vector<int64_t>& v) {
  std::vector<SymInt> s;
  s.reserve(v.size());
  for (int64_t x : v) s.push_back(SymInt::known(x));
  return fromInts(std::move(shape), std::move(s));
}

std::vector<int64_t> ConstValue::int64s(const char* what) const {
  check(!isFloat, what, " must be an integer tensor, got ", onnxTypeName(onnxType));
  std::vector<int64_t> out;
  out.reserve(ints.size());
  for (SymInt s : ints) out.push_back(concreteValue(s, what));
  return out;
}

std::vector<float> ConstValue::asFloats(const char* what) const {
  if (isFloat) return floats;
  std::vector<float> out;
  out.reserve(ints.size());
  for (SymInt s : ints) out.push_back(static_cast<float>(concreteValue(s, what)));
  return out;
}

int64_t checkedVolume(const Shape& shape, const std::string& what, int64_t limit) {
  // The product of the non-zero dims is bounded too: an empty tensor with huge other dims
  // would still overflow stride computations.
  int64_t v = 1;
  bool empty = false;
  for (int64_t d : shape) {
    check(d >= 0, what, ": negative dim in ", shapeToString(shape));
    if (d == 0) {
      empty = true;
      continue;
    }
    check(v <= limit / d, what, ": shape ", shapeToString(shape), " is too large");
    v *= d;
  }
  return empty ? 0 : v;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal half: renormalise into a float
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | mant << 13;  // inf / nan
  } else {
    bits = sign | (exp - 15 + 127) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

// Reads element i of little-endian raw_data as T.
template <class T>
T rawAt(const std::string& raw, int64_t i) {
  T v;
  std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
  return v;
}

size_t elementBytes(int32_t type) {
  switch (type) {
    case kOnnxFloat: case kOnnxInt32: case kOnnxUint32: return 4;
    case kOnnxUint8: case kOnnxInt8: case kOnnxBool: return 1;
    case kOnnxUint16: case kOnnxInt16: case kOnnxFloat16: case kOnnxBfloat16: return 2;
    case kOnnxInt64: case kOnnxDouble: case kOnnxUint64: return 8;
  }
  return 0;
}

// One element as a float, from raw_data or the typed field ONNX stores that type in.
float floatAt(const onnx::TensorProto& t, int32_t type, int64_t i, bool raw) {
  const std::string& r = t.raw_data();
  switch (type) {
    case kOnnxFloat: return raw ? rawAt<float>(r, i) : t.float_data(i);
    case kOnnxDouble: return static_cast<float>(raw ? rawAt<double>(r, i) : t.double_data(i));
    case kOnnxFloat16:
      return halfToFloat(raw ? rawAt<uint16_t>(r, i) : static_cast<uint16_t>(t.int32_data(i)));
    case kOnnxBfloat16:
      return bfloat16ToFloat(raw ? rawAt<uint16_t>(r, i) : static_cast<uint16_t>(t.int32_data(i)));
  }
  return 0.f;
}

int64_t intAt(const onnx::TensorProto& t, int32_t type, int64_t i, bool raw) {
  const std::string& r = t.raw_data();
  switch (type) {
    case kOnnxInt64: return raw ? rawAt<int64_t>(r, i) : t.int64_data(i);
    case kOnnxInt32: return raw ? rawAt<int32_t>(r, i) : t.int32_data(i);
    case kOnnxInt16: return raw ? rawAt<int16_t>(r, i) : static_cast<int16_t>(t.int32_data(i));
    case kOnnxInt8: return raw ? rawAt<int8_t>(r, i) : static_cast<int8_t>(t.int32_data(i));
    case kOnnxUint16: return raw ? rawAt<uint16_t>(r, i) : static_cast<uint16_t>(t.int32_data(i));
    case kOnnxUint8: return raw ? rawAt<uint8_t>(r, i) : static_cast<uint8_t>(t.int32_data(i));
    case kOnnxBool: return raw ? (rawAt<uint8_t>(r, i) != 0) : (t.int32_data(i) != 0);
    case kOnnxUint32: return raw ? rawAt<uint32_t>(r, i) : static_cast<uint32_t>(t.uint64_data(i));
    case kOnnxUint64:
      return static_cast<int64_t>(raw ? rawAt<uint64_t>(r, i) : t.uint64_data(i));
  }
  return 0;
}

// Number of values stored in the typed field ONNX uses for `type`.
int64_t typedCount(const onnx::TensorProto& t, int32_t type) {
  switch (type) {
    case kOnnxFloat: return t.float_data_size();
    case kOnnxDouble: return t.double_data_size();
    case kOnnxInt64: return t.int64_data_size();
    case kOnnxUint32: case kOnnxUint64: return t.uint64_data_size();
  }
  return t.int32_data_size();
}

}  // namespace

ConstValue decodeTensor(const onnx::TensorProto& t, const std::string& what) {
  int32_t type = t.data_type();
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    unsupported(what, ": data stored in an external file is not supported (save the model with "
                      "its weights inside the .onnx file)");
  if (t.has_segment()) unsupported(what, ": segmented tensors are not supported");
  if (!isFloatType(type) && !isIntegerType(type))
    unsupported(what, ": data type ", onnxTypeName(type), " is not supported");
  Shape shape(t.dims().begin(), t.dims().end());
  int64_t n = checkedVolume(shape, what);
  bool raw = t.has_raw_data();
  if (raw) {
    check(t.raw_data().size() == static_cast<size_t>(n) * elementBytes(type), what, ": raw data has ",
          t.raw_data().size(), " bytes, shape ", shapeToString(shape), " of ", onnxTypeName(type),
          " needs ", n * static_cast<int64_t>(elementBytes(type)));
  } else {
    check(typedCount(t, type) == n, what, ": holds ", typedCount(t, type), " values, shape ",
          shapeToString(shape), " needs ", n);
  }
  ConstValue c;
  c.onnxType = type;
  c.shape = shape;
  c.isFloat = isFloatType(type);
  if (c.isFloat) {
    c.floats.resize(n);
    for (int64_t i = 0; i < n; ++i) c.floats[i] = floatAt(t, type, i, raw);
  } else {
    c.ints.resize(n);
    for (int64_t i = 0; i < n; ++i) c.ints[i] = SymInt::known(intAt(t, type, i, raw));
  }
  return c;
}

}  // namespace int8rt::onnx_import

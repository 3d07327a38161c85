#include "parsers/onnx/tensor_file.h"

#include <climits>

#include <google/protobuf/io/coded_stream.h>

#include "core/error.h"
#include "core/file_io.h"
#include "onnx.pb.h"
#include "parsers/onnx/tensor_data.h"

namespace int8rt {

using onnx_import::ConstValue;

TensorFile readTensorFile(const std::string& path) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  check(bytes.size() < static_cast<size_t>(INT_MAX), path, ": file too large for a TensorProto");
  onnx::TensorProto proto;
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  check(proto.ParseFromCodedStream(&in) && in.ConsumedEntireMessage(), path,
        ": not a serialized ONNX TensorProto (parse error)");
  int32_t type = proto.data_type();
  using namespace onnx_import;
  check(type == kOnnxFloat || type == kOnnxFloat16 || type == kOnnxDouble || type == kOnnxInt32 ||
            type == kOnnxInt64,
        path, ": tensor '", proto.name(), "' has type ", onnxTypeName(type),
        "; only float32, float16, double, int32 and int64 tensors can be read as floats");
  try {
    ConstValue c = decodeTensor(proto, "tensor '" + proto.name() + "'");
    return TensorFile{proto.name(), c.shape, c.asFloats("tensor value")};
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
}

void writeTensorFile(const std::string& path, const std::string& name, const Shape& shape,
                     const std::vector<float>& values) {
  check(volume(shape) == static_cast<int64_t>(values.size()), path, ": shape ", shapeToString(shape),
        " needs ", volume(shape), " values, got ", values.size());
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx_import::kOnnxFloat);
  for (int64_t d : shape) proto.add_dims(d);
  // raw_data is little-endian float32, which is the memory layout on every supported host.
  proto.set_raw_data(values.data(), values.size() * sizeof(float));
  std::string bytes;
  check(proto.SerializeToString(&bytes), path, ": cannot serialize tensor '", name, "'");
  writeFileAtomic(path, bytes);
}

}  // namespace int8rt

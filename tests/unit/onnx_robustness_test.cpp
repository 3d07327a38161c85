// ONNX importer robustness: random and truncated bytes must give an error, never a crash; and
// the TensorProto file helpers used by the CLI and the conformance runner.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "core/error.h"
#include "onnx_test_util.h"
#include "parsers/onnx/importer.h"
#include "parsers/onnx/tensor_file.h"

namespace int8rt {
namespace {

using testing_util::OnnxModel;
using testing_util::TempFile;

// A model whose last serialized field is opset_import, so that every proper prefix either
// fails to parse or lacks the opset: each truncation must be rejected.
std::string sampleModelBytes() {
  OnnxModel m(13);
  m.input("x", {-1, 2, 5, 5});
  m.initRandom("W", {3, 2, 3, 3}, 41);
  m.initRandom("B", {3}, 42);
  OnnxModel::attrInts(m.node("Conv", {"x", "W", "B"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  m.node("Relu", {"c"}, {"r"});
  m.node("Flatten", {"r"}, {"f"});
  m.initRandom("F", {75, 4}, 43);
  m.node("MatMul", {"f", "F"}, {"y"});
  m.output("y");
  return m.bytes();
}

bool importFails(const std::string& bytes) {
  try {
    auto model = onnx_import::parseModelBytes(bytes.data(), bytes.size(), "fuzz.onnx");
    onnx_import::importModel(*model, "fuzz.onnx");
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    return !m.empty();
  }
  return false;
}

TEST(OnnxRobustness, ThreeHundredRandomAndTruncatedBuffersAllFail) {
  std::string good = sampleModelBytes();
  ASSERT_NO_THROW({
    auto model = onnx_import::parseModelBytes(good.data(), good.size(), "good.onnx");
    onnx_import::importModel(*model, "good.onnx");
  });
  std::mt19937 rng(1234);
  int failures = 0;
  for (int i = 0; i < 300; ++i) {
    std::string buf;
    switch (i % 3) {
      case 0: {  // a proper prefix of a valid model
        buf = good.substr(0, rng() % good.size());
        break;
      }
      case 1: {  // random bytes
        buf.resize(1 + rng() % 512);
        for (char& c : buf) c = static_cast<char>(rng());
        break;
      }
      case 2: {  // a prefix with some bytes flipped
        buf = good.substr(0, 1 + rng() % (good.size() - 1));
        for (int k = 0; k < 4; ++k) buf[rng() % buf.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      }
    }
    failures += importFails(buf);
  }
  EXPECT_EQ(failures, 300);
}

TEST(OnnxRobustness, TensorFileRoundTripAndTypeErrors) {
  TempFile f("tensor.pb");
  std::vector<float> v{1.f, -2.5f, 3.f, 0.125f, 7.f, -1.f};
  writeTensorFile(f.path, "out", {2, 3}, v);
  TensorFile t = readTensorFile(f.path);
  EXPECT_EQ(t.name, "out");
  EXPECT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.values, v);

  // int64 reads as floats; int8 is refused naming the type.
  std::ofstream(f.path, std::ios::binary)
      << OnnxModel::int64Tensor("shape", {2}, {4, -1}).SerializeAsString();
  EXPECT_EQ(readTensorFile(f.path).values, (std::vector<float>{4.f, -1.f}));
  onnx::TensorProto q;
  q.set_name("q");
  q.set_data_type(3);
  q.add_dims(1);
  q.add_int32_data(5);
  std::ofstream(f.path, std::ios::binary) << q.SerializeAsString();
  try {
    readTensorFile(f.path);
    FAIL() << "int8 tensor accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has type int8"), std::string::npos) << e.what();
  }
  std::ofstream(f.path, std::ios::binary) << "\xff\xff\xff";
  EXPECT_THROW(readTensorFile(f.path), Error);
}

}  // namespace
}  // namespace int8rt

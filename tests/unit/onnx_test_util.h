// Builds small ONNX models in memory with the generated onnx:: classes, for importer tests.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "onnx.pb.h"
#include "parsers/onnx/importer.h"
#include "test_random.h"

namespace int8rt::testing_util {

class OnnxModel {
 public:
  explicit OnnxModel(int64_t opset = 13, int64_t irVersion = 8) {
    model.set_ir_version(irVersion);
    auto* op = model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model.mutable_graph()->set_name("test_graph");
  }

  // dims: -1 becomes a symbolic dim "N".
  onnx::ValueInfoProto& input(const std::string& name, const Shape& dims, int32_t type = 1) {
    auto* in = model.mutable_graph()->add_input();
    in->set_name(name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
    return *in;
  }

  void output(const std::string& name, int32_t type = 1) {
    auto* out = model.mutable_graph()->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(type);
  }

  static onnx::TensorProto floatTensor(const std::string& name, const Shape& dims,
                                       const std::vector<float>& v) {
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(1);
    for (int64_t d : dims) t.add_dims(d);
    for (float x : v) t.add_float_data(x);
    return t;
  }

  static onnx::TensorProto int64Tensor(const std::string& name, const Shape& dims,
                                       const std::vector<int64_t>& v) {
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(7);
    for (int64_t d : dims) t.add_dims(d);
    for (int64_t x : v) t.add_int64_data(x);
    return t;
  }

  void init(const std::string& name, const Shape& dims, const std::vector<float>& v) {
    *model.mutable_graph()->add_initializer() = floatTensor(name, dims, v);
  }
  // Random non-zero weights of the given shape; returns them.
  std::vector<float> initRandom(const std::string& name, const Shape& dims, unsigned seed) {
    std::vector<float> v = randomFloats(static_cast<size_t>(volume(dims)), seed);
    init(name, dims, v);
    return v;
  }
  void initInt64(const std::string& name, const Shape& dims, const std::vector<int64_t>& v) {
    *model.mutable_graph()->add_initializer() = int64Tensor(name, dims, v);
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = model.mutable_graph()->add_node();
    n->set_op_type(op);
    if (!name.empty()) n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attrF(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attrInts(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attrS(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void attrT(onnx::NodeProto& n, const std::string& name, const onnx::TensorProto& t) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = t;
  }

  std::unique_ptr<Network> import(const onnx_import::ImportOptions& options = {}) const {
    return onnx_import::importModel(model, "test.onnx", options);
  }
  // The import error message, or "" when it succeeded.
  std::string importError() const {
    try {
      import();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
  std::string bytes() const { return model.SerializeAsString(); }

  onnx::ModelProto model;
};

// The layers of a network with a given kind, in order.
inline std::vector<const Layer*> layersOfKind(const Network& net, LayerKind kind) {
  std::vector<const Layer*> out;
  for (const Layer& l : net.layers())
    if (l.kind() == kind) out.push_back(&l);
  return out;
}

// The layer producing a tensor (by name), or null.
inline const Layer* producer(const Network& net, const std::string& tensorName) {
  TensorId t = net.findTensor(tensorName);
  for (const Layer& l : net.layers())
    for (TensorId o : l.outputs)
      if (o == t) return &l;
  return nullptr;
}

// A temporary file removed at scope exit.
struct TempFile {
  explicit TempFile(const std::string& stem)
      : path(::testing::TempDir() + stem + "_" + std::to_string(::getpid())) {}
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

}  // namespace int8rt::testing_util

// Typed access to a node's attributes with defaults. A present attribute of the wrong type is an
// error naming it (old models leave AttributeProto.type unset; the stored field decides then).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class NodeProto;
class AttributeProto;
class TensorProto;
}  // namespace onnx

namespace int8rt::onnx_import {

class Attributes {
 public:
  explicit Attributes(const onnx::NodeProto& node) : node_(node) {}

  bool has(const std::string& name) const;
  int64_t getInt(const std::string& name, int64_t dflt) const;
  int64_t requireInt(const std::string& name) const;
  float getFloat(const std::string& name, float dflt) const;
  std::string getString(const std::string& name, const std::string& dflt) const;
  std::vector<int64_t> getInts(const std::string& name, std::vector<int64_t> dflt = {}) const;
  std::vector<int64_t> requireInts(const std::string& name) const;
  std::vector<float> getFloats(const std::string& name) const;
  const onnx::TensorProto* getTensor(const std::string& name) const;  // null when absent

 private:
  // The attribute, or null; throws when present with a type other than `type`.
  const onnx::AttributeProto* find(const std::string& name, int type) const;
  const onnx::NodeProto& node_;
};

}  // namespace int8rt::onnx_import

// What an operator importer sees of its node: inputs as runtime tensors or import-time
// constants, attributes, the opset, and ways to add layers and define the node's outputs.
#pragma once
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "parsers/onnx/attributes.h"
#include "parsers/onnx/tensor_data.h"

namespace onnx {
class NodeProto;
}

namespace int8rt::onnx_import {

class GraphImporter;

class NodeContext {
 public:
  NodeContext(GraphImporter& importer, const onnx::NodeProto& node, std::string baseName);

  const std::string& opType() const;
  int opset() const;
  const Attributes& attrs() const { return attrs_; }
  Network& network();

  // ---- inputs ----
  int nbInputs() const;
  bool hasInput(int i) const;  // present and not the empty name of an omitted optional input
  const std::string& inputName(int i) const;
  void requireInputs(int min, int max) const;  // max < 0: no upper bound
  TensorId tensor(int i);                      // constants become Constant layers
  const ConstValue* tryConstant(int i);        // null for a runtime tensor
  const ConstValue& constant(int i, const char* what);  // throws for a runtime tensor
  bool isConstant(int i) { return tryConstant(i) != nullptr; }
  std::vector<SymInt> shape(int i);  // constant or runtime
  int rank(int i) { return static_cast<int>(shape(i).size()); }
  // Normalises an axis attribute against a rank (negative counts from the end).
  int64_t axis(int64_t a, int64_t rank, const char* what) const;

  // ---- outputs ----
  int nbOutputs() const;
  bool outputUsed(int i) const;  // consumed by a node or a graph output
  void setOutput(int i, TensorId t);        // t is renamed after the ONNX output
  void setAlias(int i, TensorId t);         // the output is t itself (Identity, Dropout)
  void setConstant(int i, ConstValue v);    // folded at import time
  bool outputDefined(int i) const;

  // ---- building ----
  // Adds a layer named after the node (plus "/tag" for helper layers of the same node). The
  // reference is valid until the next layer is added.
  Layer& addLayer(LayerParams params, const std::vector<TensorId>& inputs, const std::string& tag = "");
  TensorId addConstant(const ConstValue& c, const std::string& tag);
  std::vector<SymInt> tensorShape(TensorId t);
  const std::string& baseName() const { return base_; }

 private:
  GraphImporter& imp_;
  const onnx::NodeProto& node_;
  Attributes attrs_;
  std::string base_;
};

// An operator importer: reads its node through the context and defines every used output.
using OpImporter = void (*)(NodeContext&);
const OpImporter* findOpImporter(const std::string& opType);  // null when unknown

}  // namespace int8rt::onnx_import

// State of one graph import: what every ONNX value name stands for (a runtime tensor, a constant
// known at import time, or both), names in use, and the shapes of the tensors built so far.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "int8rt/network.h"
#include "parsers/onnx/importer.h"
#include "parsers/onnx/shape_tracker.h"
#include "parsers/onnx/tensor_data.h"

namespace onnx {
class GraphProto;
class NodeProto;
class ValueInfoProto;
}  // namespace onnx

namespace int8rt::onnx_import {

struct Value {
  std::shared_ptr<const ConstValue> constant;     // known at import time
  const onnx::TensorProto* initializer = nullptr;  // decoded into `constant` on first use
  TensorId tensor = -1;                            // runtime tensor (or materialised constant)
  const onnx::TensorProto* freezable = nullptr;    // graph input with a value (ImportOptions)
};

class GraphImporter {
 public:
  GraphImporter(const onnx::ModelProto& model, int opset, const std::string& source, Network& net,
                const ImportOptions& options, const std::set<std::string>& frozen);
  void run();
  // Graph inputs that some operator needed as constants (see ImportOptions).
  const std::set<std::string>& frozenInputs() const { return frozenNow_; }

  // ---- used by NodeContext ----
  int opset() const { return opset_; }
  Network& network() { return net_; }
  Value& value(const std::string& name);  // throws when undefined
  bool isDefined(const std::string& name) const { return values_.count(name) > 0; }
  void define(const std::string& name, Value v);
  // The constant behind a value, or null. `freeze` also bakes in a freezable graph input.
  const ConstValue* constantOf(const std::string& name, bool freeze);
  TensorId tensorOf(const std::string& name);  // constants become Constant layers
  TensorId addConstantLayer(const ConstValue& c, const std::string& layerName,
                            const std::string& tensorName);
  std::vector<SymInt> shapeOf(TensorId t);  // symbolic: batch-dependent dims as k*N
  std::string uniqueLayerName(const std::string& base);
  std::string uniqueTensorName(const std::string& base);
  void nameTensor(TensorId t, const std::string& name);  // name must be free or reserved for it
  bool isUsed(const std::string& valueName) const;

 private:
  void defineInitializers();
  void defineGraphInputs();
  void defineGraphInput(const onnx::ValueInfoProto& in);
  void importNode(const onnx::NodeProto& node, int index);
  void markGraphOutputs();

  const onnx::ModelProto& model_;
  const onnx::GraphProto& graph_;
  int opset_;
  std::string source_;
  Network& net_;
  const ImportOptions& options_;
  std::set<std::string> frozenBefore_;  // decided by a previous pass: constants from the start
  std::set<std::string> frozenNow_;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, int> uses_;  // node inputs + graph outputs per value name
  std::unordered_set<std::string> reservedNames_;  // every ONNX value name
  std::unordered_set<std::string> layerNames_, tensorNames_;
  ShapeTracker shapes_;
};

}  // namespace int8rt::onnx_import

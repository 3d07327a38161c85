#include "parsers/onnx/node_context.h"

#include "core/error.h"
#include "onnx.pb.h"
#include "parsers/onnx/graph_importer.h"

namespace int8rt::onnx_import {

NodeContext::NodeContext(GraphImporter& importer, const onnx::NodeProto& node, std::string baseName)
    : imp_(importer), node_(node), attrs_(node), base_(std::move(baseName)) {}

const std::string& NodeContext::opType() const { return node_.op_type(); }
int NodeContext::opset() const { return imp_.opset(); }
Network& NodeContext::network() { return imp_.network(); }

int NodeContext::nbInputs() const { return node_.input_size(); }

bool NodeContext::hasInput(int i) const { return i < node_.input_size() && !node_.input(i).empty(); }

const std::string& NodeContext::inputName(int i) const { return node_.input(i); }

void NodeContext::requireInputs(int min, int max) const {
  int n = node_.input_size();
  // Trailing empty names are omitted optional inputs: they do not count.
  while (n > 0 && node_.input(n - 1).empty()) --n;
  if (max < 0) {
    check(n >= min, "expects at least ", min, " inputs, got ", n);
  } else if (min == max) {
    check(n == min, "expects ", min, " input", min == 1 ? "" : "s", ", got ", n);
  } else {
    check(n >= min && n <= max, "expects ", min, " to ", max, " inputs, got ", n);
  }
  for (int i = 0; i < min; ++i) check(hasInput(i), "required input ", i, " is empty");
}

TensorId NodeContext::tensor(int i) {
  check(hasInput(i), "input ", i, " is missing");
  return imp_.tensorOf(node_.input(i));
}

const ConstValue* NodeContext::tryConstant(int i) {
  check(hasInput(i), "input ", i, " is missing");
  return imp_.constantOf(node_.input(i), false);
}

const ConstValue& NodeContext::constant(int i, const char* what) {
  check(hasInput(i), "input ", i, " (", what, ") is missing");
  const ConstValue* c = imp_.constantOf(node_.input(i), true);
  check(c != nullptr, "input ", i, " ('", node_.input(i), "', ", what,
        ") must be a constant (an initializer or computable at import time)");
  return *c;
}

std::vector<SymInt> NodeContext::shape(int i) {
  if (const ConstValue* c = tryConstant(i)) {
    std::vector<SymInt> s;
    for (int64_t d : c->shape) s.push_back(SymInt::known(d));
    return s;
  }
  return imp_.shapeOf(tensor(i));
}

int64_t NodeContext::axis(int64_t a, int64_t rank, const char* what) const {
  check(a >= -rank && a < rank, what, " ", a, " is out of range for rank ", rank);
  return a < 0 ? a + rank : a;
}

int NodeContext::nbOutputs() const { return node_.output_size(); }

bool NodeContext::outputUsed(int i) const {
  return i < node_.output_size() && !node_.output(i).empty() && imp_.isUsed(node_.output(i));
}

void NodeContext::setOutput(int i, TensorId t) {
  if (i >= node_.output_size() || node_.output(i).empty()) return;
  imp_.nameTensor(t, node_.output(i));
  Value v;
  v.tensor = t;
  imp_.define(node_.output(i), v);
}

void NodeContext::setAlias(int i, TensorId t) {
  if (i >= node_.output_size() || node_.output(i).empty()) return;
  Value v;
  v.tensor = t;
  imp_.define(node_.output(i), v);
}

void NodeContext::setConstant(int i, ConstValue c) {
  if (i >= node_.output_size() || node_.output(i).empty()) return;
  Value v;
  v.constant = std::make_shared<const ConstValue>(std::move(c));
  imp_.define(node_.output(i), v);
}

bool NodeContext::outputDefined(int i) const {
  return i >= node_.output_size() || node_.output(i).empty() || imp_.isDefined(node_.output(i));
}

Layer& NodeContext::addLayer(LayerParams params, const std::vector<TensorId>& inputs,
                             const std::string& tag) {
  Network& net = imp_.network();
  Layer& l = net.addLayer(std::move(params), inputs);
  l.name = imp_.uniqueLayerName(tag.empty() ? base_ : base_ + "/" + tag);
  for (TensorId t : l.outputs) imp_.nameTensor(t, imp_.uniqueTensorName(l.name + "_output"));
  return l;  // valid until the next layer is added (layers live in a vector)
}

TensorId NodeContext::addConstant(const ConstValue& c, const std::string& tag) {
  std::string name = imp_.uniqueLayerName(base_ + "/" + tag);
  return imp_.addConstantLayer(c, name, imp_.uniqueTensorName(name + "_output"));
}

std::vector<SymInt> NodeContext::tensorShape(TensorId t) { return imp_.shapeOf(t); }

}  // namespace int8rt::onnx_import

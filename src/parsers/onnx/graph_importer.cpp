#include "parsers/onnx/graph_importer.h"

#include "core/error.h"
#include "onnx.pb.h"
#include "parsers/onnx/node_context.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/topo_sort.h"

namespace int8rt::onnx_import {

GraphImporter::GraphImporter(const onnx::ModelProto& model, int opset, const std::string& source,
                             Network& net, const ImportOptions& options,
                             const std::set<std::string>& frozen)
    : model_(model), graph_(model.graph()), opset_(opset), source_(source), net_(net),
      options_(options), frozenBefore_(frozen) {}

void GraphImporter::run() {
  for (const auto& in : graph_.input()) reservedNames_.insert(in.name());
  for (const auto& t : graph_.initializer()) reservedNames_.insert(t.name());
  for (const auto& node : graph_.node())
    for (const std::string& out : node.output()) reservedNames_.insert(out);
  defineInitializers();
  defineGraphInputs();
  std::unordered_set<std::string> defined;
  for (const auto& in : graph_.input()) defined.insert(in.name());
  for (const auto& t : graph_.initializer()) defined.insert(t.name());
  std::vector<int> order;
  try {
    order = sortNodes(graph_, defined);
  } catch (const UnsupportedError& e) {
    unsupported(source_, ": ", e.what());
  } catch (const Error& e) {
    fail(source_, ": ", e.what());
  }
  // Uses are counted over the nodes that are imported: a value read only by dead nodes is unused.
  for (int i : order)
    for (const std::string& in : graph_.node(i).input()) ++uses_[in];
  for (const auto& out : graph_.output()) ++uses_[out.name()];
  for (int i : order) importNode(graph_.node(i), i);
  markGraphOutputs();
}

void GraphImporter::defineInitializers() {
  for (const auto& t : graph_.initializer()) {
    check(!t.name().empty(), source_, ": an initializer has no name");
    Value v;
    v.initializer = &t;
    check(values_.emplace(t.name(), v).second, source_, ": initializer '", t.name(),
          "' is defined twice");
  }
}

void GraphImporter::defineGraphInputs() {
  for (const auto& in : graph_.input()) {
    // An input that also has an initializer is a weight: IR < 4 had to list every initializer
    // as an input, and from IR 4 on such an input is only an overridable default. An engine
    // builds its weights in, so both are constants here (TensorRT does the same).
    if (values_.count(in.name())) continue;
    defineGraphInput(in);
  }
  shapes_.update(net_);
}

void GraphImporter::defineGraphInput(const onnx::ValueInfoProto& in) {
  const std::string& name = in.name();
  check(!name.empty(), source_, ": a graph input has no name");
  auto provided = options_.inputValues.find(name);
  const onnx::TensorProto* given = provided == options_.inputValues.end() ? nullptr : provided->second;
  if (given && frozenBefore_.count(name)) {
    Value v;
    v.constant = std::make_shared<const ConstValue>(
        decodeTensor(*given, source_ + ": value of graph input '" + name + "'"));
    values_[name] = v;
    return;
  }
  const auto& type = in.type();
  if (!type.has_tensor_type()) {
    const char* kind = type.has_sequence_type() ? "a sequence"
                       : type.has_optional_type() ? "an optional"
                       : type.has_map_type() ? "a map"
                       : type.has_sparse_tensor_type() ? "a sparse tensor"
                                                        : "of no declared type";
    unsupported(source_, ": graph input '", name, "' is ", kind, "; only tensors are supported");
  }
  int32_t elem = type.tensor_type().elem_type();
  if (elem != kOnnxFloat) {
    // Other types can only be parameters an operator bakes in (shapes, axes, pads); used as
    // data, they fail where they are used (tensorOf).
    if (!given)
      unsupported(source_, ": graph input '", name, "' has type ", onnxTypeName(elem),
                  "; only float32 network inputs are supported");
    Value v;
    v.freezable = given;
    values_[name] = v;
    return;
  }
  if (!type.tensor_type().has_shape())
    unsupported(source_, ": graph input '", name, "' has no shape; int8rt needs every dim but the batch");
  Shape dims;
  const auto& shape = type.tensor_type().shape();
  for (int i = 0; i < shape.dim_size(); ++i) {
    const auto& d = shape.dim(i);
    if (d.has_dim_value() && d.dim_value() > 0) {
      dims.push_back(d.dim_value());
    } else if (i == 0) {
      dims.push_back(-1);  // symbolic, -1 or 0 at dim 0: the batch, dynamic up to the max batch
    } else {
      std::string what = d.has_dim_param() ? "symbolic ('" + d.dim_param() + "')"
                         : d.has_dim_value() ? "given as " + std::to_string(d.dim_value())
                                             : "unknown";
      unsupported(source_, ": graph input '", name, "': dim ", i, " is ", what,
                  "; only dim 0 (the batch) may be dynamic");
    }
  }
  Shape atBatch1 = dims;
  for (int64_t& d : atBatch1) d = d < 0 ? 1 : d;
  checkedVolume(atBatch1, source_ + ": graph input '" + name + "'", kMaxTensorElements);
  TensorId t = net_.addInput(name, DataType::kFLOAT, dims);
  tensorNames_.insert(name);
  shapes_.addInput(t, dims);
  Value v;
  v.tensor = t;
  v.freezable = given;
  values_[name] = v;
}

namespace {

// Layer base name: the node's name, else its first output, else op type and position.
std::string baseNameOf(const onnx::NodeProto& node, int index) {
  if (!node.name().empty()) return node.name();
  for (const std::string& out : node.output())
    if (!out.empty()) return out;
  return node.op_type() + "_" + std::to_string(index);
}

}  // namespace

void GraphImporter::importNode(const onnx::NodeProto& node, int index) {
  std::string where = source_ + ": " + describeNode(node, index) + ": ";
  try {
    const std::string& domain = node.domain();
    if (!domain.empty() && domain != "ai.onnx")
      unsupported("operator '", node.op_type(), "' of domain '", domain,
                  "' is not supported (only the default ai.onnx domain is)");
    const OpImporter* op = findOpImporter(node.op_type());
    if (!op) unsupported("operator '", node.op_type(), "' is not supported");
    NodeContext ctx(*this, node, baseNameOf(node, index));
    (*op)(ctx);
    for (int i = 0; i < node.output_size(); ++i)
      if (ctx.outputUsed(i) && !ctx.outputDefined(i))
        unsupported("output ", i, " ('", node.output(i), "') is not supported");
    shapes_.update(net_);
  } catch (const UnsupportedError& e) {
    throw UnsupportedError(where + e.what());
  } catch (const Error& e) {
    throw Error(where + e.what());
  } catch (const std::bad_alloc&) {
    throw Error(where + "out of memory");
  } catch (const std::exception& e) {
    throw Error(where + "internal error: " + e.what());
  }
}

void GraphImporter::markGraphOutputs() {
  check(graph_.output_size() > 0, source_, ": the graph has no outputs");
  for (const auto& out : graph_.output()) {
    const std::string& name = out.name();
    std::string where = source_ + ": graph output '" + name + "'";
    if (out.type().has_tensor_type()) {
      int32_t elem = out.type().tensor_type().elem_type();
      if (elem != kOnnxFloat && elem != kOnnxUndefined)
        unsupported(where, " has type ", onnxTypeName(elem), "; only float32 outputs are supported");
    } else if (out.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
      unsupported(where, " is not a tensor");
    }
    check(values_.count(name), where, " is not produced by any node or input");
    TensorId t;
    try {
      t = tensorOf(name);
    } catch (const UnsupportedError& e) {
      unsupported(where, ": ", e.what());
    } catch (const Error& e) {
      fail(where, ": ", e.what());
    }
    const Tensor& x = net_.tensor(t);
    // An output that is an input, already another output, or an alias (Identity, Dropout)
    // gets its own tensor with the graph output's name.
    if (x.isInput || x.isOutput || x.name != name) {
      Layer& l = net_.addIdentity(t);
      l.name = uniqueLayerName(name);
      t = l.output();
      nameTensor(t, name);
    }
    net_.markOutput(t);
  }
  shapes_.update(net_);
}

Value& GraphImporter::value(const std::string& name) {
  auto it = values_.find(name);
  check(it != values_.end(), "value '", name, "' is not defined");
  return it->second;
}

void GraphImporter::define(const std::string& name, Value v) {
  check(values_.emplace(name, std::move(v)).second, "value '", name, "' is defined twice");
}

const ConstValue* GraphImporter::constantOf(const std::string& name, bool freeze) {
  Value& v = value(name);
  if (v.constant) return v.constant.get();
  if (v.initializer) {
    v.constant = std::make_shared<const ConstValue>(
        decodeTensor(*v.initializer, "initializer '" + name + "'"));
    return v.constant.get();
  }
  if (v.freezable && freeze) {
    v.constant = std::make_shared<const ConstValue>(
        decodeTensor(*v.freezable, "value of graph input '" + name + "'"));
    frozenNow_.insert(name);
    return v.constant.get();
  }
  return nullptr;
}

TensorId GraphImporter::tensorOf(const std::string& name) {
  Value& v = value(name);
  if (v.tensor >= 0) return v.tensor;
  const ConstValue* c = constantOf(name, false);
  if (!c && v.freezable)
    unsupported("graph input '", name, "' has type ", onnxTypeName(v.freezable->data_type()),
                "; only float32 network inputs are supported");
  check(c != nullptr, "value '", name, "' has neither a tensor nor a constant");
  TensorId t = addConstantLayer(*c, uniqueLayerName(name), name);
  value(name).tensor = t;
  return t;
}

TensorId GraphImporter::addConstantLayer(const ConstValue& c, const std::string& layerName,
                                         const std::string& tensorName) {
  Weights w;
  w.values = c.asFloats("constant used as a tensor");
  Layer& l = net_.addConstant(c.shape, std::move(w));
  l.name = layerName;
  TensorId t = l.output();
  nameTensor(t, tensorName);
  shapes_.update(net_);
  return t;
}

std::vector<SymInt> GraphImporter::shapeOf(TensorId t) {
  shapes_.update(net_);
  return shapes_.symbolic(net_, t);
}

std::string GraphImporter::uniqueLayerName(const std::string& base) {
  std::string name = base;
  for (int i = 1; layerNames_.count(name); ++i) name = base + "_" + std::to_string(i);
  layerNames_.insert(name);
  return name;
}

std::string GraphImporter::uniqueTensorName(const std::string& base) {
  std::string name = base;
  for (int i = 1; tensorNames_.count(name) || reservedNames_.count(name); ++i)
    name = base + "_" + std::to_string(i);
  tensorNames_.insert(name);
  return name;
}

void GraphImporter::nameTensor(TensorId t, const std::string& name) {
  Tensor& x = net_.tensor(t);
  if (x.name == name) return;
  tensorNames_.erase(x.name);
  x.name = name;
  tensorNames_.insert(name);
}

bool GraphImporter::isUsed(const std::string& valueName) const {
  auto it = uses_.find(valueName);
  return it != uses_.end() && it->second > 0;
}

}  // namespace int8rt::onnx_import

// Network definition: the add* calls, tensor bookkeeping and validation. Shape inference of each
// layer kind lives in shape_inference.cpp.
#include "int8rt/network.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace int8rt {

int64_t volume(const Shape& s) {
  int64_t v = 1;
  for (int64_t d : s) v *= d;
  return v;
}

std::string shapeToString(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << ']';
  return os.str();
}

const char* dataTypeName(DataType t) {
  switch (t) {
    case DataType::kFLOAT: return "fp32";
    case DataType::kHALF: return "fp16";
    case DataType::kINT8: return "int8";
    case DataType::kINT32: return "int32";
  }
  return "?";
}

const char* activationName(ActivationType t) {
  static const char* names[] = {"none", "relu", "leaky_relu", "sigmoid", "tanh", "clip",
                                "hard_sigmoid", "hard_swish", "elu", "selu", "softplus",
                                "softsign", "abs", "exp", "sqrt", "neg"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(ActivationType::kCOUNT));
  auto i = static_cast<size_t>(t);
  return i < static_cast<size_t>(ActivationType::kCOUNT) ? names[i] : "?";
}

const char* layerKindName(LayerKind k) {
  static const char* names[] = {"Convolution", "Pooling",  "FullyConnected", "MatrixMultiply",
                                "Activation",  "SoftMax",  "ElementWise",    "Concatenation",
                                "Scale",       "PReLU",    "LRN",            "Shuffle",
                                "Padding",     "Constant", "Identity"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(LayerKind::kCOUNT));
  auto i = static_cast<size_t>(k);
  return i < static_cast<size_t>(LayerKind::kCOUNT) ? names[i] : "?";
}

TensorId Network::newTensor(const std::string& name) {
  Tensor t;
  t.name = name;
  tensors_.push_back(std::move(t));
  return static_cast<TensorId>(tensors_.size() - 1);
}

TensorId Network::addInput(const std::string& name, DataType type, const Shape& dims) {
  TensorId t = newTensor(name);
  tensors_[t].shape = dims;
  tensors_[t].type = type;
  tensors_[t].isInput = true;
  inputs_.push_back(t);
  return t;
}

void Network::markOutput(TensorId t) {
  Tensor& x = tensor(t);
  if (x.isOutput) return;
  x.isOutput = true;
  outputOrder_.push_back(t);
}

void Network::unmarkOutput(TensorId t) {
  tensor(t).isOutput = false;
  std::erase(outputOrder_, t);
}

std::vector<TensorId> Network::outputs() const { return outputOrder_; }

TensorId Network::findTensor(const std::string& name) const {
  for (size_t i = 0; i < tensors_.size(); ++i)
    if (tensors_[i].name == name) return static_cast<TensorId>(i);
  return -1;
}

void Network::setDynamicRange(TensorId t, float min, float max) {
  tensor(t).dynamicRange = std::max(std::abs(min), std::abs(max));
}

Layer& Network::addLayer(LayerParams params, const std::vector<TensorId>& inputs, int nbOutputs) {
  for (TensorId in : inputs)
    check(in >= 0 && in < nbTensors(), "addLayer: input tensor id ", in, " does not exist");
  Layer layer;
  layer.params = std::move(params);
  std::ostringstream name;
  name << "(Unnamed Layer* " << layers_.size() << ") [" << layerKindName(layer.kind()) << "]";
  layer.name = name.str();
  layer.inputs = inputs;
  for (int i = 0; i < nbOutputs; ++i) {
    std::string tn = layer.name + "_output" + (i ? "_" + std::to_string(i) : "");
    layer.outputs.push_back(newTensor(tn));
  }
  layers_.push_back(std::move(layer));
  return layers_.back();
}

Layer& Network::addConvolution(TensorId input, int64_t nbOutputMaps, const Shape& kernel,
                               Weights weights, Weights bias) {
  ConvolutionParams p;
  p.nbOutputMaps = nbOutputMaps;
  p.kernel = kernel;
  p.stride.assign(kernel.size(), 1);
  p.padBegin.assign(kernel.size(), 0);
  p.padEnd.assign(kernel.size(), 0);
  p.dilation.assign(kernel.size(), 1);
  p.weights = std::move(weights);
  p.bias = std::move(bias);
  return addLayer(std::move(p), {input});
}

Layer& Network::addPooling(TensorId input, PoolingType type, const Shape& window) {
  PoolingParams p;
  p.type = type;
  p.window = window;
  p.stride = window;  // TensorRT's default stride is the window
  p.padBegin.assign(window.size(), 0);
  p.padEnd.assign(window.size(), 0);
  p.dilation.assign(window.size(), 1);
  return addLayer(std::move(p), {input});
}

Layer& Network::addFullyConnected(TensorId input, int64_t nbOutputs, Weights weights,
                                  Weights bias) {
  FullyConnectedParams p;
  p.nbOutputs = nbOutputs;
  p.weights = std::move(weights);
  p.bias = std::move(bias);
  return addLayer(std::move(p), {input});
}

Layer& Network::addMatrixMultiply(TensorId a, bool transposeA, TensorId b, bool transposeB) {
  return addLayer(MatMulParams{transposeA, transposeB}, {a, b});
}

Layer& Network::addActivation(TensorId input, ActivationType type, float alpha, float beta) {
  return addLayer(ActivationParams{Activation{type, alpha, beta}}, {input});
}

Layer& Network::addSoftMax(TensorId input, int axis) {
  SoftMaxParams p;
  p.axis = axis;
  return addLayer(p, {input});
}

Layer& Network::addElementWise(TensorId a, TensorId b, ElementWiseOp op) {
  ElementWiseParams p;
  p.op = op;
  return addLayer(std::move(p), {a, b});
}

Layer& Network::addConcatenation(const std::vector<TensorId>& inputs, int axis) {
  check(!inputs.empty(), "addConcatenation: no inputs");
  return addLayer(ConcatenationParams{axis}, inputs);
}

Layer& Network::addScale(TensorId input, ScaleMode mode, Weights shift, Weights scale,
                         Weights power) {
  ScaleParams p;
  p.mode = mode;
  p.shift = std::move(shift);
  p.scale = std::move(scale);
  p.power = std::move(power);
  return addLayer(std::move(p), {input});
}

Layer& Network::addParametricReLU(TensorId input, const Shape& slopeShape, Weights slope) {
  PReLUParams p;
  p.slopeShape = slopeShape;
  p.slope = std::move(slope);
  return addLayer(std::move(p), {input});
}

Layer& Network::addLRN(TensorId input, int64_t size, float alpha, float beta, float k) {
  return addLayer(LRNParams{size, alpha, beta, k}, {input});
}

Layer& Network::addShuffle(TensorId input) { return addLayer(ShuffleParams{}, {input}); }

Layer& Network::addPadding(TensorId input, const Shape& padBegin, const Shape& padEnd) {
  PaddingParams p;
  p.padBegin = padBegin;
  p.padEnd = padEnd;
  return addLayer(std::move(p), {input});
}

Layer& Network::addConstant(const Shape& shape, Weights values) {
  check(volume(shape) == values.count(), "addConstant: shape ", shapeToString(shape), " needs ",
        volume(shape), " values, got ", values.count());
  return addLayer(ConstantParams{shape, std::move(values)}, {});
}

Layer& Network::addIdentity(TensorId input) { return addLayer(IdentityParams{}, {input}); }

bool Network::hasDynamicBatch() const {
  for (TensorId t : inputs_)
    if (!tensors_[t].shape.empty() && tensors_[t].shape[0] < 0) return true;
  return false;
}

std::vector<Shape> Network::inferShapesForBatch(int64_t batch) const {
  std::vector<Shape> in;
  for (TensorId t : inputs_) {
    Shape s = tensors_[t].shape;
    if (!s.empty() && s[0] < 0) s[0] = batch;
    in.push_back(s);
  }
  return inferShapes(in);
}

std::vector<Shape> Network::inferShapes(const std::vector<Shape>& inputShapes) const {
  check(inputShapes.size() == inputs_.size(), "network has ", inputs_.size(), " inputs, got ",
        inputShapes.size(), " shapes");
  std::vector<Shape> shapes(tensors_.size());
  std::vector<bool> known(tensors_.size(), false);
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Shape& s = inputShapes[i];
    for (int64_t d : s)
      check(d >= 0, "input '", tensors_[inputs_[i]].name, "': shape ", shapeToString(s),
            " has a negative dim");
    shapes[inputs_[i]] = s;
    known[inputs_[i]] = true;
  }
  for (const Layer& layer : layers_) {
    std::vector<Shape> in;
    for (TensorId t : layer.inputs) {
      check(known[t], "layer '", layer.name, "': input '", tensors_[t].name,
            "' is not produced before it");
      in.push_back(shapes[t]);
    }
    std::vector<Shape> out = inferLayerShapes(layer, in);
    check(out.size() == layer.outputs.size(), "layer '", layer.name, "': produces ", out.size(),
          " outputs, declared ", layer.outputs.size());
    for (size_t i = 0; i < out.size(); ++i) {
      shapes[layer.outputs[i]] = out[i];
      known[layer.outputs[i]] = true;
    }
  }
  return shapes;
}

Shape Network::symbolicShape(TensorId t) const {
  if (!hasDynamicBatch()) return inferShapesForBatch(1).at(t);
  // Dims that change between batch 1 and batch 2 depend on the batch: report them as -1.
  Shape a = inferShapesForBatch(1).at(t);
  Shape b = inferShapesForBatch(2).at(t);
  if (a.size() != b.size()) return a;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) a[i] = -1;
  return a;
}

Status Network::validate() const {
  return guard([&] {
    check(!inputs_.empty(), "network '", name, "' has no inputs");
    check(!outputOrder_.empty(), "network '", name, "' has no outputs");
    std::vector<int> producers(tensors_.size(), 0);
    for (TensorId t : inputs_) producers[t]++;
    for (const Layer& l : layers_)
      for (TensorId t : l.outputs) producers[t]++;
    for (size_t t = 0; t < tensors_.size(); ++t)
      check(producers[t] <= 1, "tensor '", tensors_[t].name, "' is produced by ", producers[t],
            " layers");
    for (TensorId t : inputs_)
      check(tensors_[t].type == DataType::kFLOAT, "input '", tensors_[t].name,
            "': only float32 inputs are supported, got ", dataTypeName(tensors_[t].type));
    inferShapesForBatch(1);
  });
}

}  // namespace int8rt

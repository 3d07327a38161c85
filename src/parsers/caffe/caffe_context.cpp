#include "parsers/caffe/caffe_context.h"

#include <utility>

#include "core/error.h"

namespace int8rt::caffe_import {

namespace {
// Bounds a placeholder allocation: a prototxt-only import of a hostile file must not be able to
// ask for terabytes of zeros.
constexpr int64_t kMaxBlobValues = int64_t{1} << 32;

int64_t checkedVolume(const Shape& s, const char* what) {
  int64_t n = 1;
  for (int64_t d : s) {
    check(d > 0 && d <= kMaxBlobValues, what, " shape ", shapeToString(s), " is invalid");
    n *= d;
    check(n <= kMaxBlobValues, what, " shape ", shapeToString(s), " is too large");
  }
  return n;
}
}  // namespace

int resolveAxis(int64_t axis, size_t rank, const char* what) {
  int64_t r = static_cast<int64_t>(rank);
  check(axis >= -r && axis < r, what, " ", axis, " is out of range for a ", r, "-d input");
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

TensorId ImportContext::bottom(const caffe::LayerParameter& l, int i) const {
  check(i < l.bottom_size(), "needs at least ", i + 1, " bottom(s), has ", l.bottom_size());
  auto it = blobs_.find(l.bottom(i));
  check(it != blobs_.end(), "bottom '", l.bottom(i), "' is not produced by any earlier layer");
  return it->second;
}

std::vector<TensorId> ImportContext::bottoms(const caffe::LayerParameter& l) const {
  std::vector<TensorId> v;
  for (int i = 0; i < l.bottom_size(); ++i) v.push_back(bottom(l, i));
  return v;
}

std::string ImportContext::uniqueTensorName(const std::string& base) const {
  if (net_.findTensor(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string n = base + "_" + std::to_string(k);
    if (net_.findTensor(n) < 0) return n;
  }
}

void ImportContext::bindTop(const std::string& top, TensorId t, const std::string& layer) {
  producer_[t] = layer;
  auto it = blobs_.find(top);
  if (it == blobs_.end()) {
    blobOrder_.push_back(top);
    blobs_[top] = t;
  } else {
    // In place: the earlier value of the blob gives its name up.
    TensorId old = std::exchange(it->second, t);
    if (net_.tensor(old).name == top && !net_.tensor(old).isInput) {
      auto p = producer_.find(old);
      std::string base = p != producer_.end() ? p->second : top;
      net_.tensor(old).name = "";  // frees the name for uniqueTensorName's search
      net_.tensor(old).name = uniqueTensorName(base + "_output");
    }
  }
  TensorId holder = net_.findTensor(top);
  if (holder >= 0 && holder != t) {
    // Inputs keep their names, since callers bind data by them.
    if (net_.tensor(holder).isInput) {
      net_.tensor(t).name = "";
      net_.tensor(t).name = uniqueTensorName(layer + "_output");
      return;
    }
    // Otherwise the holder is a helper's "<layer>_output" that happens to equal a Caffe blob
    // name: the Caffe name wins and the helper's tensor moves aside.
    net_.tensor(holder).name = uniqueTensorName(top + "_internal");
  }
  net_.tensor(t).name = top;
}

void ImportContext::aliasTop(const std::string& top, TensorId t) {
  if (!blobs_.count(top)) blobOrder_.push_back(top);
  blobs_[top] = t;
}

TensorId ImportContext::addInput(const std::string& name, const Shape& dims) {
  check(!blobs_.count(name), "input '", name, "' is declared twice");
  TensorId holder = net_.findTensor(name);
  if (holder >= 0) net_.tensor(holder).name = uniqueTensorName(name + "_internal");
  TensorId t = net_.addInput(name, DataType::kFLOAT, dims);
  blobs_[name] = t;
  blobOrder_.push_back(name);
  return t;
}

std::vector<std::pair<std::string, TensorId>> ImportContext::boundBlobs() const {
  std::vector<std::pair<std::string, TensorId>> v;
  for (const auto& b : blobOrder_) v.emplace_back(b, blobs_.at(b));
  return v;
}

Layer& ImportContext::name(Layer& layer, const std::string& caffeName) {
  int& seen = layerNames_[caffeName];
  layer.name = seen == 0 ? caffeName : caffeName + "_" + std::to_string(seen);
  ++seen;
  // Until bindTop names it, the output carries the layer's name (for helper layers, for good).
  for (size_t i = 0; i < layer.outputs.size(); ++i) {
    std::string base = layer.name + "_output";
    if (i > 0) base.append("_").append(std::to_string(i));
    net_.tensor(layer.outputs[i]).name = uniqueTensorName(base);
  }
  return layer;
}

void ImportContext::inferNewLayers() const {
  size_t n = static_cast<size_t>(net_.nbTensors());
  atBatch1_.resize(n);
  atBatch2_.resize(n);
  for (TensorId t : net_.inputs()) {
    Shape s = net_.tensor(t).shape;
    atBatch1_[t] = atBatch2_[t] = s;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == -1) atBatch1_[t][i] = 1, atBatch2_[t][i] = 2;
  }
  const auto& layers = net_.layers();
  for (; inferredLayers_ < layers.size(); ++inferredLayers_) {
    const Layer& l = layers[inferredLayers_];
    std::vector<Shape> in1, in2;
    for (TensorId t : l.inputs) {
      in1.push_back(atBatch1_[t]);
      in2.push_back(atBatch2_[t]);
    }
    std::vector<Shape> out1 = inferLayerShapes(l, in1), out2 = inferLayerShapes(l, in2);
    check(out1.size() == l.outputs.size() && out2.size() == l.outputs.size(), "layer '", l.name,
          "': shape inference gave ", out1.size(), " shapes for ", l.outputs.size(), " outputs");
    for (size_t i = 0; i < l.outputs.size(); ++i) {
      atBatch1_[l.outputs[i]] = out1[i];
      atBatch2_[l.outputs[i]] = out2[i];
    }
  }
}

Shape ImportContext::shape(TensorId t) const {
  inferNewLayers();
  Shape a = atBatch1_.at(t);
  const Shape& b = atBatch2_.at(t);
  // Dims that change with the batch size depend on it: report them as -1.
  if (a.size() == b.size())
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) a[i] = -1;
  return a;
}

Shape ImportContext::shapeWithKnownFeatureDims(TensorId t, const char* what) const {
  Shape s = shape(t);
  for (size_t i = 1; i < s.size(); ++i)
    check(s[i] >= 0, what, ": dim ", i, " of input ", shapeToString(s),
          " depends on the batch size");
  return s;
}

int ImportContext::blobCount(const caffe::LayerParameter& l) const {
  if (!weights_) return 0;
  const Blobs* b = weights_->find(l.name());
  return b ? b->size() : 0;
}

Weights ImportContext::blob(const caffe::LayerParameter& l, int index, const Shape& expected,
                            const char* what) {
  int64_t n = checkedVolume(expected, what);
  Weights w;
  if (!weights_) {
    w.values.assign(static_cast<size_t>(n), 0.f);
    return w;
  }
  const Blobs* blobs = weights_->find(l.name());
  check(blobs != nullptr, "missing weights: ", weights_->path(), " has no layer named '",
        l.name(), "'");
  check(index < blobs->size(), "missing weights: ", weights_->path(), " holds ", blobs->size(),
        " blob(s) for this layer, blob ", index, " (", what, ") is needed");
  const caffe::BlobProto& b = (*blobs)[index];
  Shape actual = blobShape(b);
  check(blobShapeMatches(expected, actual), what, " blob (", index, ") in ", weights_->path(),
        " has shape ", shapeToString(actual), ", the prototxt implies ", shapeToString(expected));
  try {
    w.values = blobValues(b);
  } catch (const Error& e) {
    fail(what, " blob (", index, ") in ", weights_->path(), ": ", e.what());
  }
  check(w.count() == n, what, " blob (", index, ") in ", weights_->path(), " holds ", w.count(),
        " values, the prototxt implies ", n, " (", shapeToString(expected), ")");
  return w;
}

}  // namespace int8rt::caffe_import

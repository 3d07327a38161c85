// The state one import shares between the layer functions: the network being built, which
// tensor currently holds each Caffe blob, and the weights. Layer functions read bottoms, add
// layers, and bind tops through it, so in-place layers and naming are handled in one place.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "caffe.pb.h"
#include "int8rt/network.h"
#include "parsers/caffe/caffe_weights.h"

namespace int8rt::caffe_import {

class ImportContext {
 public:
  // weights may be null: a prototxt-only import (see placeholder weights below).
  ImportContext(Network& net, const WeightStore* weights) : net_(net), weights_(weights) {}

  Network& net() { return net_; }

  // ---- blobs ----
  // The tensor holding the layer's i-th bottom; throws when no earlier layer produced it.
  TensorId bottom(const caffe::LayerParameter& l, int i = 0) const;
  std::vector<TensorId> bottoms(const caffe::LayerParameter& l) const;
  // Makes tensor t (produced by `layer`) the value of Caffe blob `top` and names it after the
  // blob. When the blob already had a value (an in-place layer, top == bottom), the earlier
  // tensor is renamed "<its layer>_output" so every tensor name stays unique and the blob's name
  // always means its latest value, as in Caffe after a forward pass. Network inputs keep their
  // names; an in-place result on an input is named after its layer instead.
  void bindTop(const std::string& top, TensorId t, const std::string& layer);
  // Makes `top` another name for an existing tensor (Split), with no new tensor or layer.
  void aliasTop(const std::string& top, TensorId t);
  // Declares a network input for blob `name`.
  TensorId addInput(const std::string& name, const Shape& dims);
  // Blob names in the order they were first bound, with their current tensors.
  std::vector<std::pair<std::string, TensorId>> boundBlobs() const;

  // ---- layers ----
  // Gives a layer its Caffe name (made unique if needed) and, for helpers that expand one Caffe
  // layer into several, a suffix: "eltwise3/part1".
  Layer& name(Layer& layer, const std::string& caffeName);
  // Shape with batch-dependent dims as -1, as Network::symbolicShape gives it, but inferred
  // incrementally (each layer once) so importing stays linear in the network's size.
  Shape shape(TensorId t) const;
  // Shape with no batch-dependent dims after the first one (those an importer needs concretely,
  // e.g. channels); throws naming `what` otherwise.
  Shape shapeWithKnownFeatureDims(TensorId t, const char* what) const;

  // ---- weights ----
  bool hasWeights() const { return weights_ != nullptr; }
  int64_t declaredBatch() const { return declaredBatch_; }
  void setDeclaredBatch(int64_t n) { if (declaredBatch_ <= 0) declaredBatch_ = n; }
  // Blob `index` of layer `l` from the caffemodel, checked against the shape the prototxt
  // implies. `what` names the blob in errors ("weights", "bias", "mean"). Without a caffemodel
  // the result is zeros of the expected size, so shape inference works while importing; the
  // importer clears such placeholders at the end (a prototxt-only network has no weights).
  Weights blob(const caffe::LayerParameter& l, int index, const Shape& expected, const char* what);
  // How many blobs the caffemodel holds for the layer (0 without a caffemodel or layer).
  int blobCount(const caffe::LayerParameter& l) const;
  // Marks the most recently added layer as holding weights from blob() (placeholder bookkeeping).
  void noteWeightedLayer() { weightedLayers_.push_back(net_.layers().size() - 1); }
  const std::vector<size_t>& weightedLayers() const { return weightedLayers_; }

 private:
  std::string uniqueTensorName(const std::string& base) const;
  void inferNewLayers() const;
  Network& net_;
  const WeightStore* weights_;
  std::unordered_map<std::string, TensorId> blobs_;
  std::vector<std::string> blobOrder_;
  std::unordered_map<TensorId, std::string> producer_;  // tensor -> name of the layer that made it
  std::unordered_map<std::string, int> layerNames_;
  std::vector<size_t> weightedLayers_;
  int64_t declaredBatch_ = 0;
  // Concrete shapes at batch 1 and 2 (indexed by TensorId) of the layers inferred so far.
  mutable std::vector<Shape> atBatch1_, atBatch2_;
  mutable size_t inferredLayers_ = 0;
};

// Normalises a possibly negative axis against a rank; throws naming the parameter.
int resolveAxis(int64_t axis, size_t rank, const char* what);

}  // namespace int8rt::caffe_import

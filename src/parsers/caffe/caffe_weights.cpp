#include "parsers/caffe/caffe_weights.h"

#include "core/error.h"
#include "parsers/caffe/caffe_upgrade.h"

namespace int8rt::caffe_import {

WeightStore::WeightStore(caffe::NetParameter model, std::string path)
    : model_(std::move(model)), path_(std::move(path)) {
  // The first layer of a name wins: Caffe itself copies weights to the first match.
  for (const auto& l : model_.layer()) byName_.emplace(l.name(), &l.blobs());
  for (const auto& l : model_.layers()) {
    // A V1 layer that wraps a V0 one keeps its blobs inside the V0 message.
    const Blobs* blobs = &l.blobs();
    if (blobs->empty() && l.has_layer()) blobs = &l.layer().blobs();
    byName_.emplace(v1LayerName(l), blobs);
  }
}

const Blobs* WeightStore::find(const std::string& layerName) const {
  auto it = byName_.find(layerName);
  return it == byName_.end() ? nullptr : it->second;
}

Shape blobShape(const caffe::BlobProto& blob) {
  if (blob.has_shape()) return Shape(blob.shape().dim().begin(), blob.shape().dim().end());
  if (blob.has_num() || blob.has_channels() || blob.has_height() || blob.has_width())
    return {blob.num(), blob.channels(), blob.height(), blob.width()};
  return {static_cast<int64_t>(blob.data_size() ? blob.data_size() : blob.double_data_size())};
}

namespace {
Shape withoutOnes(const Shape& s) {
  Shape out;
  for (int64_t d : s)
    if (d != 1) out.push_back(d);
  return out;
}
}  // namespace

bool blobShapeMatches(const Shape& expected, const Shape& actual) {
  return expected == actual || withoutOnes(expected) == withoutOnes(actual);
}

std::vector<float> blobValues(const caffe::BlobProto& blob) {
  Shape shape = blobShape(blob);
  int64_t expected = 1;
  for (int64_t d : shape) {
    check(d >= 0 && d <= (int64_t{1} << 40), "blob shape ", shapeToString(shape), " is invalid");
    expected *= d;
    check(expected <= (int64_t{1} << 40), "blob shape ", shapeToString(shape), " is too large");
  }
  int64_t count = blob.data_size() ? blob.data_size() : blob.double_data_size();
  check(count == expected, "blob of shape ", shapeToString(shape), " holds ", count,
        " values, expected ", expected);
  if (blob.data_size()) return std::vector<float>(blob.data().begin(), blob.data().end());
  std::vector<float> v;
  v.reserve(count);
  for (double d : blob.double_data()) v.push_back(static_cast<float>(d));
  return v;
}

}  // namespace int8rt::caffe_import

// Trained weights from a caffemodel, looked up by layer name. A caffemodel stores the whole
// training net; only the blobs of layers the prototxt also has are ever read.
#pragma once
#include <string>
#include <unordered_map>

#include "caffe.pb.h"
#include "int8rt/network.h"

namespace int8rt::caffe_import {

using Blobs = google::protobuf::RepeatedPtrField<caffe::BlobProto>;

class WeightStore {
 public:
  WeightStore(caffe::NetParameter model, std::string path);
  // Holds pointers into its own message: not copyable.
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;
  // The blobs of the layer with this name; nullptr when the caffemodel has no such layer.
  const Blobs* find(const std::string& layerName) const;
  const std::string& path() const { return path_; }

 private:
  caffe::NetParameter model_;
  std::string path_;
  std::unordered_map<std::string, const Blobs*> byName_;
};

// The blob's shape: `shape` when present, else the legacy num/channels/height/width, else its
// value count as one dim.
Shape blobShape(const caffe::BlobProto& blob);

// Whether a blob's shape is the shape a layer expects. Legacy blobs pad to 4-d with leading 1s
// (an InnerProduct bias is stored as 1x1x1xK) and converters often write [1,C,1,1] for [C]:
// dims of size 1 do not change the layout of the values, so they are ignored on both sides.
bool blobShapeMatches(const Shape& expected, const Shape& actual);

// The blob's values as float (float `data`, or `double_data` narrowed). Throws when the count
// disagrees with the blob's own shape.
std::vector<float> blobValues(const caffe::BlobProto& blob);

}  // namespace int8rt::caffe_import

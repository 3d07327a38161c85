// Helpers for the Caffe importer tests: a scratch directory, prototxt files from strings, and
// caffemodels built with the generated caffe:: classes from (layer name, blob shapes) lists with
// random non-zero values, so tests can compare imported weights with what they wrote.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "caffe.pb.h"
#include "int8rt/network.h"
#include "int8rt/parsers.h"

namespace int8rt::caffe_testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "int8rt_caffe_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

inline std::vector<float> randomNonZero(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(0.05f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = (rng() & 1 ? 1.f : -1.f) * d(rng);
  return v;
}

inline caffe::BlobProto makeBlob(const Shape& shape, unsigned seed) {
  caffe::BlobProto b;
  int64_t n = 1;
  for (int64_t d : shape) {
    b.mutable_shape()->add_dim(d);
    n *= d;
  }
  for (float v : randomNonZero(static_cast<size_t>(n), seed)) b.add_data(v);
  return b;
}

struct LayerBlobs {
  std::string name;
  std::vector<Shape> shapes;
};

// A caffemodel with V2 `layer` entries holding random blobs of the given shapes.
inline caffe::NetParameter makeModel(const std::vector<LayerBlobs>& layers, unsigned seed = 1) {
  caffe::NetParameter net;
  for (const auto& l : layers) {
    auto* layer = net.add_layer();
    layer->set_name(l.name);
    for (const auto& s : l.shapes) *layer->add_blobs() = makeBlob(s, seed++);
  }
  return net;
}

inline std::vector<float> blobData(const caffe::NetParameter& model, const std::string& layer,
                                   int blob) {
  for (const auto& l : model.layer())
    if (l.name() == layer) return {l.blobs(blob).data().begin(), l.blobs(blob).data().end()};
  for (const auto& l : model.layers())
    if (l.name() == layer) return {l.blobs(blob).data().begin(), l.blobs(blob).data().end()};
  return {};
}

// Writes the prototxt (and the model, when given) and parses them.
struct Fixture {
  ScratchDir dir;
  std::string prototxt = dir.file("deploy.prototxt");
  std::string weights = dir.file("model.caffemodel");

  Result<std::unique_ptr<Network>> parse(const std::string& text,
                                         const caffe::NetParameter* model = nullptr) {
    writeFile(prototxt, text);
    if (!model) return parseCaffe(prototxt, "");
    writeFile(weights, model->SerializeAsString());
    return parseCaffe(prototxt, weights);
  }
};

inline const Layer* findLayer(const Network& net, const std::string& name) {
  for (const Layer& l : net.layers())
    if (l.name == name) return &l;
  return nullptr;
}

// The LeNet deploy net of TensorRT's sampleINT8, written out here, and its weight shapes.
inline const char* kLeNetPrototxt = R"(
name: "LeNet"
layer { name: "data" type: "Input" top: "data"
        input_param { shape { dim: 64 dim: 1 dim: 28 dim: 28 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        param { lr_mult: 1 } param { lr_mult: 2 }
        convolution_param { num_output: 20 kernel_size: 5 stride: 1
                            weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
        convolution_param { num_output: 50 kernel_size: 5 stride: 1 } }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1"
        inner_product_param { num_output: 500 } }
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
        inner_product_param { num_output: 10 } }
layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" }
)";

inline std::vector<LayerBlobs> leNetBlobs() {
  return {{"conv1", {{20, 1, 5, 5}, {20}}},
          {"conv2", {{50, 20, 5, 5}, {50}}},
          {"ip1", {{500, 800}, {500}}},
          {"ip2", {{10, 500}, {10}}}};
}

}  // namespace int8rt::caffe_testing

// libFuzzer target for the Caffe importer: each input is tried as a caffemodel (weights for a
// fixed small deploy net) and as a prototxt. Any outcome but an int8rt::Error or a network is a
// bug. Not built by default; for example:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include -I src \
//     -I build/proto/caffe tests/fuzz/fuzz_caffe.cpp <libint8rt.a> <libint8rt_proto.a> \
//     -lprotobuf -lz -lpthread -o fuzz_caffe
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "parsers/caffe/caffe_files.h"
#include "parsers/caffe/caffe_importer.h"

namespace {

// Exercises convolution, pooling, BatchNorm, Scale, in-place layers and fully connected layers.
const char* kDeploy = R"(
  input: "data" input_shape { dim: 1 dim: 2 dim: 8 dim: 8 }
  layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
  layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
  layer { name: "sc" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
  layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
  layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
          pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
  layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc"
          inner_product_param { num_output: 3 } }
  layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  using namespace int8rt::caffe_import;
  static const caffe::NetParameter deploy = parsePrototxtText(kDeploy, "deploy");
  try {
    WeightStore weights(parseCaffemodelBytes(data, size, "fuzz.caffemodel"), "fuzz.caffemodel");
    importNetwork(deploy, "deploy", &weights);
  } catch (const Error&) {
  }
  try {
    std::string text(reinterpret_cast<const char*>(data), size);
    importNetwork(parsePrototxtText(text, "fuzz.prototxt"), "fuzz.prototxt", nullptr);
  } catch (const Error&) {
  }
  return 0;
}

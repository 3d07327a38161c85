// Failures of the Caffe importer: each is one line naming the file (and layer) and the reason,
// and no input, however broken, crashes it.
#include <gtest/gtest.h>

#include <random>

#include "caffe_test_util.h"
#include "core/error.h"
#include "parsers/caffe/caffe_files.h"
#include "parsers/caffe/caffe_importer.h"

namespace int8rt {
namespace {

using namespace caffe_testing;

std::string errorOf(const Result<std::unique_ptr<Network>>& r) {
  EXPECT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().message();
  return r.status().message();
}

TEST(CaffeErrors, BlobShapeMismatchNamesLayerAndBothShapes) {
  Fixture fx;
  std::vector<LayerBlobs> blobs = leNetBlobs();
  blobs[1] = {"conv2", {{40, 20, 5, 5}, {40}}};  // the prototxt says 50 filters
  caffe::NetParameter model = makeModel(blobs);
  std::string msg = errorOf(fx.parse(kLeNetPrototxt, &model));
  EXPECT_NE(msg.find(fx.prototxt), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'conv2'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[40,20,5,5]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[50,20,5,5]"), std::string::npos) << msg;
  EXPECT_NE(msg.find(fx.weights), std::string::npos) << msg;
}

TEST(CaffeErrors, SyntaxErrorGivesLineAndColumn) {
  Fixture fx;
  const char* text =
      "name: \"x\"\n"
      "layer { name: \"data\" type: \"Input\" top: \"data\"\n"
      "        input_param { shape { dim: 1 dim: two } } }\n";
  std::string msg = errorOf(fx.parse(text));
  EXPECT_NE(msg.find(fx.prototxt + ":3:"), std::string::npos) << msg;
  // Column of the bad token, counted from 1.
  EXPECT_NE(msg.find(":3:" + std::to_string(std::string(
      "        input_param { shape { dim: 1 dim: ").size() + 1) + ":"), std::string::npos) << msg;
}

TEST(CaffeErrors, UnknownFieldInTextIsASyntaxError) {
  Fixture fx;
  std::string msg = errorOf(fx.parse("layer { name: \"a\" type: \"ReLU\" colour: 3 }\n"));
  EXPECT_NE(msg.find(":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("colour"), std::string::npos) << msg;
}

TEST(CaffeErrors, TruncatedCaffemodel) {
  Fixture fx;
  caffe::NetParameter model = makeModel(leNetBlobs());
  std::string bytes = model.SerializeAsString();
  writeFile(fx.prototxt, kLeNetPrototxt);
  writeFile(fx.weights, bytes.substr(0, bytes.size() / 2));
  std::string msg = errorOf(parseCaffe(fx.prototxt, fx.weights));
  EXPECT_NE(msg.find(fx.weights), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a valid caffemodel"), std::string::npos) << msg;
}

TEST(CaffeErrors, UnknownLayerTypeNamesLayerAndType) {
  Fixture fx;
  std::string msg = errorOf(fx.parse(R"(
    input: "data" input_shape { dim: 1 dim: 3 }
    layer { name: "mystery" type: "Frobnicate" bottom: "data" top: "out" })"));
  EXPECT_NE(msg.find("layer 'mystery'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'Frobnicate'"), std::string::npos) << msg;
}

TEST(CaffeErrors, MissingFilesAreNamed) {
  Fixture fx;
  std::string msg = errorOf(parseCaffe(fx.dir.file("nope.prototxt"), ""));
  EXPECT_NE(msg.find("nope.prototxt"), std::string::npos) << msg;
  writeFile(fx.prototxt, kLeNetPrototxt);
  msg = errorOf(parseCaffe(fx.prototxt, fx.dir.file("nope.caffemodel")));
  EXPECT_NE(msg.find("nope.caffemodel"), std::string::npos) << msg;
}

TEST(CaffeErrors, MissingWeightsNameTheLayer) {
  Fixture fx;
  std::vector<LayerBlobs> blobs = leNetBlobs();
  blobs.erase(blobs.begin() + 2);  // no ip1
  caffe::NetParameter model = makeModel(blobs);
  std::string msg = errorOf(fx.parse(kLeNetPrototxt, &model));
  EXPECT_NE(msg.find("layer 'ip1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing weights"), std::string::npos) << msg;

  blobs = leNetBlobs();
  blobs[0].shapes.pop_back();  // conv1 without its bias blob
  model = makeModel(blobs);
  msg = errorOf(fx.parse(kLeNetPrototxt, &model));
  EXPECT_NE(msg.find("layer 'conv1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bias"), std::string::npos) << msg;
}

TEST(CaffeErrors, UnsupportedVariantsAreClear) {
  Fixture fx;
  const std::string input = "input: \"data\" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }\n";
  std::string msg = errorOf(fx.parse(input + R"(
    layer { name: "n" type: "LRN" bottom: "data" top: "n"
            lrn_param { norm_region: WITHIN_CHANNEL } })"));
  EXPECT_NE(msg.find("layer 'n'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("WITHIN_CHANNEL"), std::string::npos) << msg;

  msg = errorOf(fx.parse(input + R"(
    layer { name: "s" type: "Scale" bottom: "data" bottom: "data" top: "s" })"));
  EXPECT_NE(msg.find("layer 's'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("second bottom"), std::string::npos) << msg;

  msg = errorOf(fx.parse(R"(
    layer { name: "db" type: "Data" top: "data" data_param { source: "lmdb" batch_size: 4 } })"));
  EXPECT_NE(msg.find("layer 'db' (Data)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Input layer"), std::string::npos) << msg;

  msg = errorOf(fx.parse(input + R"(
    layer { name: "r" type: "ReLU" bottom: "nothing" top: "r" })"));
  EXPECT_NE(msg.find("bottom 'nothing'"), std::string::npos) << msg;
}

TEST(CaffeErrors, EmptyPrototxtHasNoLayers) {
  Fixture fx;
  std::string msg = errorOf(fx.parse(""));
  EXPECT_NE(msg.find(fx.prototxt), std::string::npos) << msg;
}

// 300 truncated, corrupted and random buffers, fed as caffemodel and as prototxt, must come
// back as errors (or, for harmless corruption, as a parsed network) and never crash.
TEST(CaffeRobustness, RandomAndTruncatedBuffersNeverCrash) {
  caffe::NetParameter def = caffe_import::parsePrototxtText(kLeNetPrototxt, "lenet");
  std::string good = makeModel(leNetBlobs()).SerializeAsString();
  std::string text = kLeNetPrototxt;
  std::mt19937 rng(1234);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    std::string bytes;
    switch (i % 3) {
      case 0: bytes = good.substr(0, rng() % good.size()); break;  // truncated
      case 1: {  // corrupted: a few random bytes overwritten
        bytes = good;
        for (int k = 0; k < 8; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        break;
      }
      default:  // pure noise
        bytes.resize(rng() % 4096);
        for (char& c : bytes) c = static_cast<char>(rng());
    }
    auto binary = guardResult<std::unique_ptr<Network>>([&] {
      caffe_import::WeightStore ws(
          caffe_import::parseCaffemodelBytes(bytes.data(), bytes.size(), "fuzz.caffemodel"),
          "fuzz.caffemodel");
      return caffe_import::importNetwork(def, "lenet", &ws);
    });
    std::string mutated = text.substr(0, rng() % text.size());
    if (i % 2 && !mutated.empty()) mutated[rng() % mutated.size()] ^= 0x20;
    auto textual = guardResult<std::unique_ptr<Network>>([&] {
      return caffe_import::importNetwork(caffe_import::parsePrototxtText(mutated, "fuzz"),
                                         "fuzz", nullptr);
    });
    // Corrupted weights may still be well-formed (overwritten float bytes are floats too), but
    // a truncated or random caffemodel never holds all of LeNet's blobs.
    if (i % 3 != 1) {
      EXPECT_FALSE(binary.isOk()) << "buffer " << i;
      ++checked;
    }
    for (const auto* r : {&binary, &textual})
      if (!r->isOk()) {
        EXPECT_EQ(r->status().message().find("internal error"), std::string::npos)
            << r->status().message();
      }
  }
  EXPECT_EQ(checked, 200);
}

}  // namespace
}  // namespace int8rt

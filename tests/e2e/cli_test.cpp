// End-to-end tests of int8rt and sample_int8 on the committed LeNet and real Fashion-MNIST data.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_harness.h"
#include "core/file_io.h"
#include "parsers/onnx/tensor_file.h"

namespace int8rt::e2e {
namespace {

std::string onnxModel() { return lenetDir() + "/lenet.onnx"; }
std::string caffeArgs() {
  return "--model '" + lenetDir() + "/deploy.prototxt' --weights '" + lenetDir() + "/lenet.caffemodel'";
}
std::string referenceInput() { return lenetDir() + "/reference/input_0.pb"; }
std::string referenceOutput() { return lenetDir() + "/reference/output_0.pb"; }

float maxAbsDiff(const TensorFile& a, const TensorFile& b) {
  EXPECT_EQ(a.shape, b.shape);
  float m = 0;
  for (size_t i = 0; i < std::min(a.values.size(), b.values.size()); ++i)
    m = std::max(m, std::fabs(a.values[i] - b.values[i]));
  return m;
}

TEST(CliE2E, HelpForEveryCommand) {
  EXPECT_EQ(run("int8rt", "--help").exitCode, 0);
  for (const char* c : {"build", "infer", "score", "batches", "inspect"}) {
    Outcome r = run("int8rt", std::string(c) + " --help");
    EXPECT_EQ(r.exitCode, 0) << c;
    EXPECT_NE(r.out.find("usage: int8rt"), std::string::npos) << c;
  }
}

TEST(CliE2E, UnknownCommandAndOptionAreUsageErrors) {
  Outcome r = run("int8rt", "frobnicate");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.errLines(), 1);
  r = run("int8rt", "build --no-such-option");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos);
}

TEST(CliE2E, InferOnnxMatchesPyTorchReference) {
  TempDir d;
  Outcome r = run("int8rt", "infer --model '" + onnxModel() + "' --input data='" + referenceInput() +
                            "' --output-dir '" + d.path.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  TensorFile got = readTensorFile(d / "prob.pb");
  TensorFile want = readTensorFile(referenceOutput());
  EXPECT_LT(maxAbsDiff(got, want), 1e-5f);
}

TEST(CliE2E, CaffeAndOnnxGiveTheSameOutputs) {
  TempDir a, b;
  Outcome r1 = run("int8rt", "infer --model '" + onnxModel() + "' --input '" + referenceInput() +
                             "' --output-dir '" + a.path.string() + "'");
  Outcome r2 = run("int8rt", "infer " + caffeArgs() + " --input '" + referenceInput() +
                             "' --output-dir '" + b.path.string() + "'");
  ASSERT_EQ(r1.exitCode, 0) << r1.err;
  ASSERT_EQ(r2.exitCode, 0) << r2.err;
  EXPECT_LT(maxAbsDiff(readTensorFile(a / "prob.pb"), readTensorFile(b / "prob.pb")), 1e-5f);
  EXPECT_LT(maxAbsDiff(readTensorFile(b / "prob.pb"), readTensorFile(referenceOutput())), 1e-5f);
}

TEST(CliE2E, BuildInspectAndInferFromPlan) {
  TempDir d;
  Outcome b = run("int8rt", "build " + caffeArgs() + " --max-batch 32 --output '" + (d / "lenet.plan") + "'");
  ASSERT_EQ(b.exitCode, 0) << b.err;
  Outcome i = run("int8rt", "inspect --plan '" + (d / "lenet.plan") + "'");
  ASSERT_EQ(i.exitCode, 0) << i.err;
  EXPECT_NE(i.out.find("max batch"), std::string::npos);
  EXPECT_NE(i.out.find("Convolution"), std::string::npos);
  Outcome r = run("int8rt", "infer --plan '" + (d / "lenet.plan") + "' --input '" + referenceInput() +
                            "' --output-dir '" + d.path.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_LT(maxAbsDiff(readTensorFile(d / "prob.pb"), readTensorFile(referenceOutput())), 1e-5f);
}

// ---- bad input: one line, non-zero exit below 128, no partial output ----

TEST(CliE2E, CorruptPlansAreCleanErrors) {
  TempDir d;
  ASSERT_EQ(run("int8rt", "build " + caffeArgs() + " --max-batch 4 --timing-iterations 0 --output '" +
                              (d / "good.plan") + "'").exitCode, 0);
  std::string good = slurp(d / "good.plan");
  std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"truncated header", good.substr(0, 12)},
      {"truncated payload", good.substr(0, good.size() / 2)},
      {"random bytes", std::string(4096, '\x5a')},
      {"foreign magic", "NOTAPLAN" + good.substr(8)},
      {"trailing data", good + "xyz"},
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  cases.push_back({"flipped byte", flipped});
  std::string version = good;
  version[8] = 99;
  cases.push_back({"future format version", version});
  for (const auto& [what, bytes] : cases) {
    writeBytes(d / "bad.plan", bytes);
    Outcome r = run("int8rt", "infer --plan '" + (d / "bad.plan") + "' --input '" + referenceInput() +
                              "' --output-dir '" + d.path.string() + "'");
    EXPECT_EQ(r.exitCode, 1) << what << ": " << r.err;
    EXPECT_EQ(r.errLines(), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find("bad.plan"), std::string::npos) << what << ": " << r.err;
    EXPECT_FALSE(fileExists(d / "prob.pb")) << what;
  }
}

TEST(CliE2E, MissingAndCorruptModelFiles) {
  TempDir d;
  Outcome r = run("int8rt", "build --model '" + (d / "nope.onnx") + "' --output '" + (d / "x.plan") + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("nope.onnx"), std::string::npos);
  writeBytes(d / "junk.onnx", std::string(1000, '\x07'));
  r = run("int8rt", "build --model '" + (d / "junk.onnx") + "' --output '" + (d / "x.plan") + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.errLines(), 1) << r.err;
  std::string caffemodel = slurp(lenetDir() + "/lenet.caffemodel");
  writeBytes(d / "half.caffemodel", caffemodel.substr(0, caffemodel.size() / 2));
  r = run("int8rt", "build --model '" + lenetDir() + "/deploy.prototxt' --weights '" +
                        (d / "half.caffemodel") + "' --output '" + (d / "x.plan") + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("half.caffemodel"), std::string::npos) << r.err;
  EXPECT_FALSE(fileExists(d / "x.plan"));
}

TEST(CliE2E, OutOfRangeOptions) {
  TempDir d;
  for (const char* opt : {"--max-batch 0", "--max-batch abc", "--threads -1", "--timing-iterations 1e9"}) {
    Outcome r = run("int8rt", "build --model '" + onnxModel() + "' --output '" + (d / "x.plan") + "' " + opt);
    EXPECT_EQ(r.exitCode, 2) << opt << ": " << r.err;
    EXPECT_EQ(r.errLines(), 1) << opt;
  }
  EXPECT_EQ(d.fileCount(), 0);
}

TEST(CliE2E, InferRejectsWrongInputShape) {
  TempDir d;
  // The reference output file is a tensor of the wrong shape for the input.
  Outcome r = run("int8rt", "infer --model '" + onnxModel() + "' --input data='" + referenceOutput() +
                            "' --output-dir '" + d.path.string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("shape"), std::string::npos) << r.err;
  EXPECT_EQ(d.fileCount(), 0);
}

// ---- real data: batches from Fashion-MNIST, score, sample_int8 ----

class FashionE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fileExists(fashionDir() + "/t10k-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  // The first `count` test images as batch files of `perFile` in dir/batches.
  void makeBatches(const TempDir& d, int count, int perFile) {
    Outcome r = run("int8rt", "batches --images " + fashionDir() + "/t10k-images-idx3-ubyte.gz --labels " +
                              fashionDir() + "/t10k-labels-idx1-ubyte.gz --out '" + (d / "batches") +
                              "' --per-file " + std::to_string(perFile) + " --count " +
                              std::to_string(count));
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
};

TEST_F(FashionE2E, ScoreLeNetOnTestImages) {
  TempDir d;
  std::filesystem::create_directories(d / "batches");
  makeBatches(d, 1000, 100);
  Outcome r = run("int8rt", "score --model '" + onnxModel() + "' --batches '" + (d / "batches") + "' --batch 50");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  double top1 = 0, top5 = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "images 1000 top-1 %lf top-5 %lf", &top1, &top5), 2) << r.out;
  EXPECT_GT(top1, 0.85);
  EXPECT_GT(top5, 0.99);
}

TEST_F(FashionE2E, SampleInt8OutputFollowsTheContract) {
  TempDir d;
  std::filesystem::create_directories(d / "batches");
  makeBatches(d, 700, 70);  // files of 70: scoring batches of 20 straddle files
  std::filesystem::copy_file(lenetDir() + "/deploy.prototxt", d / "deploy.prototxt");
  std::filesystem::copy_file(lenetDir() + "/lenet.caffemodel", d / "tiny.caffemodel");
  // device=cpu: the CPU has no fast FP16, so the contract's refusal shows (the GPU runs FP16:
  // cli_cuda_test.cpp).
  Outcome r = run("sample_int8", "tiny batch=20 start=10 score=20 device=cpu --datadir=" + d.path.string());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("FP32 run:20 batches of size 20 starting at 10\n..\nTop1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Processing 400 images averaged "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FP16 run:20 batches of size 20 starting at 10\nEngine could not be created at this precision"),
            std::string::npos) << r.out;
}

TEST_F(FashionE2E, SampleInt8RejectsBadArguments) {
  TempDir d;
  Outcome r = run("sample_int8", "tiny --bogus", d.path.string());
  EXPECT_NE(r.exitCode, 0);
  EXPECT_LT(r.exitCode, 128);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos);
  r = run("sample_int8", "tiny batch=500", d.path.string());
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("batch=500"), std::string::npos);
  r = run("sample_int8", "nosuchnet", d.path.string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("nosuchnet"), std::string::npos);
}

TEST_F(FashionE2E, SampleInt8NeedsEnoughImages) {
  TempDir d;
  std::filesystem::create_directories(d / "batches");
  makeBatches(d, 100, 100);
  std::filesystem::copy_file(lenetDir() + "/deploy.prototxt", d / "deploy.prototxt");
  std::filesystem::copy_file(lenetDir() + "/lenet.caffemodel", d / "tiny.caffemodel");
  Outcome r = run("sample_int8", "tiny batch=10 start=5 score=10 --datadir=" + d.path.string());
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("available"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace int8rt::e2e

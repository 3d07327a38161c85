// End-to-end tests of --device on the command line and of sample_int8's device= argument.
// Without a GPU (CI) they check the clean refusal: `build --device cuda` exits 1 with one line
// and writes nothing. With a GPU they check instead that CUDA engines build, run and score.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/cuda_bridge.h"
#include "cli_harness.h"
#include "core/file_io.h"
#include "parsers/onnx/tensor_file.h"

namespace int8rt::e2e {
namespace {

std::string q(const std::string& path) { return "'" + path + "'"; }
std::string onnxArgs() { return "--model " + q(lenetDir() + "/lenet.onnx"); }
std::string caffeArgs() {
  return "--model " + q(lenetDir() + "/deploy.prototxt") + " --weights " +
         q(lenetDir() + "/lenet.caffemodel");
}
std::string referenceInput() { return lenetDir() + "/reference/input_0.pb"; }
std::string referenceOutput() { return lenetDir() + "/reference/output_0.pb"; }

// Whether this machine can run CUDA engines (the test binary links the same library).
bool gpuPresent() { return cudabridge::built() && cudabridge::unavailableReason().empty(); }

float maxAbsDiff(const TensorFile& a, const TensorFile& b) {
  EXPECT_EQ(a.shape, b.shape);
  float m = 0;
  for (size_t i = 0; i < std::min(a.values.size(), b.values.size()); ++i)
    m = std::max(m, std::fabs(a.values[i] - b.values[i]));
  return m;
}

void expectUsageError(const Outcome& r, const std::string& what, const std::string& context) {
  EXPECT_EQ(r.exitCode, 2) << context << ": " << r.err;
  EXPECT_EQ(r.errLines(), 1) << context << ": " << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << context << ": " << r.err;
}

TEST(CudaCliE2E, BadDeviceIsAUsageError) {
  TempDir d;
  expectUsageError(run("int8rt", "build " + onnxArgs() + " --device foo --output " + q(d / "x.plan")),
                   "foo", "build");
  EXPECT_EQ(d.fileCount(), 0);
  expectUsageError(run("int8rt", "infer " + onnxArgs() + " --device gpu --input " +
                                     q(referenceInput()) + " --output-dir " + q(d.path.string())),
                   "gpu", "infer");
  expectUsageError(run("int8rt", "score " + onnxArgs() + " --device CUDA --batches " + q(d / "none")),
                   "CUDA", "score");
  expectUsageError(run("int8rt", "calibrate " + onnxArgs() + " --device foo --calib " + q(d / "none") +
                                     " --output " + q(d / "x.cache")),
                   "foo", "calibrate");
  expectUsageError(run("int8rt", "compare " + onnxArgs() + " --device foo --batches " + q(d / "none") +
                                     " --calib " + q(d / "none")),
                   "foo", "compare");
  EXPECT_EQ(d.fileCount(), 0);
  Outcome s = run("sample_int8", "tiny device=tpu", d.path.string());
  EXPECT_EQ(s.exitCode, 2) << s.err;
  EXPECT_NE(s.err.find("device=tpu"), std::string::npos) << s.err;
}

TEST(CudaCliE2E, HelpListsDevice) {
  for (const char* c : {"build", "infer", "score", "calibrate", "compare", "inspect"}) {
    Outcome r = run("int8rt", std::string(c) + " --help");
    EXPECT_EQ(r.exitCode, 0) << c;
    EXPECT_NE(r.out.find("--device cpu|cuda"), std::string::npos) << c;
  }
  Outcome s = run("sample_int8", "--help");
  EXPECT_NE(s.out.find("device=D"), std::string::npos) << s.out;
}

TEST(CudaCliE2E, PlanDecidesTheDevice) {
  TempDir d;
  Outcome b = run("int8rt", "build " + caffeArgs() + " --device cpu --timing-iterations 0 --output " +
                                q(d / "cpu.plan"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_NE(b.out.find("device cpu"), std::string::npos) << b.out;
  const std::string infer =
      "infer --plan " + q(d / "cpu.plan") + " --input " + q(referenceInput()) + " --output-dir " +
      q(d.path.string());
  Outcome r = run("int8rt", infer + " --device cuda");
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_EQ(r.errLines(), 1) << r.err;
  EXPECT_NE(r.err.find("device 'cpu'"), std::string::npos) << r.err;
  EXPECT_FALSE(fileExists(d / "prob.pb"));
  r = run("int8rt", infer + " --device cpu");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(fileExists(d / "prob.pb"));
}

// No GPU: a one-line reason, exit 1, no plan. GPU: FP32 and FP16 engines build and infer.
TEST(CudaCliE2E, BuildForCuda) {
  TempDir d;
  for (const char* precision : {"", "--fp16"}) {
    const std::string plan = d / (std::string("cuda") + precision + ".plan");
    Outcome b = run("int8rt", "build " + caffeArgs() + " --device cuda " + precision +
                                  " --output " + q(plan));
    if (!gpuPresent()) {
      EXPECT_EQ(b.exitCode, 1) << precision << ": " << b.err;
      EXPECT_EQ(b.errLines(), 1) << precision << ": " << b.err;
      EXPECT_FALSE(fileExists(plan)) << precision;
      continue;
    }
    ASSERT_EQ(b.exitCode, 0) << precision << ": " << b.err;
    EXPECT_NE(b.out.find("device cuda"), std::string::npos) << b.out;
    const std::string outDir = d / (std::string("out") + precision);
    std::filesystem::create_directories(outDir);
    Outcome r = run("int8rt", "infer --plan " + q(plan) + " --device cuda --input " +
                                  q(referenceInput()) + " --output-dir " + q(outDir));
    ASSERT_EQ(r.exitCode, 0) << precision << ": " << r.err;
    // Softmax probabilities: absolute tolerances (FP16 logits near 16 are resolved to 1/64).
    const float tolerance = *precision ? 5e-3f : 5e-5f;
    EXPECT_LT(maxAbsDiff(readTensorFile(outDir + "/prob.pb"), readTensorFile(referenceOutput())),
              tolerance) << precision;
    Outcome i = run("int8rt", "inspect --plan " + q(plan));
    EXPECT_EQ(i.exitCode, 0) << i.err;
    EXPECT_NE(i.out.find("cuda"), std::string::npos) << i.out;
  }
  if (!gpuPresent()) {
    // infer and score build on the spot: the same refusal, one line.
    Outcome r = run("int8rt", "infer " + caffeArgs() + " --device cuda --input " +
                                  q(referenceInput()) + " --output-dir " + q(d.path.string()));
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_EQ(r.errLines(), 1) << r.err;
    EXPECT_EQ(d.fileCount(), 0);
  }
}

// ---- real data: score and sample_int8 on the GPU ----

class CudaFashionE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fileExists(fashionDir() + "/t10k-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  // The first `count` test images as batch files of `perFile` in dir/batches.
  static void makeBatches(const TempDir& d, int count, int perFile) {
    Outcome r = run("int8rt", "batches --images " + fashionDir() + "/t10k-images-idx3-ubyte.gz --labels " +
                                  fashionDir() + "/t10k-labels-idx1-ubyte.gz --out " + q(d / "batches") +
                                  " --per-file " + std::to_string(perFile) + " --count " +
                                  std::to_string(count));
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  static double top1Of(const Outcome& r) {
    double top1 = -1;
    const auto at = r.out.find("top-1 ");
    if (at != std::string::npos) std::sscanf(r.out.c_str() + at, "top-1 %lf", &top1);
    return top1;
  }
};

// INT8 on the GPU scores as the CPU's INT8 engine does (issue 4: within 0.05 point on the whole
// test set; on these 1000 images, within 0.3 point), FP32 on both alike.
TEST_F(CudaFashionE2E, ScoreOnCudaMatchesCpu) {
  if (!gpuPresent()) GTEST_SKIP() << "no CUDA device: " << cudabridge::unavailableReason();
  TempDir d;
  makeBatches(d, 1500, 100);
  const std::string data = " --batches " + q(d / "batches") + " --start 5 --count 10";
  const std::string int8 = " --int8 --calib " + q(d / "batches");
  for (const std::string& precision : {std::string(""), int8}) {
    Outcome cpu = run("int8rt", "score " + caffeArgs() + " --device cpu" + precision + data);
    Outcome gpu = run("int8rt", "score " + caffeArgs() + " --device cuda" + precision + data);
    ASSERT_EQ(cpu.exitCode, 0) << cpu.err;
    ASSERT_EQ(gpu.exitCode, 0) << gpu.err;
    EXPECT_GT(top1Of(gpu), 0.85) << gpu.out;
    EXPECT_NEAR(top1Of(gpu), top1Of(cpu), precision.empty() ? 0.0011 : 0.0031)
        << "cpu: " << cpu.out << "gpu: " << gpu.out;
  }
}

TEST_F(CudaFashionE2E, SampleInt8OnTheDevice) {
  TempDir d;
  makeBatches(d, 700, 70);
  std::filesystem::copy_file(lenetDir() + "/deploy.prototxt", d / "deploy.prototxt");
  std::filesystem::copy_file(lenetDir() + "/lenet.caffemodel", d / "tiny.caffemodel");
  Outcome r = run("sample_int8", "tiny batch=20 start=10 score=20 device=cuda --datadir=" + d.path.string());
  if (!gpuPresent()) {
    // An explicit device=cuda without a GPU: the reason, before any run starts.
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_EQ(r.errLines(), 1) << r.err;
    EXPECT_EQ(r.out.find("FP32 run"), std::string::npos) << r.out;
    return;
  }
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char* p : {"FP32", "FP16", "INT8"})
    EXPECT_NE(r.out.find(std::string(p) + " run:20 batches of size 20 starting at 10\n..\nTop1: "),
              std::string::npos) << p << "\n" << r.out;
  EXPECT_EQ(r.out.find("could not be created"), std::string::npos) << r.out;
  // Default device: the GPU when one is present.
  Outcome dflt = run("sample_int8", "tiny batch=20 start=10 score=20 --datadir=" + d.path.string());
  ASSERT_EQ(dflt.exitCode, 0) << dflt.err;
  EXPECT_EQ(dflt.out.find("could not be created"), std::string::npos) << dflt.out;
}

}  // namespace
}  // namespace int8rt::e2e

// `--layout auto|nchw|nhwc` on the command line: a bad value is a usage error, NHWC on the CPU
// a one-line error that writes nothing; with a GPU, an FP16 LeNet built with --layout nhwc
// infers the reference outputs and `inspect` marks its NHWC tensors.
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
bool gpuPresent() { return cudabridge::built() && cudabridge::unavailableReason().empty(); }

TEST(LayoutCliE2E, BadLayoutIsAUsageError) {
  TempDir d;
  Outcome r = run("int8rt", "build " + onnxArgs() + " --layout hwc --output " + q(d / "x.plan"));
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_EQ(r.errLines(), 1) << r.err;
  EXPECT_NE(r.err.find("'hwc' is not auto, nchw or nhwc"), std::string::npos) << r.err;
  EXPECT_EQ(d.fileCount(), 0);
  Outcome h = run("int8rt", "build --help");
  EXPECT_NE(h.out.find("--layout auto|nchw|nhwc"), std::string::npos) << h.out;
}

TEST(LayoutCliE2E, NhwcOnTheCpuIsRefused) {
  TempDir d;
  Outcome r = run("int8rt", "build " + onnxArgs() + " --layout nhwc --output " + q(d / "x.plan"));
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_EQ(r.errLines(), 1) << r.err;
  EXPECT_NE(r.err.find("NHWC needs --device cuda"), std::string::npos) << r.err;
  EXPECT_EQ(d.fileCount(), 0);
  Outcome ok = run("int8rt", "build " + onnxArgs() + " --layout nchw --timing-iterations 0 --output " +
                                 q(d / "cpu.plan"));
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
}

TEST(LayoutCliE2E, Fp16NhwcOnTheGpu) {
  if (!gpuPresent()) GTEST_SKIP() << "no CUDA device: " << cudabridge::unavailableReason();
  TempDir d;
  Outcome b = run("int8rt", "build " + onnxArgs() + " --device cuda --fp16 --layout nhwc --output " +
                                q(d / "nhwc.plan"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  Outcome i = run("int8rt", "inspect --plan " + q(d / "nhwc.plan"));
  EXPECT_EQ(i.exitCode, 0) << i.err;
  EXPECT_NE(i.out.find(" nhwc "), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("cuda_reformat_"), std::string::npos) << i.out;
  Outcome r = run("int8rt", "infer --plan " + q(d / "nhwc.plan") + " --device cuda --input " +
                                q(lenetDir() + "/reference/input_0.pb") + " --output-dir " +
                                q(d.path.string()));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  TensorFile got = readTensorFile(d / "prob.pb");
  TensorFile want = readTensorFile(lenetDir() + "/reference/output_0.pb");
  ASSERT_EQ(got.values.size(), want.values.size());
  float m = 0;
  for (size_t k = 0; k < got.values.size(); ++k) m = std::max(m, std::fabs(got.values[k] - want.values[k]));
  EXPECT_LT(m, 5e-3f);  // as the NCHW FP16 engine (cli_cuda_test)
}

}  // namespace
}  // namespace int8rt::e2e

// End-to-end tests of the INT8 command line: build --int8 with calibration data, a cache or
// dynamic ranges; calibrate; score --compare; compare; and the errors a user can run into
// (corrupt or mismatched caches, calibration data of the wrong dims, missing data).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <regex>

#include "cli_harness.h"
#include "core/file_io.h"
#include "parsers/onnx/tensor_file.h"

namespace int8rt::e2e {
namespace {

std::string caffeArgs() {
  return "--model '" + lenetDir() + "/deploy.prototxt' --weights '" + lenetDir() + "/lenet.caffemodel'";
}
std::string referenceInput() { return lenetDir() + "/reference/input_0.pb"; }
std::string q(const std::string& path) { return "'" + path + "'"; }

// A batch file written byte by byte (CONTRACTS.md §5), for dims no real data set has.
void writeRawBatch(const std::string& path, int n, int c, int h, int w) {
  std::string bytes;
  auto put = [&](const void* p, size_t size) { bytes.append(static_cast<const char*>(p), size); };
  for (int32_t d : {n, c, h, w}) put(&d, 4);
  for (int i = 0; i < n * c * h * w + n; ++i) {
    float v = static_cast<float>(i % 7) * 0.1f;
    put(&v, 4);
  }
  writeBytes(path, bytes);
}

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Fashion-MNIST test images 0..1499 in files of 100: batch0..4 (500 images) calibrate,
// batch5..14 (1000 images) score. Made once for the suite.
class Int8E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fileExists(fashionDir() + "/t10k-images-idx3-ubyte.gz")) return;
    data_ = new TempDir;
    Outcome r = run("int8rt", "batches --images " + fashionDir() + "/t10k-images-idx3-ubyte.gz --labels " +
                              fashionDir() + "/t10k-labels-idx1-ubyte.gz --out " + q(*data_ / "batches") +
                              " --per-file 100 --count 1500");
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  void SetUp() override {
    if (!data_) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  static std::string batches() { return *data_ / "batches"; }
  // 10 calibration batches of 50 from batch 0: images 0..499.
  static std::string calib() { return "--calib " + q(batches()); }
  // A plan built with the given extra options; fails the test when the build fails.
  static Outcome build(const TempDir& d, const std::string& name, const std::string& options) {
    return run("int8rt", "build " + caffeArgs() + " --timing-iterations 0 --output " + q(d / name) +
                             " " + options);
  }
  static TensorFile inferPlan(const TempDir& d, const std::string& plan, const std::string& outDir) {
    std::filesystem::create_directories(d / outDir);
    Outcome r = run("int8rt", "infer --plan " + q(d / plan) + " --input " + q(referenceInput()) +
                                  " --output-dir " + q(d / outDir));
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return readTensorFile(d / outDir + "/prob.pb");
  }
  // A one-line error naming `what`, exit 1, no plan written.
  static void expectCleanError(const Outcome& r, const std::string& what, const TempDir& d,
                               const std::string& context) {
    EXPECT_EQ(r.exitCode, 1) << context << ": " << r.err;
    EXPECT_EQ(r.errLines(), 1) << context << ": " << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << context << ": " << r.err;
    EXPECT_FALSE(fileExists(d / "x.plan")) << context;
  }

  static TempDir* data_;
};
TempDir* Int8E2E::data_ = nullptr;

TEST_F(Int8E2E, BuildWithCalibrationThenInferAndScoreCloseToFp32) {
  TempDir d;
  Outcome b = build(d, "int8.plan", "--int8 " + calib());
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_EQ(b.err, "");
  Outcome i = run("int8rt", "inspect --plan " + q(d / "int8.plan"));
  ASSERT_EQ(i.exitCode, 0) << i.err;
  EXPECT_NE(i.out.find("EntropyCalibration2 (10 batches of 50"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find(" int8 "), std::string::npos) << i.out;

  TensorFile prob = inferPlan(d, "int8.plan", "out");
  ASSERT_EQ(prob.shape.size(), 2u);
  for (int64_t n = 0; n < prob.shape[0]; ++n) {
    float sum = 0;
    for (int64_t c = 0; c < prob.shape[1]; ++c) sum += prob.values[n * prob.shape[1] + c];
    EXPECT_NEAR(sum, 1.0f, 1e-4f) << "image " << n;
  }

  auto top1 = [](const Outcome& r) {
    double t = -1;
    EXPECT_EQ(std::sscanf(r.out.c_str(), "images 1000 top-1 %lf", &t), 1) << r.out << r.err;
    return t;
  };
  const std::string scoring = " --batches " + q(batches()) + " --batch 100 --start 5 --count 10";
  Outcome fp32 = run("int8rt", "score " + caffeArgs() + " --timing-iterations 0" + scoring);
  Outcome int8 = run("int8rt", "score --plan " + q(d / "int8.plan") + scoring);
  ASSERT_EQ(fp32.exitCode, 0) << fp32.err;
  ASSERT_EQ(int8.exitCode, 0) << int8.err;
  EXPECT_GT(top1(fp32), 0.85);
  EXPECT_NEAR(top1(int8), top1(fp32), 0.01);
}

TEST_F(Int8E2E, ScoreCompareShowsBothPrecisionsAndTheDelta) {
  Outcome r = run("int8rt", "score --compare " + caffeArgs() + " " + calib() +
                                " --timing-iterations 0 --batches " + q(batches()) +
                                " --batch 100 --start 5 --count 10");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  double f1, f5, fms, fips, i1, i5, ims, iips, d1;
  const char* fp32 = std::strstr(r.out.c_str(), "\nFP32 ");
  const char* int8 = std::strstr(r.out.c_str(), "\nINT8 ");
  const char* delta = std::strstr(r.out.c_str(), "\nINT8-FP32 ");
  ASSERT_TRUE(fp32 && int8 && delta) << r.out;
  ASSERT_EQ(std::sscanf(fp32, "\nFP32 %lf %lf %lf %lf", &f1, &f5, &fms, &fips), 4) << r.out;
  ASSERT_EQ(std::sscanf(int8, "\nINT8 %lf %lf %lf %lf", &i1, &i5, &ims, &iips), 4) << r.out;
  ASSERT_EQ(std::sscanf(delta, "\nINT8-FP32 %lf", &d1), 1) << r.out;
  EXPECT_NE(r.out.find("images 1000"), std::string::npos) << r.out;
  EXPECT_GT(f1, 0.85);
  EXPECT_NEAR(i1, f1, 0.01);
  EXPECT_NEAR(d1, i1 - f1, 1e-4);
  EXPECT_GT(fms, 0);
  EXPECT_GT(ims, 0);
}

TEST_F(Int8E2E, CalibrateWritesTheCacheACacheOnlyBuildReproduces) {
  TempDir d;
  Outcome c = run("int8rt", "calibrate " + caffeArgs() + " " + calib() + " --output " + q(d / "lenet.cache"));
  ASSERT_EQ(c.exitCode, 0) << c.err;
  const std::string cache = slurp(d / "lenet.cache");
  EXPECT_TRUE(std::regex_match(firstLine(cache), std::regex("TRT-[0-9]+-EntropyCalibration2")))
      << cache;
  EXPECT_NE(cache.find("\ndata: "), std::string::npos) << cache;
  // The report: a progress bar, then a table with every cached tensor and the time.
  EXPECT_NE(c.err.find("10/10 batches"), std::string::npos) << c.err;
  EXPECT_NE(c.out.find("bins kept"), std::string::npos) << c.out;
  std::istringstream lines(cache);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    const std::string name = line.substr(0, line.rfind(": "));
    const std::string hex = line.substr(line.rfind(": ") + 2);
    EXPECT_TRUE(std::regex_search(c.out, std::regex("\n" + name + " +[0-9.e+-]+ +" + hex + "( |\n)")))
        << name << " " << hex << "\n" << c.out;
  }
  EXPECT_NE(c.out.find(" s; wrote "), std::string::npos) << c.out;

  ASSERT_EQ(build(d, "calib.plan", "--int8 " + calib()).exitCode, 0);
  Outcome b = build(d, "cache.plan", "--int8 --calib-cache " + q(d / "lenet.cache"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_EQ(b.err, "");
  EXPECT_EQ(slurp(d / "lenet.cache"), cache);  // read, not rewritten
  Outcome i = run("int8rt", "inspect --plan " + q(d / "cache.plan"));
  EXPECT_NE(i.out.find("(from " + (d / "lenet.cache") + ")"), std::string::npos) << i.out;
  TensorFile a = inferPlan(d, "calib.plan", "a");
  TensorFile bOut = inferPlan(d, "cache.plan", "b");
  EXPECT_EQ(a.shape, bOut.shape);
  EXPECT_EQ(a.values, bOut.values);
}

TEST_F(Int8E2E, CalibCacheIsWrittenAfterCalibratingAndThenReused) {
  TempDir d;
  ASSERT_EQ(build(d, "a.plan", "--int8 " + calib() + " --calib-cache " + q(d / "c.cache")).exitCode, 0);
  ASSERT_TRUE(fileExists(d / "c.cache"));
  // Calibration data that would give other scales: the cache wins.
  Outcome b = build(d, "b.plan", "--int8 " + calib() + " --calib-first 3 --calib-batches 2 --calib-cache " +
                                     q(d / "c.cache"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_EQ(inferPlan(d, "a.plan", "a").values, inferPlan(d, "b.plan", "b").values);
}

TEST_F(Int8E2E, MismatchedAlgorithmCacheRecalibratesWithAWarning) {
  TempDir d;
  ASSERT_EQ(run("int8rt", "calibrate " + caffeArgs() + " " + calib() + " --calib-algo minmax --output " +
                              q(d / "c.cache")).exitCode, 0);
  EXPECT_EQ(firstLine(slurp(d / "c.cache")).substr(firstLine(slurp(d / "c.cache")).rfind('-')),
            "-MinMaxCalibration");
  Outcome b = build(d, "x.plan", "--int8 " + calib() + " --calib-cache " + q(d / "c.cache"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_NE(b.err.find("warning"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("MinMaxCalibration"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("recalibrating"), std::string::npos) << b.err;
  EXPECT_TRUE(std::regex_match(firstLine(slurp(d / "c.cache")),
                               std::regex("TRT-[0-9]+-EntropyCalibration2")));
}

TEST_F(Int8E2E, CacheOnlyBuildWithAnotherAlgorithmIsAClearError) {
  TempDir d;
  ASSERT_EQ(run("int8rt", "calibrate " + caffeArgs() + " " + calib() + " --output " + q(d / "c.cache")).exitCode, 0);
  Outcome r = build(d, "x.plan", "--int8 --calib-cache " + q(d / "c.cache") + " --calib-algo minmax");
  expectCleanError(r, d / "c.cache", d, "other algorithm");
  EXPECT_NE(r.err.find("--calib"), std::string::npos) << r.err;
  r = build(d, "x.plan", "--int8 --calib-cache " + q(d / "missing.cache"));
  expectCleanError(r, d / "missing.cache", d, "missing cache");
  EXPECT_NE(r.err.find("--calib"), std::string::npos) << r.err;
}

TEST_F(Int8E2E, CorruptCachesAreOneLineErrorsNamingTheFile) {
  TempDir d;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad header", "TRT-x-EntropyCalibration2\ndata: 3c000889\n"},
      {"not a cache", "hello world\n"},
      {"header only", "TRT-100-EntropyCalibration2\n"},
      {"non-hex", "TRT-100-EntropyCalibration2\ndata: 3c00zz89\n"},
      {"NaN", "TRT-100-EntropyCalibration2\ndata: 7fc00000\n"},
      {"negative", "TRT-100-EntropyCalibration2\ndata: bf800000\n"},
      {"duplicate", "TRT-100-EntropyCalibration2\ndata: 3c000889\ndata: 3c000889\n"},
      {"no separator", "TRT-100-EntropyCalibration2\ndata 3c000889\n"},
  };
  for (const auto& [what, text] : cases) {
    writeBytes(d / "bad.cache", text);
    expectCleanError(build(d, "x.plan", "--int8 --calib-cache " + q(d / "bad.cache")), d / "bad.cache",
                     d, what);
    // With calibration data too: a corrupt cache is an error, not a reason to recalibrate.
    expectCleanError(build(d, "x.plan", "--int8 " + calib() + " --calib-cache " + q(d / "bad.cache")),
                     d / "bad.cache", d, what + " with --calib");
    EXPECT_EQ(slurp(d / "bad.cache"), text) << what;  // left as it was
  }
  // An empty file is no cache (TensorRT's calibrators hand back length 0 to ask for a
  // calibration): an error without data, a calibration with it.
  writeBytes(d / "bad.cache", "");
  expectCleanError(build(d, "x.plan", "--int8 --calib-cache " + q(d / "bad.cache")), d / "bad.cache",
                   d, "empty");
  Outcome r = build(d, "x.plan", "--int8 " + calib() + " --calib-cache " + q(d / "bad.cache"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::regex_match(firstLine(slurp(d / "bad.cache")),
                               std::regex("TRT-[0-9]+-EntropyCalibration2")));
}

TEST_F(Int8E2E, CalibrationDataOfOtherDimsIsAClearError) {
  TempDir d;
  std::filesystem::create_directories(d / "small");
  writeRawBatch(d / "small/batch0", 100, 1, 20, 20);
  expectCleanError(build(d, "x.plan", "--int8 --calib " + q(d / "small")), d / "small", d, "build");
  Outcome r = build(d, "x.plan", "--int8 --calib " + q(d / "small"));
  EXPECT_NE(r.err.find("1x20x20"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1x28x28"), std::string::npos) << r.err;
  r = run("int8rt", "calibrate " + caffeArgs() + " --calib " + q(d / "small") + " --output " + q(d / "c.cache"));
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_EQ(r.errLines(), 1) << r.err;
  EXPECT_NE(r.err.find("1x20x20"), std::string::npos) << r.err;
  EXPECT_FALSE(fileExists(d / "c.cache"));
}

TEST_F(Int8E2E, EmptyOrTooSmallCalibrationDirIsAnError) {
  TempDir d;
  std::filesystem::create_directories(d / "empty");
  expectCleanError(build(d, "x.plan", "--int8 --calib " + q(d / "empty")), d / "empty", d, "empty");
  expectCleanError(build(d, "x.plan", "--int8 --calib " + q(d / "nothere")), d / "nothere", d, "missing");
  // 1500 images hold no batch of 50 after skipping 30 batches.
  expectCleanError(build(d, "x.plan", "--int8 " + calib() + " --calib-first 30"), batches(), d, "skipped");
  Outcome r = run("int8rt", "calibrate " + caffeArgs() + " --calib " + q(d / "empty") + " --output " +
                                q(d / "c.cache"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.errLines(), 1) << r.err;
  EXPECT_FALSE(fileExists(d / "c.cache"));
}

TEST_F(Int8E2E, CompareShowsARowPerLayerAndTheTop1OfBoth) {
  Outcome r = run("int8rt", "compare " + caffeArgs() + " " + calib() + " --timing-iterations 0 --batches " +
                                q(batches()) + " --start 5 --count 3");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // Every tensor after fusion, in network order, with the worst one marked.
  size_t at = r.out.find("SQNR dB");
  ASSERT_NE(at, std::string::npos) << r.out;
  for (const char* t : {"\nconv1 ", "\npool1 ", "\nconv2 ", "\npool2 ", "\nip1 ", "\nip2 ", "\nprob "}) {
    size_t next = r.out.find(t, at);
    EXPECT_NE(next, std::string::npos) << t << "\n" << r.out;
    if (next != std::string::npos) at = next;
  }
  EXPECT_EQ(r.out.find("\ndata "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<- worst"), std::string::npos) << r.out;
  double f = 0, i = 0;
  const char* last = std::strstr(r.out.c_str(), "top-1 on 300 images: ");
  ASSERT_NE(last, nullptr) << r.out;
  ASSERT_EQ(std::sscanf(last, "top-1 on 300 images: FP32 %lf INT8 %lf", &f, &i), 2) << r.out;
  EXPECT_GT(f, 0.8);
  EXPECT_NEAR(i, f, 0.03);
}

TEST_F(Int8E2E, LayerPrecisionForcesALayerToFp32) {
  TempDir d;
  ASSERT_EQ(build(d, "p.plan", "--int8 " + calib() + " --layer-precision ip1=fp32").exitCode, 0);
  Outcome i = run("int8rt", "inspect --plan " + q(d / "p.plan"));
  ASSERT_EQ(i.exitCode, 0) << i.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(i.out, m, std::regex("\n +[0-9]+ +ip1 +[A-Za-z]+ +([a-z0-9]+) ")))
      << i.out;
  EXPECT_EQ(m[1], "fp32") << i.out;
  ASSERT_TRUE(std::regex_search(i.out, m, std::regex("\n +[0-9]+ +conv2 +[A-Za-z]+ +([a-z0-9]+) ")))
      << i.out;
  EXPECT_EQ(m[1], "int8") << i.out;

  Outcome r = build(d, "x.plan", "--int8 " + calib() + " --layer-precision nosuchlayer=fp32");
  expectCleanError(r, "nosuchlayer", d, "unknown layer");
}

TEST_F(Int8E2E, DynamicRangeFileSetsRangesAndWarnsOnUnknownNames) {
  TempDir d;
  writeBytes(d / "ranges.txt", "data:1\nconv1:8\npool1:8\nconv2:16\npool2:16\nip1:16\nnosuch:3\n");
  Outcome b = build(d, "r.plan", "--int8 --dynamic-range " + q(d / "ranges.txt"));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_NE(b.err.find("warning"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("nosuch"), std::string::npos) << b.err;
  Outcome i = run("int8rt", "inspect --plan " + q(d / "r.plan"));
  EXPECT_NE(i.out.find("user dynamic ranges"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find(" int8 "), std::string::npos) << i.out;

  writeBytes(d / "bad.txt", "data:-1\n");
  expectCleanError(build(d, "x.plan", "--int8 --dynamic-range " + q(d / "bad.txt")), d / "bad.txt", d,
                   "negative range");
}

// ---- option misuse: usage errors (exit 2), nothing written ----

TEST(Int8CliE2E, Int8OptionMisuseIsAUsageError) {
  TempDir d;
  const std::string base = "build " + caffeArgs() + " --output " + q(d / "x.plan") + " ";
  for (const char* opts : {"--int8", "--calib /tmp", "--calib-cache x.cache", "--dynamic-range r.txt",
                           "--int8 --calib /tmp --calib-algo bogus",
                           "--int8 --calib /tmp --quantile 0.9",
                           "--int8 --calib /tmp --calib-algo legacy --percentile 99",
                           "--int8 --calib /tmp --calib-algo legacy --quantile 0",
                           "--int8 --calib-cache x.cache --calib-batch 10",
                           "--int8 --dynamic-range r.txt --calib-algo minmax",
                           "--int8 --calib /tmp --calib-batch 0"}) {
    Outcome r = run("int8rt", base + opts);
    EXPECT_EQ(r.exitCode, 2) << opts << ": " << r.err;
    EXPECT_EQ(r.errLines(), 1) << opts << ": " << r.err;
  }
  Outcome r = run("int8rt", "calibrate " + caffeArgs() + " --calib /tmp");
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;
  r = run("int8rt", "compare " + caffeArgs() + " --batches /tmp");
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_EQ(d.fileCount(), 0);
}

TEST(Int8CliE2E, HelpForTheInt8Commands) {
  for (const char* c : {"calibrate", "compare"}) {
    Outcome r = run("int8rt", std::string(c) + " --help");
    EXPECT_EQ(r.exitCode, 0) << c;
    EXPECT_NE(r.out.find("usage: int8rt " + std::string(c)), std::string::npos) << c;
    EXPECT_NE(r.out.find("--calib-algo"), std::string::npos) << c;
  }
  Outcome r = run("int8rt", "--help");
  for (const char* c : {"calibrate", "compare"}) EXPECT_NE(r.out.find(c), std::string::npos) << c;
  r = run("int8rt", "build --help");
  for (const char* o : {"--calib ", "--calib-cache", "--dynamic-range", "--calib-batches", "--percentile"})
    EXPECT_NE(r.out.find(o), std::string::npos) << o;
}

}  // namespace
}  // namespace int8rt::e2e

// End-to-end tests of sample_int8's `legacy` and `search` on the committed LeNet and the first
// Fashion-MNIST test images (CONTRACTS.md §3, §4 legacy cache, §6 output).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <regex>
#include <vector>

#include "cli_harness.h"
#include "core/file_io.h"

namespace int8rt::e2e {
namespace {

class SampleLegacyE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fileExists(fashionDir() + "/t10k-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    std::filesystem::create_directories(dir / "batches");
    // 1000 images in files of 100, scaled as the model was trained: calibration uses 0..499.
    Outcome r = run("int8rt", "batches --images " + fashionDir() + "/t10k-images-idx3-ubyte.gz --labels " +
                              fashionDir() + "/t10k-labels-idx1-ubyte.gz --out '" + (dir / "batches") +
                              "' --per-file 100 --count 1000 --scale 0.00390625 --mean 0");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::filesystem::copy_file(lenetDir() + "/deploy.prototxt", dir / "deploy.prototxt");
    std::filesystem::copy_file(lenetDir() + "/lenet.caffemodel", dir / "tiny.caffemodel");
  }
  Outcome sample(const std::string& args) {
    return run("sample_int8", "tiny " + args + " --datadir=" + dir.path.string());
  }
  std::vector<std::string> cacheLines() {
    std::vector<std::string> lines;
    std::istringstream in(slurp(dir / "CalibrationTabletiny"));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  TempDir dir;
};

std::string hexOfDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
  return buf;
}

struct SearchLine {
  double cutoff, quantile, index, top1;
  long correct, images;
};

std::vector<SearchLine> searchLines(const std::string& out) {
  std::vector<SearchLine> lines;
  std::regex re(R"(search: cutoff ([0-9.]+), quantile ([0-9.e-]+) \(index ([0-9.]+)\): top1 ([0-9.]+) \((\d+)/(\d+)\))");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it)
    lines.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]),
                     std::stod((*it)[4]), std::stol((*it)[5]), std::stol((*it)[6])});
  return lines;
}

TEST_F(SampleLegacyE2E, LegacyWritesALegacyCache) {
  Outcome r = sample("batch=100 start=5 score=3 legacy");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("INT8 run:3 batches of size 100 starting at 5\n\nTop1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Processing 300 images averaged "), std::string::npos) << r.out;
  std::vector<std::string> lines = cacheLines();
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "0");
  // The sample's legacy defaults: cutoff 1, quantile 0.999999, as the doubles' bits.
  EXPECT_EQ(lines[1], hexOfDouble(1.0) + hexOfDouble(0.999999));
  EXPECT_EQ(lines[2].rfind("data: ", 0), 0u) << lines[2];
  for (size_t i = 2; i < lines.size(); ++i)
    EXPECT_TRUE(std::regex_match(lines[i], std::regex(".+: [0-9a-f]{1,8}"))) << lines[i];
}

TEST_F(SampleLegacyE2E, SearchPrintsItsGridAndRunsInt8WithTheBest) {
  // Validation: images 500..799 (6 batches of 50), scoring 800..999.
  Outcome r = sample("batch=100 start=8 score=2 search");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("validation images 500..799 (6 batches of 50)"), std::string::npos) << r.out;
  std::vector<SearchLine> points = searchLines(r.out);
  ASSERT_GE(points.size(), 7u + 49u) << r.out;
  for (int i = 0; i < 7; ++i) {  // cutoff 1 with index 2..8 first
    EXPECT_EQ(points[i].cutoff, 1.0);
    EXPECT_EQ(points[i].index, 2.0 + i);
    EXPECT_NEAR(points[i].quantile, 1 - std::pow(10.0, -points[i].index), 1e-9);
    EXPECT_EQ(points[i].images, 300);
  }
  for (int i = 7; i < 56; ++i) {  // then 0.40..0.70 x 2..8
    EXPECT_NEAR(points[i].cutoff, 0.40 + 0.05 * ((i - 7) / 7), 1e-9);
    EXPECT_EQ(points[i].index, 2.0 + (i - 7) % 7);
  }
  // Strict improvements only: the best is the first point reaching the highest score.
  size_t first = 0;
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i].correct > points[first].correct) first = i;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(
      R"(Best search value: cutoff ([0-9.]+), quantile ([0-9.e-]+) \(index ([0-9.]+)\), validation top1 ([0-9.]+))")))
      << r.out;
  EXPECT_EQ(std::stod(m[1]), points[first].cutoff);
  EXPECT_EQ(std::stod(m[3]), points[first].index);
  // Refinement points stay within +-0.04 and +-0.5 of the best of the first two phases.
  for (size_t i = 56; i < points.size(); ++i) {
    EXPECT_LE(points[i].cutoff, 1.0);
    EXPECT_GT(points[i].index, 0.0);
  }
  // The INT8 run follows the search, and its legacy cache records the best point.
  size_t best = r.out.find("Best search value");
  EXPECT_NE(r.out.find("INT8 run:2 batches of size 100 starting at 8\n\nTop1: ", best), std::string::npos)
      << r.out;
  std::vector<std::string> lines = cacheLines();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "0");
  EXPECT_EQ(lines[1].substr(0, 16), hexOfDouble(points[first].cutoff)) << lines[1];
}

TEST_F(SampleLegacyE2E, SearchPointMatchesAFullLegacyCalibration) {
  // The search computes caches from statistics collected once; a real legacy calibration with
  // the same parameters must score the same images identically (legacy scores 500..799 here).
  Outcome s = sample("batch=100 start=8 score=2 search");
  ASSERT_EQ(s.exitCode, 0) << s.err;
  Outcome l = sample("batch=100 start=5 score=3 legacy");
  ASSERT_EQ(l.exitCode, 0) << l.err;
  long searched = -1;
  for (const SearchLine& p : searchLines(s.out))
    if (p.cutoff == 1.0 && p.index == 6.0) searched = p.correct;
  ASSERT_GE(searched, 0) << s.out;
  size_t int8 = l.out.find("INT8 run:");
  std::smatch m;
  std::string tail = l.out.substr(int8);
  ASSERT_TRUE(std::regex_search(tail, m, std::regex(R"(Top1: ([0-9.e-]+))"))) << l.out;
  EXPECT_EQ(std::lround(std::stod(m[1]) * 300), searched);
}

TEST_F(SampleLegacyE2E, SearchWithoutValidationImagesFailsBeforeRunning) {
  Outcome r = sample("batch=100 start=5 score=2 search");  // scoring starts right after calibration
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("start="), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("FP32 run:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace int8rt::e2e

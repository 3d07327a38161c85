// calibrateNetwork (the builder's calibration step on its own) and the cache-only calibrator.
#include <gtest/gtest.h>

#include "builder/calibrate_network.h"
#include "core/file_io.h"
#include "int8rt/builder.h"
#include "int8_test_net.h"
#include "quant/cache_only_calibrator.h"
#include "quant/calibration_cache.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

using int8net::MemoryCalibrator;

const TensorCalibration* find(const CalibrationReport& r, const std::string& name) {
  for (const auto& t : r.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

TEST(CalibrateNetwork, ReportsScalesBinsProgressAndTheCache) {
  auto net = int8net::smallNet();
  MemoryCalibrator cal(int8net::randomBatches(4, 8, 7), 8);
  std::vector<int> progress;
  CalibrateOptions options;
  options.progress = [&](int done) { progress.push_back(done); };
  options.reportBins = true;
  auto r = calibrateNetwork(*net, cal, options);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE(r->fromCache);
  EXPECT_EQ(r->batches, 4);
  EXPECT_EQ(r->batchSize, 8);
  EXPECT_EQ(progress, (std::vector<int>{1, 2, 3, 4}));
  std::vector<std::string> names;
  for (const auto& t : r->tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"data", "conv1", "relu1", "pool1", "ip1", "prob"}));
  for (const auto& t : r->tensors) {
    EXPECT_GT(t.amax, 0.f) << t.name;
    EXPECT_EQ(t.scale, t.amax / 127.0f) << t.name;
  }
  // Max pooling shares its input's scale: no search of its own to report.
  EXPECT_EQ(find(*r, "pool1")->amax, find(*r, "relu1")->amax);
  EXPECT_EQ(find(*r, "pool1")->bins, -1);
  for (const char* own : {"data", "conv1", "relu1", "ip1", "prob"}) {
    EXPECT_GE(find(*r, own)->bins, 128) << own;
    EXPECT_LE(find(*r, own)->bins, 2048) << own;
  }
  // The cache text is what the calibrator received, and it holds the reported scales.
  EXPECT_EQ(cal.writes, 1);
  EXPECT_EQ(r->cache, cal.cache);
  CalibrationTable table = parseCalibrationTable(r->cache, "cache");
  EXPECT_EQ(table.algorithm, "EntropyCalibration2");
  ASSERT_EQ(table.scales.size(), r->tensors.size());
  for (size_t i = 0; i < table.scales.size(); ++i) {
    EXPECT_EQ(table.scales[i].first, r->tensors[i].name);
    EXPECT_EQ(table.scales[i].second, r->tensors[i].scale);
  }

  // Again: the cache is used, same scales, nothing written, no batches pulled.
  const int served = cal.served;
  auto again = calibrateNetwork(*net, cal, options);
  ASSERT_TRUE(again.isOk()) << again.status().message();
  EXPECT_TRUE(again->fromCache);
  EXPECT_TRUE(again->cache.empty());
  EXPECT_EQ(cal.served, served);
  EXPECT_EQ(cal.writes, 1);
  ASSERT_EQ(again->tensors.size(), r->tensors.size());
  for (size_t i = 0; i < r->tensors.size(); ++i) EXPECT_EQ(again->tensors[i].amax, r->tensors[i].amax);
}

TEST(CalibrateNetwork, AnInt8BuildUsesTheSameScales) {
  if (!platformHasFastInt8()) GTEST_SKIP() << "no fast INT8 on this CPU";
  auto net = int8net::smallNet();
  MemoryCalibrator cal(int8net::randomBatches(3, 8, 9), 8);
  ASSERT_TRUE(calibrateNetwork(*net, cal, {}).isOk());
  const int served = cal.served;
  BuilderConfig config;
  config.int8 = true;
  config.calibrator = &cal;
  config.maxBatchSize = 8;
  config.timingIterations = 0;
  auto plan = buildSerializedNetwork(*net, config);
  ASSERT_TRUE(plan.isOk()) << plan.status().message();
  EXPECT_EQ(cal.served, served);  // the build read the cache calibrateNetwork left
  EXPECT_EQ(cal.writes, 1);
}

TEST(CalibrateNetwork, ErrorsComeBackAsStatus) {
  auto net = int8net::smallNet();
  MemoryCalibrator none({}, 8);
  auto r = calibrateNetwork(*net, none, {});
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("no batches"), std::string::npos) << r.status().message();
}

class CacheOnly : public ::testing::Test {
 protected:
  quanttest::Scratch dir;
  std::string goodCache() {
    auto net = int8net::smallNet();
    MemoryCalibrator cal(int8net::randomBatches(2, 4, 3), 4);
    auto r = calibrateNetwork(*net, cal, {});
    EXPECT_TRUE(r.isOk());
    return r->cache;
  }
  CacheOnlyCalibrator make(const std::string& path, CalibrationAlgo algo) {
    CacheOnlyCalibrator::Options o;
    o.cachePath = path;
    o.algo = algo;
    o.needDataHint = "give data";
    return CacheOnlyCalibrator(o);
  }
  std::string errorOf(CacheOnlyCalibrator& cal) {
    auto net = int8net::smallNet();
    auto r = calibrateNetwork(*net, cal, {});
    EXPECT_FALSE(r.isOk());
    return r.isOk() ? "" : r.status().message();
  }
};

TEST_F(CacheOnly, UsesAValidCache) {
  const std::string path = dir.file("cache");
  writeFileAtomic(path, goodCache());
  auto cal = make(path, CalibrationAlgo::kENTROPY_CALIBRATION_2);
  auto net = int8net::smallNet();
  auto r = calibrateNetwork(*net, cal, {});
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_TRUE(r->fromCache);
  EXPECT_EQ(r->tensors.size(), 6u);
}

TEST_F(CacheOnly, MissingCacheNeedsData) {
  auto cal = make(dir.file("nope"), CalibrationAlgo::kENTROPY_CALIBRATION_2);
  std::string m = errorOf(cal);
  EXPECT_NE(m.find(dir.file("nope")), std::string::npos) << m;
  EXPECT_NE(m.find("not found"), std::string::npos) << m;
  EXPECT_NE(m.find("give data"), std::string::npos) << m;
}

TEST_F(CacheOnly, OtherAlgorithmNeedsData) {
  const std::string path = dir.file("cache");
  writeFileAtomic(path, goodCache());
  auto cal = make(path, CalibrationAlgo::kMINMAX_CALIBRATION);
  std::string m = errorOf(cal);
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("EntropyCalibration2"), std::string::npos) << m;
  EXPECT_NE(m.find("give data"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST_F(CacheOnly, MalformedCacheNamesFileAndLine) {
  const std::string path = dir.file("cache");
  writeFileAtomic(path, "TRT-100-EntropyCalibration2\ndata: xyz\n");
  auto cal = make(path, CalibrationAlgo::kENTROPY_CALIBRATION_2);
  std::string m = errorOf(cal);
  EXPECT_NE(m.find(path + ":2"), std::string::npos) << m;
}

}  // namespace
}  // namespace int8rt

// Calibration cache files (CONTRACTS.md §4) and the dynamic-range text format: exact output,
// every accepted header, and adversarial files that must fail with file and line, never crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "core/error.h"
#include "quant/calibration_cache.h"
#include "quant/dynamic_range_file.h"
#include "quant_test_util.h"

namespace int8rt {
namespace {

using quanttest::floatOf;

// The message of the Error that parsing `text` throws ("" when it parses).
std::string parseError(const std::string& text) {
  try {
    parseCalibrationTable(text, "CalibrationTablemnist");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CalibCache, HexFormatting) {
  EXPECT_EQ(scaleToHex(floatOf(0x3c000889)), "3c000889");
  EXPECT_NEAR(floatOf(0x3c000889), 0.0078145f, 1e-7f);
  EXPECT_EQ(scaleToHex(0.f), "0");
  EXPECT_EQ(scaleToHex(floatOf(0x00000001)), "1");  // no zero padding
  EXPECT_EQ(*scaleFromHex("3c000889"), floatOf(0x3c000889));
  EXPECT_EQ(*scaleFromHex("3C000889"), floatOf(0x3c000889));  // read either case
  EXPECT_EQ(*scaleFromHex("0"), 0.f);
  std::string why;
  EXPECT_FALSE(scaleFromHex("7fc00000", &why));  // NaN
  EXPECT_NE(why.find("NaN"), std::string::npos);
  EXPECT_FALSE(scaleFromHex("7f800000", &why));  // Inf
  EXPECT_FALSE(scaleFromHex("bc000889", &why));  // negative
  EXPECT_NE(why.find("negative"), std::string::npos);
  EXPECT_FALSE(scaleFromHex("123456789"));       // 9 digits
  EXPECT_FALSE(scaleFromHex("0x3c00"));
  EXPECT_FALSE(scaleFromHex(""));
}

TEST(CalibCache, WritesHeaderAndLinesInGivenOrder) {
  CacheKey key;  // EntropyCalibration2
  CalibrationTable t = makeCalibrationTable(key);
  t.scales = {{"data", floatOf(0x3c000889)}, {"conv1", 0.f}, {"prob", floatOf(0x3c010a14)}};
  EXPECT_EQ(writeCalibrationTable(t), "TRT-" + std::to_string(cacheVersion()) +
                                          "-EntropyCalibration2\ndata: 3c000889\nconv1: 0\n"
                                          "prob: 3c010a14\n");
  EXPECT_EQ(cacheVersion(), 100);  // project version 0.1.0
  t.scales.push_back({"bad\nname", 1.f});
  EXPECT_THROW(writeCalibrationTable(t), Error);
}

TEST(CalibCache, ReadsTensorRTFilesWithAVersionWarning) {
  const std::string text =
      "TRT-8601-EntropyCalibration2\ndata: 3c000889\n(Unnamed Layer* 3) [Convolution]_output: "
      "3d0f1e2a\nnet/conv1:0 [x*y]: 3c010a14\nzero: 0\n";
  std::vector<std::string> warnings;
  const CalibrationTable t = parseCalibrationTable(text, "cache", &warnings);
  EXPECT_EQ(t.format, CacheFormat::kTRT);
  EXPECT_EQ(t.version, 8601);
  EXPECT_EQ(t.algorithm, "EntropyCalibration2");
  ASSERT_EQ(t.scales.size(), 4u);
  EXPECT_EQ(t.scales[1].first, "(Unnamed Layer* 3) [Convolution]_output");
  EXPECT_EQ(t.scales[2].first, "net/conv1:0 [x*y]");  // split at the last ": "
  EXPECT_EQ(*t.find("zero"), 0.f);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("8601"), std::string::npos);
  // Same version: no warning. Round trip is byte-exact.
  CalibrationTable same = t;
  same.version = cacheVersion();
  warnings.clear();
  const std::string written = writeCalibrationTable(same);
  const CalibrationTable back = parseCalibrationTable(written, "cache", &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(writeCalibrationTable(back), written);
}

TEST(CalibCache, NamesEndingInColonSpaceSplitAtTheLastSeparator) {
  const CalibrationTable t = parseCalibrationTable("TRT-1-MinMaxCalibration\na: b: 3c000889\n", "c");
  ASSERT_EQ(t.scales.size(), 1u);
  EXPECT_EQ(t.scales[0].first, "a: b");
}

TEST(CalibCache, ToleratesCrlfBlankLinesAndTrailingBlanks) {
  const CalibrationTable t =
      parseCalibrationTable("TRT-8601-EntropyCalibration2\r\ndata: 3c000889\r\n\r\nprob: 3c010a14  \r\n",
                            "c");
  ASSERT_EQ(t.scales.size(), 2u);
  EXPECT_EQ(t.scales[1].first, "prob");
  EXPECT_EQ(t.scales[1].second, floatOf(0x3c010a14));
  // No final newline is fine too.
  EXPECT_EQ(parseCalibrationTable("TRT-8601-EntropyCalibration2\ndata: 3c000889", "c").scales.size(),
            1u);
}

TEST(CalibCache, ReadsTheOlderHeaders) {
  const CalibrationTable v1 = parseCalibrationTable("1\ndata: 3c000889\n", "c");
  EXPECT_EQ(v1.format, CacheFormat::kEntropyV1);
  EXPECT_EQ(v1.algorithm, "EntropyCalibration");
  // Legacy: cutoff 0.6 = 3fe3333333333333, quantile 0.999999 = 3feffffde7210be9, in each of
  // the layouts the reader accepts.
  for (const std::string params : {"3fe33333333333333feffffde7210be9\n",
                                   "3fe3333333333333 3feffffde7210be9\n",
                                   "3fe3333333333333\n3feffffde7210be9\n"}) {
    const CalibrationTable t = parseCalibrationTable("0\n" + params + "data: 3c008102\n", "c");
    EXPECT_EQ(t.format, CacheFormat::kLegacy);
    EXPECT_EQ(t.cutoff, 0.6);
    EXPECT_EQ(t.quantile, 0.999999);
    ASSERT_EQ(t.scales.size(), 1u) << params;
  }
  CacheKey legacy;
  legacy.algo = CalibrationAlgo::kLEGACY_CALIBRATION;
  legacy.cutoff = 0.6;
  legacy.quantile = 0.999999;
  CalibrationTable t = makeCalibrationTable(legacy);
  t.scales = {{"data", floatOf(0x3c008102)}};
  EXPECT_EQ(writeCalibrationTable(t), "0\n3fe33333333333333feffffde7210be9\ndata: 3c008102\n");
  EXPECT_FALSE(cacheMismatch(parseCalibrationTable(writeCalibrationTable(t), "c"), legacy));
  legacy.quantile = 0.99999;
  EXPECT_TRUE(cacheMismatch(t, legacy));  // other parameters: recalibrate
}

TEST(CalibCache, AlgorithmMismatchIsReportedNotAnError) {
  const CalibrationTable t = parseCalibrationTable("TRT-8601-EntropyCalibration2\nd: 1\n", "c");
  CacheKey key;
  EXPECT_FALSE(cacheMismatch(t, key));
  key.algo = CalibrationAlgo::kMINMAX_CALIBRATION;
  const auto why = cacheMismatch(t, key);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("MinMaxCalibration"), std::string::npos);
  // An algorithm int8rt does not know parses, and matches nothing.
  const CalibrationTable odd = parseCalibrationTable("TRT-9000-FancyCalibration\nd: 1\n", "c");
  EXPECT_EQ(odd.algorithm, "FancyCalibration");
  EXPECT_TRUE(cacheMismatch(odd, CacheKey{}));
  // Percentile caches carry their percentile.
  CacheKey p;
  p.algo = CalibrationAlgo::kPERCENTILE;
  p.percentile = 99.9;
  EXPECT_EQ(cacheAlgorithmName(p), "PercentileCalibration_99.9");
  CalibrationTable pt = makeCalibrationTable(p);
  p.percentile = 99.99;
  EXPECT_TRUE(cacheMismatch(pt, p));
}

TEST(CalibCache, AdversarialFilesFailWithFileAndLine) {
  struct Case {
    std::string text;
    std::string expect;  // a fragment of the message
  };
  const std::vector<Case> cases = {
      {"", "is empty"},
      {"\n\r\n  \n", "is empty"},
      {"TRT-8601-EntropyCalibration2\n", "no scales"},
      {"TRT-8601-EntropyCalibration2\r\n\r\n", "no scales"},
      {"TRT-x-EntropyCalibration2\nd: 1\n", "CalibrationTablemnist:1: malformed header"},
      {"TRT-8601\nd: 1\n", ":1: malformed header"},
      {"TRT--EntropyCalibration2\nd: 1\n", ":1: malformed header"},
      {"TRT-99999999999999999999999-E\nd: 1\n", ":1: malformed header"},
      {"TRT-8601-\nd: 1\n", "names no algorithm"},
      {"hello\nd: 1\n", ":1: unrecognised calibration cache header 'hello'"},
      {"TRT-8601-EntropyCalibration2\ndata 3c000889\n", ":2: expected '<tensor name>: <hex>'"},
      {"TRT-8601-EntropyCalibration2\ndata:3c000889\n", ":2: expected"},
      {"TRT-8601-EntropyCalibration2\n: 3c000889\n", ":2: empty tensor name"},
      {"TRT-8601-EntropyCalibration2\ndata: 3c00088z\n", ":2: tensor 'data': expected 1 to 8 hex"},
      {"TRT-8601-EntropyCalibration2\ndata: \n", ":2: tensor 'data': expected 1 to 8 hex"},
      {"TRT-8601-EntropyCalibration2\na: 1\ndata: 7fc00000\n", ":3: tensor 'data': scale 7fc00000 is NaN"},
      {"TRT-8601-EntropyCalibration2\ndata: 7f800000\n", "is infinite"},
      {"TRT-8601-EntropyCalibration2\ndata: bf800000\n", "is negative"},
      {"TRT-8601-EntropyCalibration2\ndata: 1\nx: 2\ndata: 3\n",
       ":4: duplicate tensor 'data' (first on line 2)"},
      {"0\nd: 1\n", ":2: legacy cache: expected the cutoff and quantile"},
      {"0\n3fe3333333333333\n", ":2: legacy cache"},
      {"0\n7ff80000000000003feffffde7210be9\nd: 1\n", "cutoff must be in [0, 1]"},
      {"0\n3fe33333333333330000000000000000\nd: 1\n", "quantile must be in (0, 1]"},
      {std::string("TRT-8601-E\nd\0x: 1\x01\n", 19), "expected 1 to 8 hex"},
  };
  for (const Case& c : cases) {
    const std::string message = parseError(c.text);
    EXPECT_NE(message.find(c.expect), std::string::npos)
        << "input: " << c.text << "\nmessage: " << message;
    EXPECT_EQ(message.rfind("CalibrationTablemnist", 0), 0u) << message;
  }
}

TEST(CalibCache, RandomAndTruncatedBuffersNeverCrash) {
  // 300 inputs: truncations and byte flips of a valid file, and random bytes over the
  // alphabet the format uses. Each must parse or throw int8rt::Error, nothing else.
  const std::string valid =
      "TRT-8601-EntropyCalibration2\ndata: 3c000889\nconv1: 3d0f1e2a\npool1: 3d0f1e2a\n"
      "(Unnamed Layer* 5) [Fully Connected]_output: 3e1a2b3c\nprob: 3c010a14\n";
  const std::string legacy = "0\n3fe33333333333333feffffde7210be9\ndata: 3c008102\n";
  const char kAlphabet[] = "TRT-0123456789abcdefABCDEFxyz: \n\r\t\x00\xff*[]()/";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);  // keeps the NUL
  std::mt19937 rng(12345);
  int parsed = 0, rejected = 0;
  for (int i = 0; i < 300; ++i) {
    std::string input;
    const std::string& base = (i % 3 == 2) ? legacy : valid;
    switch (i % 4) {
      case 0:
        input = base.substr(0, rng() % (base.size() + 1));
        break;
      case 1: {
        input = base;
        for (int k = 0; k < 3; ++k) input[rng() % input.size()] = static_cast<char>(rng() % 256);
        break;
      }
      case 2: {
        const size_t n = rng() % 200;
        for (size_t k = 0; k < n; ++k) input += alphabet[rng() % alphabet.size()];
        break;
      }
      default: {
        const size_t n = rng() % 300;
        for (size_t k = 0; k < n; ++k) input += static_cast<char>(rng() % 256);
      }
    }
    try {
      const CalibrationTable t = parseCalibrationTable(input, "fuzz");
      for (const auto& [name, scale] : t.scales) {
        ASSERT_FALSE(name.empty());
        ASSERT_TRUE(std::isfinite(scale) && scale >= 0.f);
      }
      ++parsed;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_EQ(parsed + rejected, 300);
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

TEST(CalibDynamicRange, RoundTripAndStrictReading) {
  const std::vector<std::pair<std::string, float>> ranges = {
      {"data", 0.99609375f}, {"net:conv1", 2.5f}, {"prob", 1.f}, {"tiny", 1e-30f}, {"z", 0.f}};
  const std::string text = writeDynamicRanges(ranges);
  EXPECT_EQ(text.substr(0, 32), "data:0.99609375\nnet:conv1:2.5\npr");
  EXPECT_EQ(parseDynamicRanges(text, "r"), ranges);
  const auto crlf = parseDynamicRanges("a: 1.5 \r\n\r\nb:2e-3\r\n", "r");
  ASSERT_EQ(crlf.size(), 2u);
  EXPECT_EQ(crlf[0].second, 1.5f);
  EXPECT_EQ(crlf[1].second, 2e-3f);
  for (const std::string bad : {"a 1.5\n", ":1\n", "a:\n", "a:1.5x\n", "a:nan\n", "a:inf\n",
                                "a:-1\n", "a:1\na:2\n", "a:1e99\n"}) {
    try {
      parseDynamicRanges(bad, "ranges.txt");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("ranges.txt:", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace int8rt

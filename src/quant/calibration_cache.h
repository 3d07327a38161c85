// Calibration cache files, CONTRACTS.md §4:
//   TRT-<version>-<Algorithm>\n
//   <tensor name>: <hex of the float32 scale bits>\n   (one per tensor, topological order)
// plus the two older headers int8rt still reads: "1" (entropy v1) and "0" (legacy, followed by
// the double cutoff and quantile in hex).
//
// Legacy layout. int8rt writes
//   0\n<16 hex digits: cutoff bits><16 hex digits: quantile bits>\n<name>: <hex>\n...
// (the IEEE-754 bit patterns of the doubles, zero-padded, lowercase), and reads that line, the
// same two fields separated by blanks, or the two fields on two lines of their own: no TensorRT
// legacy file was available to pin the separator, so the reader takes every plausible one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/calibrator.h"

namespace int8rt {

enum class CacheFormat : uint8_t {
  kTRT = 0,        // TRT-<version>-<Algorithm>
  kEntropyV1 = 1,  // first line "1"
  kLegacy = 2,     // first line "0", then cutoff and quantile
};

struct CalibrationTable {
  CacheFormat format = CacheFormat::kTRT;
  int64_t version = 0;    // kTRT: the writer's version number
  std::string algorithm;  // kTRT: as in the header; "EntropyCalibration" (v1), "LegacyCalibration"
  double cutoff = 1.0;    // kLegacy only
  double quantile = 1.0;  // kLegacy only
  std::vector<std::pair<std::string, float>> scales;  // in file order; scale >= 0, finite

  const float* find(const std::string& name) const;  // nullptr when absent
};

// The version number int8rt writes after "TRT-": major*10000 + minor*100 + patch (TensorRT
// 10's scheme: 10.3.0 wrote 100300), from the project version.
int64_t cacheVersion();

// "3c000889" for 0.0078145f: the float's bit pattern, lowercase hex, no padding; "0" for 0.
std::string scaleToHex(float scale);
// 1 to 8 hex digits (either case) to a finite, non-negative float; nullopt otherwise, with the
// reason in *why.
std::optional<float> scaleFromHex(std::string_view hex, std::string* why = nullptr);

// Serializes (throws Error for names an entry line cannot hold, e.g. with a newline, and for
// negative or non-finite scales).
std::string writeCalibrationTable(const CalibrationTable& table);

// Parses a cache. Throws Error "<source>:<line>: <reason>" on anything malformed: unknown
// header, empty file, header without scales, a line without ": ", non-hex, NaN, Inf or negative
// scales, duplicate names. Tolerates CRLF line endings, blank lines, trailing blanks after the hex.
// Names may contain anything but a line break: a line is split at its last ": ". Appends a
// warning when a TRT-<n> header's version is not cacheVersion().
CalibrationTable parseCalibrationTable(std::string_view text, const std::string& source,
                                       std::vector<std::string>* warnings = nullptr);

// What a calibrator's settings make the cache: the algorithm name in the header, and for
// legacy the parameters. Percentile caches carry the percentile in the name
// ("PercentileCalibration_99.99") so that a cache of another percentile is not reused.
struct CacheKey {
  CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
  double percentile = 99.99;  // kPERCENTILE
  double quantile = 0.999999; // kLEGACY_CALIBRATION
  double cutoff = 1.0;        // kLEGACY_CALIBRATION
};
CacheKey cacheKeyOf(const IInt8Calibrator& calibrator);
std::string cacheAlgorithmName(const CacheKey& key);
// An empty table in the format and header this key writes.
CalibrationTable makeCalibrationTable(const CacheKey& key);
// Why a parsed table cannot serve this key (another algorithm or other legacy parameters), or
// nullopt when it can.
std::optional<std::string> cacheMismatch(const CalibrationTable& table, const CacheKey& key);

}  // namespace int8rt

// Calibration cache text: writer and a strict reader (CONTRACTS.md §4).
#include "quant/calibration_cache.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace int8rt {
namespace {

// A short, printable rendering of file content for error messages (names may hold anything).
std::string shown(std::string_view s, size_t maxLen = 60) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < maxLen; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > maxLen) out += "...";
  return out;
}

bool isHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string_view trimRightBlanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Exactly `digits` hex digits to an integer; false on anything else.
bool parseHexBits(std::string_view s, size_t minDigits, size_t maxDigits, uint64_t& out) {
  if (s.size() < minDigits || s.size() > maxDigits) return false;
  for (char c : s)
    if (!isHexDigit(c)) return false;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc() && p == s.data() + s.size() && (out = v, true);
}

std::string hex64(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(u));
  return buf;
}

double doubleFromBits(uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

// Lines split at '\n', one trailing '\r' dropped (CRLF files), with 1-based numbers.
struct Line {
  std::string_view text;
  int number;
};
std::vector<Line> splitLines(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, ++number});
    pos = end + 1;
  }
  return lines;
}

bool onlyBlanks(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

std::string shortestDouble(double d) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ec == std::errc() ? p : buf);
}

}  // namespace

const float* CalibrationTable::find(const std::string& name) const {
  for (const auto& [n, s] : scales)
    if (n == name) return &s;
  return nullptr;
}

int64_t cacheVersion() {
#ifdef INT8RT_VERSION_STRING
  // Parsed from the string: the numeric compile definition is spelled with leading zeros,
  // which C++ reads as octal.
  int major = 0, minor = 0, patch = 0;
  std::sscanf(INT8RT_VERSION_STRING, "%d.%d.%d", &major, &minor, &patch);
  return int64_t(major) * 10000 + minor * 100 + patch;
#else
  return 0;
#endif
}

std::string scaleToHex(float scale) {
  uint32_t u;
  std::memcpy(&u, &scale, sizeof u);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", u);
  return buf;
}

std::optional<float> scaleFromHex(std::string_view hex, std::string* why) {
  uint64_t bits = 0;
  if (!parseHexBits(hex, 1, 8, bits)) {
    if (why) *why = "expected 1 to 8 hex digits, got '" + shown(hex) + "'";
    return std::nullopt;
  }
  const uint32_t u = static_cast<uint32_t>(bits);
  float f;
  std::memcpy(&f, &u, sizeof f);
  if (!std::isfinite(f)) {
    if (why) *why = "scale " + std::string(hex) + " is " + (std::isnan(f) ? "NaN" : "infinite");
    return std::nullopt;
  }
  if (u & 0x80000000u) {
    if (why) *why = "scale " + std::string(hex) + " is negative";
    return std::nullopt;
  }
  return f;
}

std::string writeCalibrationTable(const CalibrationTable& table) {
  std::string out;
  switch (table.format) {
    case CacheFormat::kTRT:
      check(!table.algorithm.empty() && table.algorithm.find_first_of("\r\n") == std::string::npos,
            "calibration cache: invalid algorithm name '", shown(table.algorithm), "'");
      out = "TRT-" + std::to_string(table.version) + "-" + table.algorithm + "\n";
      break;
    case CacheFormat::kEntropyV1:
      out = "1\n";
      break;
    case CacheFormat::kLegacy:
      out = "0\n" + hex64(table.cutoff) + hex64(table.quantile) + "\n";
      break;
  }
  for (const auto& [name, scale] : table.scales) {
    check(!name.empty(), "calibration cache: empty tensor name");
    check(name.find_first_of("\r\n") == std::string::npos, "calibration cache: tensor name '",
          shown(name), "' contains a line break");
    check(std::isfinite(scale) && !std::signbit(scale), "calibration cache: tensor '", name,
          "' has an invalid scale ", scale);
    out += name;
    out += ": ";
    out += scaleToHex(scale);
    out += '\n';
  }
  return out;
}

CalibrationTable parseCalibrationTable(std::string_view text, const std::string& source,
                                       std::vector<std::string>* warnings) {
  const std::vector<Line> lines = splitLines(text);
  bool empty = true;
  for (const Line& l : lines) empty = empty && onlyBlanks(l.text);
  check(!empty, source, ": calibration cache is empty");

  CalibrationTable table;
  const std::string_view header = lines[0].text;
  size_t next = 1;  // first line after the header block
  if (header.substr(0, 4) == "TRT-") {
    const std::string_view rest = header.substr(4);
    const size_t dash = rest.find('-');
    const std::string_view ver = rest.substr(0, dash);
    int64_t version = 0;
    auto [p, ec] = std::from_chars(ver.data(), ver.data() + ver.size(), version);
    check(dash != std::string_view::npos && !ver.empty() && ec == std::errc() &&
              p == ver.data() + ver.size() && ver[0] != '+' && ver[0] != '-',
          source, ":1: malformed header '", shown(header),
          "' (expected TRT-<version>-<algorithm>)");
    const std::string_view algo = trimRightBlanks(rest.substr(dash + 1));
    check(!algo.empty(), source, ":1: header '", shown(header), "' names no algorithm");
    table.format = CacheFormat::kTRT;
    table.version = version;
    table.algorithm = std::string(algo);
    if (warnings && version != cacheVersion())
      warnings->push_back(source + ": written by version " + std::to_string(version) +
                          ", this is int8rt cache version " + std::to_string(cacheVersion()));
  } else if (trimRightBlanks(header) == "1") {
    table.format = CacheFormat::kEntropyV1;
    table.algorithm = calibrationAlgoCacheName(CalibrationAlgo::kENTROPY_CALIBRATION);
  } else if (trimRightBlanks(header) == "0") {
    table.format = CacheFormat::kLegacy;
    table.algorithm = calibrationAlgoCacheName(CalibrationAlgo::kLEGACY_CALIBRATION);
    // The cutoff and quantile: one line of 32 hex digits, two blank-separated fields, or two
    // lines (see the header comment).
    auto lineAt = [&](size_t i) { return i < lines.size() ? trimRightBlanks(lines[i].text) : ""; };
    const std::string_view first = lineAt(1);
    uint64_t cutoffBits = 0, quantileBits = 0;
    bool ok = false;
    if (first.size() == 32) {
      ok = parseHexBits(first.substr(0, 16), 16, 16, cutoffBits) &&
           parseHexBits(first.substr(16), 16, 16, quantileBits);
      next = 2;
    } else if (first.size() > 32 && first.size() <= 40) {
      const size_t sep = first.find_first_of(" \t");
      std::string_view second = sep == std::string_view::npos ? "" : first.substr(sep);
      while (!second.empty() && (second.front() == ' ' || second.front() == '\t'))
        second.remove_prefix(1);
      ok = sep == 16 && parseHexBits(first.substr(0, 16), 16, 16, cutoffBits) &&
           parseHexBits(second, 16, 16, quantileBits);
      next = 2;
    } else if (first.size() == 16) {
      ok = parseHexBits(first, 16, 16, cutoffBits) &&
           parseHexBits(lineAt(2), 16, 16, quantileBits);
      next = 3;
    }
    check(ok, source, ":2: legacy cache: expected the cutoff and quantile as 16 hex digits each");
    table.cutoff = doubleFromBits(cutoffBits);
    table.quantile = doubleFromBits(quantileBits);
    check(table.cutoff >= 0.0 && table.cutoff <= 1.0, source,
          ":2: legacy cache: cutoff must be in [0, 1], got ", table.cutoff);
    check(table.quantile > 0.0 && table.quantile <= 1.0, source,
          ":2: legacy cache: quantile must be in (0, 1], got ", table.quantile);
  } else {
    fail(source, ":1: unrecognised calibration cache header '", shown(header),
         "' (expected TRT-<version>-<algorithm>, 1 or 0)");
  }

  std::unordered_map<std::string, int> firstLine;
  for (size_t i = next; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (onlyBlanks(l.text)) continue;
    const size_t sep = l.text.rfind(": ");
    check(sep != std::string_view::npos, source, ":", l.number, ": expected '<tensor name>: <hex>', got '",
          shown(l.text), "'");
    const std::string name(l.text.substr(0, sep));
    check(!name.empty(), source, ":", l.number, ": empty tensor name");
    std::string why;
    const std::optional<float> scale = scaleFromHex(trimRightBlanks(l.text.substr(sep + 2)), &why);
    check(scale.has_value(), source, ":", l.number, ": tensor '", shown(name), "': ", why);
    auto [it, inserted] = firstLine.emplace(name, l.number);
    check(inserted, source, ":", l.number, ": duplicate tensor '", shown(name), "' (first on line ",
          it->second, ")");
    table.scales.emplace_back(name, *scale);
  }
  check(!table.scales.empty(), source, ": calibration cache has a header but no scales");
  return table;
}

CacheKey cacheKeyOf(const IInt8Calibrator& calibrator) {
  CacheKey key;
  key.algo = calibrator.getAlgorithm();
  key.percentile = calibrator.getPercentile();
  key.quantile = calibrator.getQuantile();
  key.cutoff = calibrator.getRegressionCutoff();
  return key;
}

std::string cacheAlgorithmName(const CacheKey& key) {
  std::string name = calibrationAlgoCacheName(key.algo);
  if (key.algo == CalibrationAlgo::kPERCENTILE) {
    name += '_';
    name += shortestDouble(key.percentile);
  }
  return name;
}

CalibrationTable makeCalibrationTable(const CacheKey& key) {
  CalibrationTable t;
  if (key.algo == CalibrationAlgo::kLEGACY_CALIBRATION) {
    t.format = CacheFormat::kLegacy;
    t.cutoff = key.cutoff;
    t.quantile = key.quantile;
  } else {
    t.format = CacheFormat::kTRT;
    t.version = cacheVersion();
  }
  t.algorithm = cacheAlgorithmName(key);
  return t;
}

std::optional<std::string> cacheMismatch(const CalibrationTable& table, const CacheKey& key) {
  const std::string want = cacheAlgorithmName(key);
  if (key.algo == CalibrationAlgo::kLEGACY_CALIBRATION) {
    if (table.format != CacheFormat::kLegacy)
      return "the cache holds " + table.algorithm + " scales, this build calibrates with " + want;
    // Bitwise: the file stores the exact doubles, and any other value is another calibration.
    if (std::memcmp(&table.cutoff, &key.cutoff, sizeof(double)) != 0 ||
        std::memcmp(&table.quantile, &key.quantile, sizeof(double)) != 0)
      return "the legacy cache was made with cutoff " + shortestDouble(table.cutoff) +
             " and quantile " + shortestDouble(table.quantile) + ", this build asks for cutoff " +
             shortestDouble(key.cutoff) + " and quantile " + shortestDouble(key.quantile);
    return std::nullopt;
  }
  if (table.format == CacheFormat::kLegacy || table.algorithm != want)
    return "the cache holds " + table.algorithm + " scales, this build calibrates with " + want;
  return std::nullopt;
}

}  // namespace int8rt

// `<tensor name>:<amax>` text files: writer and strict reader.
#include "quant/dynamic_range_file.h"

#include <charconv>
#include <cmath>
#include <unordered_map>

#include "core/error.h"

namespace int8rt {
namespace {

std::string_view trimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string writeDynamicRanges(const std::vector<std::pair<std::string, float>>& ranges) {
  std::string out;
  for (const auto& [name, amax] : ranges) {
    check(!name.empty() && name.find_first_of("\r\n") == std::string::npos,
          "dynamic ranges: invalid tensor name '", name, "'");
    check(std::isfinite(amax) && amax >= 0.f, "dynamic ranges: tensor '", name,
          "' has an invalid range ", amax);
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, amax);  // shortest round-trip form
    out += name;
    out += ':';
    out.append(buf, p);
    out += '\n';
  }
  return out;
}

std::vector<std::pair<std::string, float>> parseDynamicRanges(std::string_view text,
                                                              const std::string& source) {
  std::vector<std::pair<std::string, float>> ranges;
  std::unordered_map<std::string, int> firstLine;
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trimBlanks(line).empty()) continue;
    const size_t colon = line.rfind(':');
    check(colon != std::string_view::npos, source, ":", number,
          ": expected '<tensor name>:<amax>'");
    const std::string name(line.substr(0, colon));
    check(!name.empty(), source, ":", number, ": empty tensor name");
    const std::string_view num = trimBlanks(line.substr(colon + 1));
    float value = 0.f;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
    check(!num.empty() && ec == std::errc() && p == num.data() + num.size(), source, ":", number,
          ": tensor '", name, "': '", std::string(num), "' is not a decimal number");
    check(std::isfinite(value), source, ":", number, ": tensor '", name, "': range is not finite");
    check(value >= 0.f && !std::signbit(value), source, ":", number, ": tensor '", name,
          "': range is negative");
    auto [it, inserted] = firstLine.emplace(name, number);
    check(inserted, source, ":", number, ": duplicate tensor '", name, "' (first on line ",
          it->second, ")");
    ranges.emplace_back(name, value);
  }
  return ranges;
}

}  // namespace int8rt

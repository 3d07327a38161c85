#include "backends/cuda/gemm/lt_algo_config.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace int8rt::cuda {

namespace {

// The keys in their one accepted order.
constexpr const char* kKeys[] = {"id",    "tile", "stages", "splitk", "red",
                                 "swz",   "cust", "inner",  "cluster"};
constexpr int kNbKeys = sizeof(kKeys) / sizeof(kKeys[0]);

// Reads "<key>=<decimal>" at text[pos], then a ',' (or the end for the last key).
int64_t readField(const std::string& text, size_t& pos, const char* key, bool last, int64_t lo,
                  int64_t hi) {
  const std::string prefix = std::string(key) + "=";
  check(text.compare(pos, prefix.size(), prefix) == 0, "cuBLASLt algorithm config '", text,
        "': expected '", prefix, "' at offset ", pos);
  pos += prefix.size();
  size_t begin = pos;
  if (pos < text.size() && text[pos] == '-') ++pos;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  check(pos > begin && text[pos - 1] != '-' && pos - begin <= 12, "cuBLASLt algorithm config '",
        text, "': '", key, "' has no decimal value");
  const int64_t v = std::strtoll(text.c_str() + begin, nullptr, 10);
  check(v >= lo && v <= hi, "cuBLASLt algorithm config '", text, "': '", key, "'=", v,
        " is out of range");
  if (last)
    check(pos == text.size(), "cuBLASLt algorithm config '", text, "': trailing characters");
  else
    check(pos < text.size() && text[pos++] == ',', "cuBLASLt algorithm config '", text,
          "': expected ',' after '", key, "'");
  return v;
}

}  // namespace

bool operator==(const LtAlgoConfig& a, const LtAlgoConfig& b) {
  return formatLtAlgoConfig(a) == formatLtAlgoConfig(b);
}

std::string formatLtAlgoConfig(const LtAlgoConfig& c) {
  const int64_t v[kNbKeys] = {c.algoId,    c.tile,         c.stages,     c.splitK,      c.reduction,
                              c.swizzle,   c.customOption, c.innerShape, c.clusterShape};
  std::string s;
  for (int i = 0; i < kNbKeys; ++i) {
    if (i) s += ',';
    s += kKeys[i];
    s += '=';
    s += std::to_string(v[i]);
  }
  return s;
}

LtAlgoConfig parseLtAlgoConfig(const std::string& text) {
  constexpr int64_t i32max = std::numeric_limits<int32_t>::max();
  constexpr int64_t u32max = std::numeric_limits<uint32_t>::max();
  constexpr int64_t u16max = std::numeric_limits<uint16_t>::max();
  size_t pos = 0;
  LtAlgoConfig c;
  c.algoId = static_cast<int32_t>(readField(text, pos, kKeys[0], false, 0, i32max));
  c.tile = static_cast<uint32_t>(readField(text, pos, kKeys[1], false, 0, u32max));
  c.stages = static_cast<uint32_t>(readField(text, pos, kKeys[2], false, 0, u32max));
  // cuBLASLt reports split-K -1 for algorithms that choose it themselves (stream-K style).
  c.splitK = static_cast<int32_t>(readField(text, pos, kKeys[3], false, -1, i32max));
  check(c.splitK != 0, "cuBLASLt algorithm config '", text, "': split-K 0");
  c.reduction = static_cast<uint32_t>(readField(text, pos, kKeys[4], false, 0, u32max));
  c.swizzle = static_cast<uint32_t>(readField(text, pos, kKeys[5], false, 0, u32max));
  c.customOption = static_cast<uint32_t>(readField(text, pos, kKeys[6], false, 0, u32max));
  c.innerShape = static_cast<uint16_t>(readField(text, pos, kKeys[7], false, 0, u16max));
  c.clusterShape = static_cast<uint16_t>(readField(text, pos, kKeys[8], true, 0, u16max));
  return c;
}

}  // namespace int8rt::cuda

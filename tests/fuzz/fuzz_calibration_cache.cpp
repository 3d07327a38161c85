// libFuzzer target for the calibration cache and dynamic-range readers: any input must parse or
// throw int8rt::Error, and whatever parses must survive a write/read round trip unchanged.
// Not built by default; for example:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     -DINT8RT_VERSION_STRING='"0.1.0"' tests/fuzz/fuzz_calibration_cache.cpp \
//     src/quant/calibration_cache.cpp src/quant/dynamic_range_file.cpp src/quant/calibrator.cpp \
//     -o fuzz_calibration_cache && ./fuzz_calibration_cache -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "quant/calibration_cache.h"
#include "quant/dynamic_range_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const int8rt::CalibrationTable table = int8rt::parseCalibrationTable(text, "fuzz");
    const std::string written = int8rt::writeCalibrationTable(table);
    const int8rt::CalibrationTable back = int8rt::parseCalibrationTable(written, "fuzz");
    if (back.scales != table.scales || back.algorithm != table.algorithm) std::abort();
  } catch (const int8rt::Error&) {
  }
  try {
    const auto ranges = int8rt::parseDynamicRanges(text, "fuzz");
    if (int8rt::parseDynamicRanges(int8rt::writeDynamicRanges(ranges), "fuzz") != ranges)
      std::abort();
  } catch (const int8rt::Error&) {
  }
  return 0;
}

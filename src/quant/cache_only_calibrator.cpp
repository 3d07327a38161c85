// Cache-only calibrator: checks up front what the calibration driver would otherwise answer
// with "recalibrating", because there is nothing to recalibrate with.
#include "quant/cache_only_calibrator.h"

#include <string_view>

#include "core/error.h"
#include "core/file_io.h"
#include "quant/calibration_cache.h"

namespace int8rt {

const void* CacheOnlyCalibrator::readCalibrationCache(size_t& length) {
  const std::string& path = options_.cachePath;
  if (!fileExists(path)) fail(path, ": calibration cache not found; ", options_.needDataHint);
  cache_ = readFileBytes(path);
  // Parse errors name the file and line; the driver parses again (and warns on versions).
  const CalibrationTable table = parseCalibrationTable(
      std::string_view(reinterpret_cast<const char*>(cache_.data()), cache_.size()), path);
  if (auto why = cacheMismatch(table, cacheKeyOf(*this)))
    fail(path, ": ", *why, "; ", options_.needDataHint, " to recalibrate");
  length = cache_.size();
  return cache_.data();
}

Status CacheOnlyCalibrator::checkInputs(const std::vector<std::string>& names,
                                        const std::vector<Shape>& shapes) {
  return Status::error(options_.cachePath + ": the calibration cache cannot be used; " +
                       options_.needDataHint);
}

}  // namespace int8rt

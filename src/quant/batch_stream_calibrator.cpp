// Calibrator over BatchStream batch files, with a file-backed cache.
#include "quant/batch_stream_calibrator.h"

#include "core/error.h"
#include "core/file_io.h"

namespace int8rt {

namespace {
const BatchStreamCalibrator::Options& validated(const BatchStreamCalibrator::Options& o) {
  check(o.batchSize > 0, "calibration batch size must be positive, got ", o.batchSize);
  check(o.firstBatch >= 0, "first calibration batch must be >= 0, got ", o.firstBatch);
  return o;
}
}  // namespace

BatchStreamCalibrator::BatchStreamCalibrator(const Options& options)
    : options_(validated(options)),
      stream_(options.dir, options.batchSize, options.nbBatches) {
  stream_.reset(options_.firstBatch);
}

namespace {
BatchStreamCalibrator::Options optionsOf(const std::string& dir, int batchSize, int nbBatches,
                                         int firstBatch, CalibrationAlgo algo,
                                         const std::string& cachePath) {
  BatchStreamCalibrator::Options o;
  o.dir = dir;
  o.batchSize = batchSize;
  o.nbBatches = nbBatches;
  o.firstBatch = firstBatch;
  o.algo = algo;
  o.cachePath = cachePath;
  return o;
}
}  // namespace

BatchStreamCalibrator::BatchStreamCalibrator(const std::string& dir, int batchSize, int nbBatches,
                                             int firstBatch, CalibrationAlgo algo,
                                             const std::string& cachePath)
    : BatchStreamCalibrator(optionsOf(dir, batchSize, nbBatches, firstBatch, algo, cachePath)) {}

Result<std::unique_ptr<BatchStreamCalibrator>> BatchStreamCalibrator::create(
    const Options& options) {
  return guardResult<std::unique_ptr<BatchStreamCalibrator>>(
      [&] { return std::make_unique<BatchStreamCalibrator>(options); });
}

bool BatchStreamCalibrator::getBatch(void* bindings[], const char* names[], int nbBindings) {
  check(nbBindings == 1, "calibration batches in ", options_.dir,
        " hold one input, the network asks for ", nbBindings);
  if (!stream_.next()) return false;
  // The stream's buffer stays valid until the next call, which is all getBatch promises.
  bindings[0] = const_cast<float*>(stream_.getBatch());
  return true;
}

const void* BatchStreamCalibrator::readCalibrationCache(size_t& length) {
  if (!options_.cachePath.empty()) {
    cache_.clear();
    if (options_.readCache && fileExists(options_.cachePath))
      cache_ = readFileBytes(options_.cachePath);
  } else if (!options_.readCache) {
    cache_.clear();
  }
  length = cache_.size();
  return cache_.empty() ? nullptr : cache_.data();
}

void BatchStreamCalibrator::writeCalibrationCache(const void* ptr, size_t length) {
  if (options_.cachePath.empty()) {
    const auto* p = static_cast<const uint8_t*>(ptr);
    cache_.assign(p, p + length);
    return;
  }
  writeFileAtomic(options_.cachePath, ptr, length);
}

bool BatchStreamCalibrator::rewind() {
  stream_.reset(options_.firstBatch);
  return true;
}

std::string BatchStreamCalibrator::cacheName() const {
  return options_.cachePath.empty() ? "calibration cache" : options_.cachePath;
}

std::string BatchStreamCalibrator::describeBatches() const {
  const std::vector<int> d = stream_.getDims();
  return "calibration batches in " + options_.dir + " are " + std::to_string(d[1]) + "x" +
         std::to_string(d[2]) + "x" + std::to_string(d[3]) + " (" +
         std::to_string(stream_.getImageSize()) + " floats per image)";
}

Status BatchStreamCalibrator::checkInputVolume(int64_t floatsPerSample) const {
  if (floatsPerSample == stream_.getImageSize()) return Status::ok();
  return Status::error(describeBatches() + ", the network input takes " +
                       std::to_string(floatsPerSample) + " floats per sample");
}

Status BatchStreamCalibrator::checkInputs(const std::vector<std::string>& names,
                                          const std::vector<Shape>& shapes) {
  if (names.size() != 1 || shapes.size() != 1) {
    std::string list;
    for (const auto& n : names) {
      list += list.empty() ? "'" : ", '";
      list += n;
      list += '\'';
    }
    return Status::error("calibration batches in " + options_.dir +
                         " hold one input, the network has " + std::to_string(names.size()) +
                         " (" + list + ")");
  }
  const Shape& s = shapes[0];
  int64_t volume = 1;
  std::string dims;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] < 0) return Status::error("network input '" + names[0] + "' has a dynamic dim " +
                                       std::to_string(i) + ": calibration needs fixed dims");
    volume *= s[i];
    if (!dims.empty()) dims += 'x';
    dims += std::to_string(s[i]);
  }
  const std::vector<int> d = stream_.getDims();
  const bool sameDims = s.size() == 4 && s[1] == d[1] && s[2] == d[2] && s[3] == d[3];
  // Another rank with the same volume is the same data in another view (e.g. [N, 784]).
  if (sameDims || (s.size() != 4 && volume == stream_.getImageSize())) return Status::ok();
  return Status::error(describeBatches() + ", network input '" + names[0] + "' is " + dims +
                       " (" + std::to_string(volume) + " floats per sample)");
}

}  // namespace int8rt

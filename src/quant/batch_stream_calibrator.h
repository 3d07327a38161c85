// A ready calibrator over batch files (CONTRACTS.md §5): serves nbBatches batches of batchSize
// images starting at batch firstBatch, and keeps its cache in a file (or in memory when no path
// is given). What sample_int8 and `int8rt build --int8` use.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/batch_stream.h"
#include "int8rt/calibrator.h"

namespace int8rt {

class BatchStreamCalibrator : public IInt8Calibrator {
 public:
  struct Options {
    std::string dir;         // holds batch0, batch1, ...
    int batchSize = 50;      // CONTRACTS §6 defaults: 10 batches of 50 from batch 0
    int nbBatches = 10;      // <= 0: until the files run out
    int firstBatch = 0;
    CalibrationAlgo algo = CalibrationAlgo::kENTROPY_CALIBRATION_2;
    std::string cachePath;   // empty: the cache lives in memory only
    bool readCache = true;   // false: always calibrate (the cache is still written)
    double quantile = 0.999999;
    double cutoff = 1.0;
    double percentile = 99.99;
  };

  // Throws Error when the directory has no batch0, a file is corrupt, or an option is invalid.
  explicit BatchStreamCalibrator(const Options& options);
  // The sample's shape: the stream's parameters, the algorithm and the cache file.
  BatchStreamCalibrator(const std::string& dir, int batchSize, int nbBatches, int firstBatch,
                        CalibrationAlgo algo, const std::string& cachePath);
  static Result<std::unique_ptr<BatchStreamCalibrator>> create(const Options& options);

  int getBatchSize() const override { return options_.batchSize; }
  // One binding: the images of the next batch. Throws Error when asked for more than one input
  // (checkInputs refuses such networks first).
  bool getBatch(void* bindings[], const char* names[], int nbBindings) override;
  // Reads cachePath if it exists (throws Error when it exists but cannot be read).
  const void* readCalibrationCache(size_t& length) override;
  // Writes cachePath atomically (temporary file, then rename); throws Error when it cannot.
  void writeCalibrationCache(const void* ptr, size_t length) override;
  CalibrationAlgo getAlgorithm() const override { return options_.algo; }
  double getQuantile() const override { return options_.quantile; }
  double getRegressionCutoff() const override { return options_.cutoff; }
  double getPercentile() const override { return options_.percentile; }

  bool rewind() override;
  // One network input whose per-sample dims match the batch files' C, H, W (or, for another
  // rank, whose per-sample volume matches C*H*W).
  Status checkInputs(const std::vector<std::string>& names,
                     const std::vector<Shape>& shapes) override;
  std::string cacheName() const override;

  // The same check for a per-sample volume (floats per image) the builder computed itself.
  Status checkInputVolume(int64_t floatsPerSample) const;
  std::vector<int> batchDims() const { return stream_.getDims(); }  // {batchSize, C, H, W}
  int batchesServed() const { return stream_.getBatchesRead(); }

 private:
  std::string describeBatches() const;

  Options options_;
  BatchStream stream_;
  std::vector<uint8_t> cache_;
};

}  // namespace int8rt

#include "sample_calibration.h"

#include "core/error.h"
#include "quant/batch_stream_calibrator.h"

namespace int8rt::sample {

std::unique_ptr<IInt8Calibrator> makeSampleCalibrator(const SampleOptions& opt,
                                                      const SampleFiles& files) {
  BatchStreamCalibrator::Options o;
  o.dir = files.batches;
  o.batchSize = opt.calibrationBatchSize;
  o.nbBatches = opt.calibrationBatches;
  o.firstBatch = opt.firstCalibrationBatch;
  o.algo = opt.legacy ? CalibrationAlgo::kLEGACY_CALIBRATION : CalibrationAlgo::kENTROPY_CALIBRATION_2;
  o.cachePath = files.calibrationCache;
  // Only the legacy algorithm reads these; they are also what its cache header records.
  o.cutoff = opt.legacyCutoff;
  o.quantile = opt.legacyQuantile;
  return std::make_unique<BatchStreamCalibrator>(o);
}

}  // namespace int8rt::sample

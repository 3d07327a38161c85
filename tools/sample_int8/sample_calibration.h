// The sample's calibrator: entropy (EntropyCalibration2) by default, legacy with `legacy` (or
// after `search`) at opt.legacyCutoff / opt.legacyQuantile, over calibration batches of 50 from
// batch 0, cache CalibrationTable<network> beside the model (a legacy cache starts with `0`).
#pragma once
#include <memory>

#include "sample_options.h"

namespace int8rt {
class IInt8Calibrator;
}

namespace int8rt::sample {

std::unique_ptr<IInt8Calibrator> makeSampleCalibrator(const SampleOptions& opt,
                                                      const SampleFiles& files);

}  // namespace int8rt::sample

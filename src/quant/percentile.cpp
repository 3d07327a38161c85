// Percentile calibration (int8rt's own, not TensorRT-compatible): amax = the percentile of |x|
// read off the same range-doubling histogram as EntropyCalibration2, so one pass suffices.
#include <algorithm>

#include "core/error.h"
#include "quant/algorithms.h"

namespace int8rt {

float percentileAmax(const AbsHistogram& h, double percentile) {
  check(percentile > 0.0 && percentile <= 100.0, "percentile must be in (0, 100], got ",
        percentile);
  if (h.total() == 0) return 0.f;
  if (percentile >= 100.0) return h.maxAbs();
  // Exact zeros count as values (they are part of the tensor); they all sit in bin 0.
  const double target = percentile / 100.0 * static_cast<double>(h.total());
  uint64_t cum = 0;
  for (int j = 0; j < AbsHistogram::kBins; ++j) {
    cum += h.counts()[j];
    if (static_cast<double>(cum) >= target) {
      // The bin's upper edge: every value of the bin stays unclipped. The exact max caps it, so
      // the threshold never exceeds what was seen.
      const float edge = static_cast<float>(j + 1) * h.binWidth();
      return std::min(edge, h.maxAbs());
    }
  }
  return h.maxAbs();
}

}  // namespace int8rt

// Calibration algorithms as pure functions: each turns collected statistics of |x| into an
// amax (scale = amax / 127). CONTRACTS.md §3 gives the TensorRT-compatible ones bit for bit;
// percentile, MSE and the global-entropy mode are int8rt's own (not TensorRT-compatible).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "quant/histogram.h"

namespace int8rt {

// scale = amax / 127 in float32 (CONTRACTS §2), and back.
inline float scaleFromAmax(float amax) { return amax / 127.0f; }
inline float amaxFromScale(float scale) { return scale * 127.0f; }

// ---- entropy.cpp: EntropyCalibration2 / EntropyCalibration (CONTRACTS §3 steps 2-5) ----

struct EntropyResult {
  int bins = 2048;       // m: the candidate i with the smallest KL (ties: the largest i)
  double divergence = 0; // its KL divergence
  float amax = 0.f;      // (m + 0.5f) * (R / 2048), float32
};
// The KL search over candidates 128..2048 on a 2048-bin histogram (counts[0..2047]).
// Returns m; 2048 for an empty histogram (every candidate's KL is the empty sum 0: a tie).
int entropyBestBins(const uint64_t* counts, double* divergence = nullptr);
// (m + 0.5f) * w with w = R / 2048.0f, all in float32 as CONTRACTS §3 step 5.
float entropyAmax(int bins, float range);
EntropyResult entropyCalibrate(const AbsHistogram& h);

// ---- percentile.cpp (int8rt's own) ----
// The upper edge (j + 1) * w of the first bin j at which the cumulative count (exact zeros
// included) reaches percentile% of all values, capped at the exact max. 100 gives the max.
float percentileAmax(const AbsHistogram& h, double percentile);

// ---- mse.cpp (int8rt's own) ----
// The clip threshold t = k * w (k = 1..2048, capped at the exact max) minimising the expected
// squared error of the symmetric int8 quantizer with scale t / 127 over the histogram.
float mseAmax(const AbsHistogram& h);
// The expected squared error (in units of w^2, summed over all values) of threshold k bins; for
// tests and diagnostics.
double mseOfThreshold(const AbsHistogram& h, int k);

// ---- legacy.cpp: TensorRT's legacy (quantile, cutoff) calibration ----

// Every |x| seen, kept exactly so that any quantile can be asked after collection (TensorRT's
// legacy calibrator also reused its statistics across (cutoff, quantile) pairs). Exact zeros
// are counted, not stored. Memory: 4 bytes per non-zero activation value seen.
class AbsValueSet {
 public:
  void add(const float* data, size_t n);  // throws Error on NaN or Inf
  void finalize();                        // sorts; add() after finalize() re-sorts next time
  uint64_t size() const { return zeros_ + values_.size(); }
  uint64_t zeros() const { return zeros_; }
  float max() const;                      // exact max |x|; 0 when empty
  // The q-quantile: the smallest v such that at least q * N values are <= v, i.e. the value of
  // rank ceil(q * N) (1-based) in ascending order; q in (0, 1]. 0 when empty.
  float quantile(double q) const;
  // Fraction of values strictly greater than t.
  double survival(float t) const;
  const std::vector<float>& sortedNonZero() const { return values_; }

 private:
  std::vector<float> values_;
  uint64_t zeros_ = 0;
  bool sorted_ = true;
};

// cutoff == 1: the quantile value (CONTRACTS §3 Legacy). cutoff < 1: int8rt's regression (see
// legacy.cpp): an exponential fit of the tail of |x| above cutoff * max, solved for the quantile.
// Throws Error when quantile is outside (0, 1] or cutoff outside [0, 1].
float legacyAmax(const AbsValueSet& values, double quantile, double cutoff);

}  // namespace int8rt

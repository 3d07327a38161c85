// The per-tensor histogram of |x| that EntropyCalibration2 (and percentile, MSE) work on:
// 2048 bins over [0, R], CONTRACTS.md §3 step 1, fed batch by batch.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "quant/histogram_rules.h"

namespace int8rt {

// One scan of a buffer: max |x| and how many x are exactly ±0. finite is false when any value
// is NaN or ±Inf (max is then meaningless).
struct AbsScan {
  float maxAbs = 0.f;
  uint64_t zeros = 0;
  bool finite = true;
};
AbsScan scanAbs(const float* data, size_t n);

class AbsHistogram {
 public:
  static constexpr int kBins = kAbsHistogramBins;

  // Range-doubling histogram (CONTRACTS §3): R is the exact max|x| of the first batch; a later
  // batch whose max exceeds R merges bins pairwise and doubles R until max <= R.
  // int8rt's choice where the contract is silent: while R is 0 (only zeros seen so far) the next
  // batch with a non-zero max sets R; the zeros already counted stay in bin 0, as any R puts them.
  AbsHistogram() = default;
  // Fixed range (entropy-global's second pass): R never changes; |x| > R lands in the last bin.
  static AbsHistogram withRange(float range);

  // Adds |x| of one batch. Throws int8rt::Error on NaN or Inf (callers check first with scanAbs
  // to name the tensor). The bin of |x| is min(floor(|x| / w), 2047) with w = R / 2048, both
  // computed in float32 exactly as written: |x| / w rounds before the floor, so a value a hair
  // below a bin edge may land in the upper bin, as it does in TensorRT's float arithmetic.
  void add(const float* data, size_t n);
  // Same with the scan already done (saves a pass over the data).
  void add(const float* data, size_t n, const AbsScan& scan);

  // A batch binned elsewhere (the GPU, backends/cuda/calib/): counts[0..2047] are how many of
  // its n values fell in each bin at range binnedRange, exact zeros in bin 0. Applies the range
  // rules of add() (first batch sets R, doubling) and throws Error unless binnedRange is the
  // range add() would have binned this batch with, or the counts do not sum to n; the result is
  // then that of add() on the raw data, bin for bin. scan is the batch's scanAbs().
  void addBinned(const uint64_t* counts, size_t n, const AbsScan& scan, float binnedRange);
  // The range add() would bin a batch whose max |x| is batchMax with (nothing changes).
  float rangeForBatch(float batchMax) const {
    return absHistogramRangeFor(range_, started_, fixed_, batchMax);
  }

  // Merges bins pairwise (new j = old 2j + old 2j+1, upper half zeroed) and doubles R.
  void doubleRange();

  float range() const { return range_; }
  bool rangeStarted() const { return started_; }  // a batch (or withRange) has set R
  bool rangeFixed() const { return fixed_; }      // withRange(): R never changes
  float binWidth() const { return range_ / static_cast<float>(kBins); }
  const std::array<uint64_t, kBins>& counts() const { return counts_; }
  uint64_t total() const { return total_; }   // values added
  uint64_t zeros() const { return zeros_; }   // of which exactly 0 (all in bin 0)
  float maxAbs() const { return max_; }       // exact max |x| over everything added
  int doublings() const { return doublings_; }

 private:
  std::array<uint64_t, kBins> counts_{};
  float range_ = 0.f;
  bool started_ = false;
  bool fixed_ = false;
  uint64_t total_ = 0;
  uint64_t zeros_ = 0;
  float max_ = 0.f;
  int doublings_ = 0;

  // The range rules and totals of one batch; returns the bin width (0: see add()).
  float beginBatch(size_t n, const AbsScan& scan);
};

}  // namespace int8rt

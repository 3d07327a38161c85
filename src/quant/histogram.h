// The per-tensor histogram of |x| that EntropyCalibration2 (and percentile, MSE) work on:
// 2048 bins over [0, R], CONTRACTS.md §3 step 1, fed batch by batch.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

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
  static constexpr int kBins = 2048;

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

  // Merges bins pairwise (new j = old 2j + old 2j+1, upper half zeroed) and doubles R.
  void doubleRange();

  float range() const { return range_; }
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
};

}  // namespace int8rt

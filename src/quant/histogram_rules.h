// The two rules of the |x| histogram (CONTRACTS.md §3 step 1) that the CPU (histogram.cpp) and
// the GPU (backends/cuda/calib/) must apply identically, written once for both compilers: the
// range a batch is binned with, and the bin of one value. Same source, same float32 operations,
// so the GPU's bins equal the CPU's exactly (counting has no summation order to differ in).
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define I8RT_HOST_DEVICE __host__ __device__
#else
#define I8RT_HOST_DEVICE
#endif

namespace int8rt {

constexpr int kAbsHistogramBins = 2048;

// The range R that a batch whose max |x| is batchMax is binned with, given the histogram's
// state before it (AbsHistogram::add): the first batch, or any batch while R is still 0, sets
// R = batchMax; a fixed range never changes; otherwise R doubles until batchMax <= R. Doubling
// is exact in float32. A range that overflows to +Inf ends the loop here; the host's
// doubleRange() reports that overflow as an error.
I8RT_HOST_DEVICE inline float absHistogramRangeFor(float range, bool started, bool fixed,
                                                   float batchMax) {
  if (fixed) return range;
  if (!started || range == 0.f) range = batchMax;
  while (batchMax > range) range = range * 2.f;
  return range;
}

// The bin width w = R / 2048 in float32 (IEEE division on the device too, see below).
I8RT_HOST_DEVICE inline float absHistogramBinWidth(float range) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(range, static_cast<float>(kAbsHistogramBins));
#else
  return range / static_cast<float>(kAbsHistogramBins);
#endif
}

// The bin of a finite |x| >= 0 for a bin width w > 0: min(floor(|x| / w), 2047), with |x| / w an
// IEEE round-to-nearest float32 division (never a reciprocal multiply: that rounds differently).
// On the device __fdiv_rn makes the division IEEE whatever -prec-div / -use_fast_math say. The
// clamp comes before the conversion, so |x| / w = +Inf (a fixed range far below |x|) is 2047.
I8RT_HOST_DEVICE inline int32_t absHistogramBin(float absX, float w) {
#ifdef __CUDA_ARCH__
  float q = __fdiv_rn(absX, w);
#else
  float q = absX / w;
#endif
  const float last = static_cast<float>(kAbsHistogramBins - 1);
  q = last < q ? last : q;  // std::min(q, last), spelled out for device code
  return static_cast<int32_t>(q);
}

}  // namespace int8rt

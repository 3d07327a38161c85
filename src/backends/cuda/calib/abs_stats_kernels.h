// The device half of GPU calibration: per tensor batch, a max |x| / exact-zero / finite scan,
// then the 2048-bin |x| histogram with the CPU's bin rule (quant/histogram_rules.h).
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "backends/cuda_calib_bridge.h"

namespace int8rt::cuda::calib {

// What the kernels write and the host reads back, in one block of device memory so that one
// memset clears it and one copy returns it. Zeroed before every batch.
struct AbsStatsDevice {
  uint32_t maxBits;   // max of the |x| bit patterns: >= 0x7f800000 means NaN or Inf was seen
  uint32_t padding;
  unsigned long long zeros;   // exact ±0 count
  float range;                // the range the histogram kernel binned with
  uint32_t padding2;
  unsigned long long counts[kAbsHistogramBins];  // exact zeros NOT included (the host adds them)
};
// The header alone (what a scan needs back).
constexpr size_t kAbsStatsHeaderBytes = offsetof(AbsStatsDevice, counts);

// Grid size for n values: enough blocks to fill the GPU, and enough that no block's 32-bit
// shared-memory counters can overflow.
int absStatsBlocks(size_t n, int multiprocessors);

// Atomically merges max bits and the zero count of x[0..n) into out (which must be zeroed).
void launchAbsScan(const float* x, size_t n, AbsStatsDevice* out, int blocks, cudaStream_t stream);
// Bins the non-zero |x| of x[0..n) into out->counts at the range absHistogramRangeFor(state,
// max from out->maxBits) and stores that range in out->range; does nothing when the scan saw
// NaN/Inf. Run after launchAbsScan on the same stream.
void launchAbsHistogram(const float* x, size_t n, AbsStatsDevice* out,
                        const cudacalib::RangeState& state, int blocks, cudaStream_t stream);

}  // namespace int8rt::cuda::calib

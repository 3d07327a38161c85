// Scan and histogram kernels of GPU calibration. Both read the data as 32-bit patterns: with
// the sign cleared, non-negative IEEE floats order as integers and NaN/Inf are the largest, so
// an integer max finds the max |x| and any non-finite value at once, as scanAbs() does.
//
// Bin equality with the CPU: the bin of every value is computed by the same function
// (absHistogramBin: IEEE float32 division via __fdiv_rn, clamp, truncation), with the same
// range (absHistogramRangeFor) and width (absHistogramBinWidth), so each value lands in the same
// bin; the counts are integer sums, exact in any order. Exact zeros are not binned here: they
// are bin 0 for any range, and the scan already counted them (the host adds them to bin 0),
// which also spares bin 0 the shared-memory atomic contention of ReLU outputs.
#include "backends/cuda/calib/abs_stats_kernels.h"

#include <algorithm>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/pdl.h"
#include "quant/histogram_rules.h"

namespace int8rt::cuda::calib {
namespace {

constexpr int kThreads = 256;
constexpr uint32_t kAbsMask = 0x7fffffffu;
constexpr uint32_t kInfBits = 0x7f800000u;

__global__ void __launch_bounds__(kThreads) absScanKernel(const uint32_t* __restrict__ bits,
                                                          size_t n, AbsStatsDevice* out) {
  uint32_t maxBits = 0;
  unsigned long long zeros = 0;
  pdlWait();  // x was written, and out zeroed, by earlier work on the stream (pdl.h)
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const uint32_t u = __ldg(bits + i) & kAbsMask;
    maxBits = max(maxBits, u);
    zeros += (u == 0);
  }
  for (int offset = 16; offset > 0; offset >>= 1) {
    maxBits = max(maxBits, __shfl_xor_sync(0xffffffffu, maxBits, offset));
    zeros += __shfl_xor_sync(0xffffffffu, zeros, offset);
  }
  __shared__ uint32_t warpMax[kThreads / 32];
  __shared__ unsigned long long warpZeros[kThreads / 32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    warpMax[warp] = maxBits;
    warpZeros[warp] = zeros;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kThreads / 32; ++w) {
      maxBits = max(maxBits, warpMax[w]);
      zeros += warpZeros[w];
    }
    atomicMax(&out->maxBits, maxBits);
    if (zeros) atomicAdd(&out->zeros, zeros);
  }
}

__global__ void __launch_bounds__(kThreads) absHistogramKernel(const uint32_t* __restrict__ bits,
                                                               size_t n, AbsStatsDevice* out,
                                                               cudacalib::RangeState state) {
  // The scan finished before this kernel started (same stream): every thread reads the same
  // max, so the early return below is uniform across the block.
  pdlWait();  // the scan before must have finished (pdl.h)
  const uint32_t maxBits = out->maxBits;
  if (maxBits >= kInfBits) return;
  const float range =
      absHistogramRangeFor(state.range, state.started, state.fixed, __uint_as_float(maxBits));
  const float w = absHistogramBinWidth(range);
  // As AbsHistogram::add: a zero width (R == 0, or R / 2048 underflowing) sends every non-zero
  // value to the last bin.
  const bool degenerate = !(w > 0.f);
  if (blockIdx.x == 0 && threadIdx.x == 0) out->range = range;

  __shared__ uint32_t hist[kAbsHistogramBins];
  for (int j = threadIdx.x; j < kAbsHistogramBins; j += blockDim.x) hist[j] = 0;
  __syncthreads();
  const size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const uint32_t u = __ldg(bits + i) & kAbsMask;
    if (u == 0) continue;
    const int bin = degenerate ? kAbsHistogramBins - 1 : absHistogramBin(__uint_as_float(u), w);
    atomicAdd(&hist[bin], 1u);
  }
  __syncthreads();
  for (int j = threadIdx.x; j < kAbsHistogramBins; j += blockDim.x)
    if (hist[j]) atomicAdd(&out->counts[j], static_cast<unsigned long long>(hist[j]));
}

}  // namespace

int absStatsBlocks(size_t n, int multiprocessors) {
  const size_t wanted = (n + size_t(kThreads) * 8 - 1) / (size_t(kThreads) * 8);
  const size_t cap = size_t(std::max(multiprocessors, 1)) * 8;
  // A block's 32-bit bin counters must stay below 2^32: at most 2^30 values per block.
  const size_t floor = (n + (size_t(1) << 30) - 1) >> 30;
  return static_cast<int>(std::max<size_t>({std::min(wanted, cap), floor, 1}));
}

void launchAbsScan(const float* x, size_t n, AbsStatsDevice* out, int blocks,
                   cudaStream_t stream) {
  if (n == 0) return;
  launchKernel("the calibration |x| scan kernel", absScanKernel, blocks, kThreads, 0, stream, 1,
               reinterpret_cast<const uint32_t*>(x), n, out);
}

void launchAbsHistogram(const float* x, size_t n, AbsStatsDevice* out,
                        const cudacalib::RangeState& state, int blocks, cudaStream_t stream) {
  if (n == 0) return;
  launchKernel("the calibration |x| histogram kernel", absHistogramKernel, blocks, kThreads, 0,
               stream, 1, reinterpret_cast<const uint32_t*>(x), n, out, state);
}

}  // namespace int8rt::cuda::calib

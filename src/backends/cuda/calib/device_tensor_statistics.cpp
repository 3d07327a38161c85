// The calibration bridge of the CUDA build: one small device/pinned scratch per calibration,
// the scan and histogram kernels enqueued on the engine's stream, one wait per tensor batch.
#include <cstring>

#include "backends/cuda/calib/abs_stats_kernels.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda_calib_bridge.h"

namespace int8rt::cudacalib {
namespace {

using cuda::checkCuda;
using cuda::calib::AbsStatsDevice;
using cuda::calib::kAbsStatsHeaderBytes;

class CudaTensorStatistics final : public DeviceTensorStatistics {
 public:
  CudaTensorStatistics()
      : multiprocessors_(cuda::requireDevice().multiprocessors),
        device_(sizeof(AbsStatsDevice), "calibration statistics"),
        host_(sizeof(AbsStatsDevice)) {}

  AbsScan scan(const float* data, size_t n, void* stream) override {
    if (n == 0) return AbsScan{};
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    clear(kAbsStatsHeaderBytes, s);
    cuda::calib::launchAbsScan(data, n, stats(), blocks(n), s);
    fetch(kAbsStatsHeaderBytes, s);
    return scanResult();
  }

  void histogram(const float* data, size_t n, void* stream, const RangeState& state,
                 DeviceBinned& out) override {
    out = DeviceBinned{};
    if (n == 0) return;
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    clear(sizeof(AbsStatsDevice), s);
    cuda::calib::launchAbsScan(data, n, stats(), blocks(n), s);
    cuda::calib::launchAbsHistogram(data, n, stats(), state, blocks(n), s);
    fetch(sizeof(AbsStatsDevice), s);
    out.scan = scanResult();
    if (!out.scan.finite) return;
    const auto* h = static_cast<const AbsStatsDevice*>(host_.get());
    out.range = h->range;
    for (int j = 0; j < kAbsHistogramBins; ++j) out.counts[j] = h->counts[j];
    out.counts[0] += out.scan.zeros;  // exact zeros are bin 0 at any range (not binned on device)
  }

  void download(const float* data, size_t n, void* stream, float* host) override {
    if (n == 0) return;
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    checkCuda(cudaMemcpyAsync(host, data, n * sizeof(float), cudaMemcpyDeviceToHost, s),
              "copying a calibration tensor of ", n, " values to the host");
    checkCuda(cudaStreamSynchronize(s), "waiting for a calibration tensor copy");
  }

 private:
  AbsStatsDevice* stats() const { return device_.as<AbsStatsDevice>(); }
  int blocks(size_t n) const { return cuda::calib::absStatsBlocks(n, multiprocessors_); }

  void clear(size_t bytes, cudaStream_t s) {
    checkCuda(cudaMemsetAsync(device_.get(), 0, bytes, s), "clearing calibration statistics");
  }
  void fetch(size_t bytes, cudaStream_t s) {
    checkCuda(cudaMemcpyAsync(host_.get(), device_.get(), bytes, cudaMemcpyDeviceToHost, s),
              "copying calibration statistics to the host");
    checkCuda(cudaStreamSynchronize(s), "calibration statistics kernels");
  }
  // The same AbsScan scanAbs() gives: the max as the float of the max bit pattern.
  AbsScan scanResult() const {
    const auto* h = static_cast<const AbsStatsDevice*>(host_.get());
    AbsScan r;
    r.zeros = h->zeros;
    r.finite = h->maxBits < 0x7f800000u;
    std::memcpy(&r.maxAbs, &h->maxBits, sizeof r.maxAbs);
    return r;
  }

  int multiprocessors_;
  cuda::DeviceBuffer device_;
  cuda::PinnedBuffer host_;
};

}  // namespace

std::unique_ptr<DeviceTensorStatistics> createDeviceTensorStatistics() {
  return std::make_unique<CudaTensorStatistics>();
}

}  // namespace int8rt::cudacalib

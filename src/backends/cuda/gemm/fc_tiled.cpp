// The own fully connected candidates (fc_tiled_kernels.cu): FP32, FP16 (FP32 accumulation)
// and INT8 (__dp4a), bias and activation fused, for any sizes. create() uploads the weights
// padded with zeros to the kernels' chunk (fcTiledPaddedC), so the kernels need no bounds on
// the reduction of the weights; INT8 weights are quantized per output channel exactly as the
// CPU INT8 kernels do (weight_quant.h), with the same epilogue constants (int8_layer.h).
#include <cstring>
#include <vector>

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/gemm/fc_common.h"
#include "backends/cuda/gemm/fc_int8_constants.h"
#include "backends/cuda/gemm/gemm_candidates.h"
#include "backends/cuda/gemm/gemm_kernels.h"

namespace int8rt::cuda {

namespace {

// Row-major [rows][cols] -> [rows][ld], zero-padded, as `T`.
template <class T, class S>
std::vector<T> padRows(const S* src, int64_t rows, int64_t cols, int64_t ld) {
  std::vector<T> out(static_cast<size_t>(rows * ld), T(0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[r * ld + c] = static_cast<T>(src[r * cols + c]);
  return out;
}

class FcTiledFloat final : public Kernel {
 public:
  FcTiledFloat(const KernelSetup& s, bool half) : name_(s.layer->name), half_(half), dims_(fcSetupDims(s)) {
    const auto& p = s.layer->as<FullyConnectedParams>();
    act_ = toDevice(p.activation);
    ldw_ = fcTiledPaddedC(dims_.c, false);
    auto w = padRows<float>(p.weights.values.data(), dims_.k, dims_.c, ldw_);
    w_ = DeviceBuffer(w.size() * sizeof(float), "fully connected weights");
    w_.upload(w.data(), w_.bytes());
    if (!p.bias.empty()) {
      bias_ = DeviceBuffer(p.bias.values.size() * sizeof(float), "fully connected bias");
      bias_.upload(p.bias.values.data(), bias_.bytes());
    }
  }

  void enqueue(const RunArgs& a) override {
    const FcDims d = fcRunDims(a, dims_, name_);
    const int n = static_cast<int>(d.n), c = static_cast<int>(d.c), k = static_cast<int>(d.k);
    if (half_)
      launchFcTiledHalf(static_cast<const __half*>(a.inputs[0].data), w_.as<float>(),
                        bias_.as<float>(), static_cast<__half*>(a.outputs[0].data), n, c,
                        static_cast<int>(ldw_), k, act_, a.stream);
    else
      launchFcTiledFloat(a.inputs[0].f32(), w_.as<float>(), bias_.as<float>(),
                         a.outputs[0].f32(), n, c, static_cast<int>(ldw_), k, act_, a.stream);
  }

 private:
  std::string name_;
  bool half_;
  FcDims dims_;
  DeviceActivation act_;
  int64_t ldw_ = 0;
  DeviceBuffer w_, bias_;
};

class FcInt8Dp4a final : public Kernel {
 public:
  explicit FcInt8Dp4a(const KernelSetup& s)
      : name_(s.layer->name), dims_(fcSetupDims(s)), k_(makeFcInt8Constants(s, dims_, name_)) {
    ldw_ = fcTiledPaddedC(dims_.c, true);
    auto w = padRows<int8_t>(k_.weights.values.data(), dims_.k, dims_.c, ldw_);
    w_ = DeviceBuffer(w.size(), "fully connected INT8 weights");
    w_.upload(w.data(), w_.bytes());
  }

  void enqueue(const RunArgs& a) override {
    const FcDims d = fcRunDims(a, dims_, name_);
    launchFcInt8Dp4a(static_cast<const int8_t*>(a.inputs[0].data), w_.as<int8_t>(),
                     a.outputs[0].data, static_cast<int>(d.n), static_cast<int>(d.c),
                     static_cast<int>(ldw_), static_cast<int>(d.k), k_.epi, a.stream);
  }

 private:
  std::string name_;
  FcDims dims_;
  int64_t ldw_ = 0;
  FcInt8Constants k_;
  DeviceBuffer w_;
};

// The tiled kernels index with int: the padded weights and the largest batch must fit.
bool tiledFits(const KernelSetup& s) {
  const FcDims d = fcSetupDims(s);
  return fcTiledPaddedC(d.c, false) * d.k < (int64_t{1} << 31) && d.n * d.c < (int64_t{1} << 31) &&
         d.n * d.k < (int64_t{1} << 31) && (d.n + 15) / 16 <= 65535;
}

bool supportsFp32(const KernelSetup& s, const DeviceInfo& dev) {
  return dev.present && fcSupports(s, DataType::kFLOAT) && tiledFits(s) &&
         cpu::isValidActivation(s.layer->as<FullyConnectedParams>().activation);
}
bool supportsFp16(const KernelSetup& s, const DeviceInfo& dev) {
  return dev.present && fcSupports(s, DataType::kHALF) && tiledFits(s) &&
         cpu::isValidActivation(s.layer->as<FullyConnectedParams>().activation);
}
bool supportsInt8(const KernelSetup& s, const DeviceInfo& dev) {
  return dev.present && fcSupports(s, DataType::kINT8) && tiledFits(s) &&
         cpu::isValidActivation(s.layer->as<FullyConnectedParams>().activation);
}

void rejectConfig(const std::string& config, const char* kernel) {
  check(config.empty(), kernel, " has no configurations; got '", config, "'");
}

std::unique_ptr<Kernel> createFp32(const KernelSetup& s, const std::string& config) {
  rejectConfig(config, "cuda_fc_fp32_tiled");
  return std::make_unique<FcTiledFloat>(s, false);
}
std::unique_ptr<Kernel> createFp16(const KernelSetup& s, const std::string& config) {
  rejectConfig(config, "cuda_fc_fp16_tiled");
  return std::make_unique<FcTiledFloat>(s, true);
}
std::unique_ptr<Kernel> createInt8(const KernelSetup& s, const std::string& config) {
  rejectConfig(config, "cuda_fc_int8_dp4a");
  return std::make_unique<FcInt8Dp4a>(s);
}

}  // namespace

std::vector<Candidate> fcTiledCandidates() {
  return {
      {"cuda_fc_fp32_tiled", LayerKind::kFULLY_CONNECTED, DataType::kFLOAT, supportsFp32, nullptr,
       createFp32},
      {"cuda_fc_fp16_tiled", LayerKind::kFULLY_CONNECTED, DataType::kHALF, supportsFp16, nullptr,
       createFp16},
      {"cuda_fc_int8_dp4a", LayerKind::kFULLY_CONNECTED, DataType::kINT8, supportsInt8, nullptr,
       createInt8},
  };
}

}  // namespace int8rt::cuda

// cuda_fc_int8_imma: the INT8 fully connected layer on the tensor cores for small batches
// (fc_imma_kernels.cu). Weights are quantized per output channel exactly as the CPU INT8
// kernels do (weight_quant.h), with the same epilogue constants (int8_layer.h), and uploaded
// once in fragment order (fc_imma_pack.h). No configurations: the kernel picks its tile from
// the run's batch. Runs a fused softmax (FullyConnectedParams::fusedSoftmax) for up to 16
// outputs, the classifier heads of small networks (LeNet's 10 classes).
#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/gemm/fc_common.h"
#include "backends/cuda/gemm/fc_imma_pack.h"
#include "backends/cuda/gemm/fc_int8_constants.h"
#include "backends/cuda/gemm/gemm_candidates.h"
#include "backends/cuda/gemm/gemm_kernels.h"

namespace int8rt::cuda {

namespace {

class FcInt8Imma final : public Kernel {
 public:
  explicit FcInt8Imma(const KernelSetup& s)
      : name_(s.layer->name), dims_(fcSetupDims(s)), k_(makeFcInt8Constants(s, dims_, name_)),
        softmax_(s.layer->as<FullyConnectedParams>().fusedSoftmax) {
    const std::vector<int8_t> packed = fcImmaPackWeights(k_.weights.values.data(), dims_.k, dims_.c);
    w_ = DeviceBuffer(packed.size(), "fully connected INT8 fragment-packed weights");
    w_.upload(packed.data(), w_.bytes());
  }

  void enqueue(const RunArgs& a) override {
    const FcDims d = fcRunDims(a, dims_, name_);
    launchFcInt8Imma(static_cast<const int8_t*>(a.inputs[0].data), w_.get(), a.outputs[0].data,
                     static_cast<int>(d.n), static_cast<int>(d.c), static_cast<int>(d.k), k_.epi,
                     softmax_, a.stream);
  }

 private:
  std::string name_;
  FcDims dims_;
  FcInt8Constants k_;
  bool softmax_;
  DeviceBuffer w_;
};

bool supportsInt8Imma(const KernelSetup& s, const DeviceInfo& dev) {
  if (!dev.present || dev.major < 8) return false;  // mma.sync m16n8k32 s8: sm_80 and later
  const auto& p = s.layer->as<FullyConnectedParams>();
  if (!fcSupports(s, DataType::kINT8, /*allowSoftmax=*/true) || !cpu::isValidActivation(p.activation))
    return false;
  const FcDims d = fcSetupDims(s);
  // A fused softmax needs each sample's whole row in one CTA (one M tile) and FP32 output.
  if (p.fusedSoftmax && (d.k > 16 || s.outputTypes[0] != DataType::kFLOAT)) return false;
  // int indexing of x and y; the grid's y dimension at 32 samples per CTA.
  return d.n * d.c < (int64_t{1} << 31) && d.n * d.k < (int64_t{1} << 31) &&
         (d.n + 31) / 32 <= 65535;
}

std::unique_ptr<Kernel> createInt8Imma(const KernelSetup& s, const std::string& config) {
  check(config.empty(), "cuda_fc_int8_imma has no configurations; got '", config, "'");
  return std::make_unique<FcInt8Imma>(s);
}

}  // namespace

std::vector<Candidate> fcImmaCandidates() {
  return {{"cuda_fc_int8_imma", LayerKind::kFULLY_CONNECTED, DataType::kINT8, supportsInt8Imma,
           nullptr, createInt8Imma}};
}

}  // namespace int8rt::cuda

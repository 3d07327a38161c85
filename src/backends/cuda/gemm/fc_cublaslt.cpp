// Fully connected through cuBLASLt: "cuda_fc_fp32_cublaslt" (FP32 compute, not TF32),
// "cuda_fc_fp16_cublaslt" (FP16 tensors, FP32 accumulation) and "cuda_fc_int8_cublaslt"
// (s8 x s8 -> s32, then the own INT8 epilogue kernel, identical to the CPU's).
//
// Row-major y[N][K] = x[N][C] W[K][C]^T is, column-major, D[K x N] = W^T x: A = W stored as a
// C x K column-major matrix (ld C) used transposed, B = x as C x N (ld C), D ld K ("TN", the
// layout cuBLASLt's INT8 kernels want). Bias and ReLU go into cuBLASLt's epilogue (exact:
// one add and a max); other activations run as an in-place kernel afterwards.
// Configs: the heuristic's algorithms (up to 8) as lt_algo_config strings.
#include <cuda_fp16.h>

#include <vector>

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/gemm/fc_common.h"
#include "backends/cuda/gemm/gemm_candidates.h"
#include "backends/cuda/gemm/gemm_kernels.h"
#include "backends/cuda/gemm/lt_matmul.h"

namespace int8rt::cuda {

namespace {

constexpr size_t kMaxLtWorkspace = 8u << 20;  // what the heuristic may ask for
constexpr int kMaxConfigs = 8;

size_t align256(size_t b) { return (b + 255) / 256 * 256; }

enum class FcPrecision { kFp32, kFp16, kInt8 };

DataType ioType(FcPrecision p) {
  return p == FcPrecision::kFp32 ? DataType::kFLOAT
                                 : p == FcPrecision::kFp16 ? DataType::kHALF : DataType::kINT8;
}

// The cuBLASLt problem of an FC with `d` dims at precision `p`.
LtProblem fcProblem(FcPrecision p, const FcDims& d, const FullyConnectedParams& fc) {
  LtProblem q;
  q.opA = CUBLAS_OP_T;
  q.opB = CUBLAS_OP_N;
  q.m = static_cast<uint64_t>(d.k);
  q.n = static_cast<uint64_t>(d.n);
  q.k = static_cast<uint64_t>(d.c);
  q.lda = d.c;
  q.ldb = d.c;
  q.ldd = d.k;
  if (p == FcPrecision::kInt8) {
    q.abType = CUDA_R_8I;
    q.dType = CUDA_R_32I;
    q.compute = CUBLAS_COMPUTE_32I;
    q.scaleType = CUDA_R_32I;
    return q;  // bias and activation are the own epilogue's
  }
  q.abType = q.dType = p == FcPrecision::kFp32 ? CUDA_R_32F : CUDA_R_16F;
  q.biasType = q.dType;
  q.compute = CUBLAS_COMPUTE_32F;  // true FP32 accumulation: never the TF32 fast path
  q.scaleType = CUDA_R_32F;
  const bool bias = !fc.bias.empty(), relu = fc.activation.type == ActivationType::kRELU;
  q.epilogue = bias ? (relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                    : (relu ? CUBLASLT_EPILOGUE_RELU : CUBLASLT_EPILOGUE_DEFAULT);
  return q;
}

bool supportsAt(FcPrecision p, const KernelSetup& s, const DeviceInfo& dev) {
  if (!dev.present || !fcSupports(s, ioType(p))) return false;
  const auto& fc = s.layer->as<FullyConnectedParams>();
  if (!cpu::isValidActivation(fc.activation)) return false;
  try {
    return !ltHeuristicConfigs(fcProblem(p, fcSetupDims(s), fc), kMaxLtWorkspace, 1).empty();
  } catch (const Error&) {
    return false;  // cuBLASLt unusable here: not a candidate
  }
}

std::vector<std::string> configsAt(FcPrecision p, const KernelSetup& s) {
  return ltHeuristicConfigs(fcProblem(p, fcSetupDims(s), s.layer->as<FullyConnectedParams>()),
                            kMaxLtWorkspace, kMaxConfigs);
}

class FcCublasLt final : public Kernel {
 public:
  FcCublasLt(FcPrecision p, const KernelSetup& s, const std::string& config)
      : name_(s.layer->name), prec_(p), dims_(fcSetupDims(s)) {
    const auto& fc = s.layer->as<FullyConnectedParams>();
    problem_ = fcProblem(p, dims_, fc);
    algo_ = ltAlgoFromConfig(problem_, config, &ltWorkspace_);
    ltWorkspace_ = align256(ltWorkspace_);
    act_ = toDevice(fc.activation);
    postActivation_ = p != FcPrecision::kInt8 && fc.activation.type != ActivationType::kNONE &&
                      fc.activation.type != ActivationType::kRELU;
    if (p == FcPrecision::kFp32) {
      upload(w_, fc.weights.values.data(), fc.weights.values.size() * sizeof(float));
      if (!fc.bias.empty()) upload(bias_, fc.bias.values.data(), fc.bias.values.size() * sizeof(float));
    } else if (p == FcPrecision::kFp16) {
      const auto w = toHalf(fc.weights.values);
      upload(w_, w.data(), w.size() * sizeof(__half));
      if (!fc.bias.empty()) {
        const auto b = toHalf(fc.bias.values);
        upload(bias_, b.data(), b.size() * sizeof(__half));
      }
    } else {
      const cpu::QuantizedWeights qw =
          cpu::quantizeWeightsPerChannel(fc.weights.values.data(), dims_.k, dims_.c);
      const cpu::i8::EpilogueParams ep =
          cpu::i8::makeEpilogueParams(s, qw.scales, fc.bias, fc.activation, name_);
      upload(w_, qw.values.data(), qw.values.size());
      upload(mult_, ep.mult.data(), ep.mult.size() * sizeof(float));
      upload(bias_, ep.bias.data(), ep.bias.size() * sizeof(float));
      epi_ = {mult_.as<float>(), bias_.as<float>(), toDevice(ep.act), ep.outInt8, ep.outInvScale};
    }
  }

  // INT8: the s32 accumulators [N][K] first, then cuBLASLt's own workspace.
  size_t accBytes() const {
    return prec_ == FcPrecision::kInt8 ? align256(static_cast<size_t>(dims_.n * dims_.k) * 4) : 0;
  }
  size_t workspaceBytes() const override { return accBytes() + ltWorkspace_; }

  void enqueue(const RunArgs& a) override {
    const FcDims d = fcRunDims(a, dims_, name_);
    if (d.n == 0) return;
    LtProblem p = problem_;
    p.n = static_cast<uint64_t>(d.n);
    // The algorithm was checked at the max batch; a smaller one is re-checked (host only).
    const cublasLtMatmulAlgo_t algo = d.n == dims_.n ? algo_ : ltAlgoForRun(p, algo_, ltWorkspace_);
    char* ws = static_cast<char*>(a.workspace);
    void* ltWs = ltWorkspace_ ? ws + accBytes() : nullptr;
    void* out = prec_ == FcPrecision::kInt8 ? static_cast<void*>(ws) : a.outputs[0].data;
    ltMatmul(p, algo, w_.get(), a.inputs[0].data, out, bias_.get(), ltWs, ltWorkspace_, a.stream);
    if (prec_ == FcPrecision::kInt8)
      launchInt8Epilogue(static_cast<const int32_t*>(out), a.outputs[0].data, d.n,
                         static_cast<int>(d.k), epi_, a.stream);
    else if (postActivation_ && prec_ == FcPrecision::kFp32)
      launchActivationInPlace(a.outputs[0].f32(), d.n * d.k, act_, a.stream);
    else if (postActivation_)
      launchActivationInPlace(static_cast<__half*>(a.outputs[0].data), d.n * d.k, act_, a.stream);
  }

 private:
  static void upload(DeviceBuffer& b, const void* host, size_t bytes) {
    b = DeviceBuffer(bytes, "fully connected constants");
    b.upload(host, bytes);
  }
  static std::vector<__half> toHalf(const std::vector<float>& v) {
    std::vector<__half> h(v.size());
    for (size_t i = 0; i < v.size(); ++i) h[i] = __float2half_rn(v[i]);
    return h;
  }

  std::string name_;
  FcPrecision prec_;
  FcDims dims_;
  LtProblem problem_;
  cublasLtMatmulAlgo_t algo_{};
  size_t ltWorkspace_ = 0;
  DeviceActivation act_;
  bool postActivation_ = false;
  DeviceBuffer w_, bias_, mult_;
  DeviceInt8Epilogue epi_;
};

template <FcPrecision P>
bool supportsP(const KernelSetup& s, const DeviceInfo& dev) { return supportsAt(P, s, dev); }
template <FcPrecision P>
std::vector<std::string> configsP(const KernelSetup& s, const DeviceInfo&) { return configsAt(P, s); }
template <FcPrecision P>
std::unique_ptr<Kernel> createP(const KernelSetup& s, const std::string& config) {
  return std::make_unique<FcCublasLt>(P, s, config);
}

}  // namespace

std::vector<Candidate> fcCublasLtCandidates() {
  using P = FcPrecision;
  return {
      {"cuda_fc_fp32_cublaslt", LayerKind::kFULLY_CONNECTED, DataType::kFLOAT, supportsP<P::kFp32>,
       configsP<P::kFp32>, createP<P::kFp32>},
      {"cuda_fc_fp16_cublaslt", LayerKind::kFULLY_CONNECTED, DataType::kHALF, supportsP<P::kFp16>,
       configsP<P::kFp16>, createP<P::kFp16>},
      {"cuda_fc_int8_cublaslt", LayerKind::kFULLY_CONNECTED, DataType::kINT8, supportsP<P::kInt8>,
       configsP<P::kInt8>, createP<P::kInt8>},
  };
}

}  // namespace int8rt::cuda

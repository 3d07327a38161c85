// Convolution through cuDNN's legacy API: "cuda_conv2d_fp32_cudnn" (FP32 tensors, FMA math, so
// FP32 stays FP32: TF32 never) and "cuda_conv2d_fp16_cudnn" (FP16 tensors, FP32 accumulation,
// tensor-op math). Each algorithm that cudnnGetConvolutionForwardAlgorithm_v7 reports as
// runnable within kMaxWorkspace at the max batch is one configuration ("algo=1,math=tensor"),
// so the builder's timing picks among them and the own kernels; the plan keeps the string.
// FP32 leaves out WINOGRAD_NONFUSED (not FP32-accurate, see fp32Accurate).
//
// Bias and activation: ReLU (and identity with IMPLICIT_PRECOMP_GEMM, the one algorithm cuDNN
// fuses it for) run inside cudnnConvolutionBiasActivationForward; anything else is
// cudnnConvolutionForward, then the own in-place epilogue (cudnn_epilogue.cu). Fused max pools
// and FP32-input quantize fusions are not supported (supports() is false).
//
// create() uploads the weights, builds the descriptors and runs the convolution once at the max
// batch on scratch memory (synchronized), so that cuDNN's lazy set-up never happens inside the
// execution context's graph capture, and so that a fused call cuDNN refuses is found then (the
// kernel falls back to the unfused path). enqueue() only sets the run's batch on the
// descriptors and the stream on the handle (host calls), and launches: no allocation, no sync.
#include <cuda_fp16.h>

#include <algorithm>
#include <optional>

#include "backends/cpu/common/activation_math.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/candidates.h"
#include "backends/cuda/conv/conv_setup.h"
#include "backends/cuda/cudnn/cudnn_config.h"
#include "backends/cuda/cudnn/cudnn_descriptors.h"
#include "backends/cuda/cudnn/cudnn_epilogue.h"
#include "backends/cuda/cudnn/cudnn_handle.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/engine/cuda_handles.h"

namespace int8rt::cuda {

namespace {

static_assert(kCudnnFwdAlgoCount == CUDNN_CONVOLUTION_FWD_ALGO_COUNT);

constexpr size_t kMaxWorkspace = size_t{64} << 20;  // an algorithm needing more is not offered

size_t align256(size_t b) { return (b + 255) / 256 * 256; }

enum class Prec { kFp32, kFp16 };

DataType tensorType(Prec p) { return p == Prec::kFp32 ? DataType::kFLOAT : DataType::kHALF; }
cudnnDataType_t cudnnType(Prec p) { return p == Prec::kFp32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_HALF; }
const char* nameOf(Prec p) { return p == Prec::kFp32 ? "cuda_conv2d_fp32_cudnn" : "cuda_conv2d_fp16_cudnn"; }

// FP32 runs with FMA math only: CUDNN_DEFAULT_MATH would let cuDNN use TF32 tensor cores on
// Ampere and later (10-bit mantissa), far outside FP32's tolerance. FP16 uses the tensor cores.
CudnnMath mathOf(Prec p) { return p == Prec::kFp32 ? CudnnMath::kFma : CudnnMath::kTensor; }
cudnnMathType_t cudnnMath(CudnnMath m) { return m == CudnnMath::kTensor ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH; }

// WINOGRAD_NONFUSED is not offered for FP32: on an H100 (cuDNN 9.14, FMA math) it was off by
// up to 1e-3 of the output's magnitude on LeNet's 5x5 convolutions, ten times FP32's tolerance
// (as if its transforms ran in reduced precision), while every other algorithm was within 1e-4.
bool fp32Accurate(int algo) { return algo != CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED; }

// cuDNN fuses ReLU with every algorithm, identity only with IMPLICIT_PRECOMP_GEMM.
bool fusable(const ConvolutionParams& p, int algo) {
  if (p.activation.type == ActivationType::kRELU) return true;
  return p.activation.type == ActivationType::kNONE && !p.bias.empty() &&
         algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
}

bool shapeSupported(Prec p, const KernelSetup& s, const DeviceInfo& d) {
  return d.present && conv::supportedConv2d(s) && cpu::allOfType(s, tensorType(p)) &&
         cudnnPaddingFits(s) && cudnnApi() != nullptr;
}

// The runnable algorithms at the setup's (max) batch, best guess first.
std::vector<std::string> configsAt(Prec p, const KernelSetup& s) {
  const std::string& layer = s.layer->name;
  const CudnnConvShape shape = cudnnConvShape(s);
  CudnnLease lease;
  const CudnnApi& api = lease.api();
  const CudnnConvDescs d = makeCudnnConvDescs(api, shape, cudnnType(p), cudnnMath(mathOf(p)), false, layer);
  int maxCount = 0;
  checkCudnn(api, api.cudnnGetConvolutionForwardAlgorithmMaxCount(lease.handle(), &maxCount),
             "layer '", layer, "': cudnnGetConvolutionForwardAlgorithmMaxCount");
  std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<size_t>(std::max(maxCount, 1)));
  int returned = 0;
  checkCudnn(api, api.cudnnGetConvolutionForwardAlgorithm_v7(lease.handle(), d.x.get(), d.w.get(), d.conv.get(),
                                                             d.y.get(), static_cast<int>(perf.size()),
                                                             &returned, perf.data()),
             "layer '", layer, "': cudnnGetConvolutionForwardAlgorithm_v7");
  std::vector<std::string> configs;
  for (int i = 0; i < returned; ++i) {
    const cudnnConvolutionFwdAlgoPerf_t& r = perf[static_cast<size_t>(i)];
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > kMaxWorkspace || r.algo < 0 ||
        r.algo >= CUDNN_CONVOLUTION_FWD_ALGO_COUNT || (p == Prec::kFp32 && !fp32Accurate(r.algo)))
      continue;
    // The math type is the one set on the descriptor (the tactic's), not r.mathType: for FP32
    // that keeps FMA even where cuDNN would report an algorithm under another math type.
    const std::string c = formatCudnnConvConfig({static_cast<int>(r.algo), mathOf(p)});
    if (std::find(configs.begin(), configs.end(), c) == configs.end()) configs.push_back(c);
  }
  return configs;
}

template <class T>
DeviceBuffer upload(const std::vector<T>& v, const char* what) {
  DeviceBuffer b(v.size() * sizeof(T), what);
  b.upload(v.data(), b.bytes());
  return b;
}

std::vector<__half> toHalf(const std::vector<float>& v) {
  std::vector<__half> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = __float2half_rn(v[i]);
  return h;
}

class CudnnConvKernel final : public Kernel {
 public:
  CudnnConvKernel(Prec prec, const KernelSetup& s, const std::string& config)
      : prec_(prec), name_(s.layer->name) {
    check(cudnnApi() != nullptr, "layer '", name_, "': ", nameOf(prec), ": cuDNN is unavailable: ",
          cudnnUnavailableReason());
    const CudnnConvConfig cfg = parseCudnnConvConfig(config, name_);
    check(prec != Prec::kFp32 || cfg.math == CudnnMath::kFma, "layer '", name_, "': ", nameOf(prec),
          " runs only with math=fma (tensor math would compute FP32 in TF32), not '", config, "'");
    check(prec != Prec::kFp32 || fp32Accurate(cfg.algo), "layer '", name_, "': ", nameOf(prec),
          " does not run algorithm ", cfg.algo, " (WINOGRAD_NONFUSED: not FP32-accurate)");
    algo_ = static_cast<cudnnConvolutionFwdAlgo_t>(cfg.algo);
    shape_ = cudnnConvShape(s);
    const auto& p = s.layer->as<ConvolutionParams>();
    act_ = toDevice(p.activation);
    hasBias_ = !p.bias.empty();

    // Weights [K][C/groups][R][S] are cuDNN's NCHW filter layout as they are.
    if (prec == Prec::kFp32) {
      weights_ = upload(p.weights.values, "cuDNN convolution weights");
    } else {
      weights_ = upload(toHalf(p.weights.values), "cuDNN convolution weights");
    }
    // FP32 bias for the own epilogue; the fused call wants it in the tensors' type (zeros when
    // the layer has none: the fused ReLU still adds a bias).
    const std::vector<float> bias = hasBias_ ? p.bias.values : std::vector<float>(static_cast<size_t>(shape_.k), 0.f);
    biasF32_ = upload(bias, "cuDNN convolution bias");
    if (prec == Prec::kFp16) biasHalf_ = upload(toHalf(bias), "cuDNN convolution bias");
    fused_ = fusable(p, cfg.algo);

    CudnnLease lease;
    const CudnnApi& api = lease.api();
    descs_.emplace(makeCudnnConvDescs(api, shape_, cudnnType(prec), cudnnMath(cfg.math),
                                      p.activation.type == ActivationType::kRELU, name_));
    // Workspace: what the algorithm needs at the max batch and at batch 1 (a run between the two
    // that needs more than this falls back to IMPLICIT_GEMM, which needs none: see enqueue).
    size_t atMax = 0, atOne = 0;
    checkCudnn(api, workspaceFor(api, lease.handle(), algo_, &atMax), "layer '", name_, "': cuDNN algorithm ",
               cfg.algo, " cannot run this convolution");
    check(atMax <= kMaxWorkspace, "layer '", name_, "': cuDNN algorithm ", cfg.algo, " needs ", atMax,
          " bytes of workspace, more than the ", kMaxWorkspace, " allowed");
    descs_->setBatch(api, 1);
    if (workspaceFor(api, lease.handle(), algo_, &atOne) != CUDNN_STATUS_SUCCESS || atOne > kMaxWorkspace)
      atOne = 0;
    workspace_ = align256(std::max(atMax, atOne));
    warmUp(lease);
  }

  size_t workspaceBytes() const override { return workspace_; }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs.at(0).shape;
    const Shape& ys = a.outputs.at(0).shape;
    const CudnnConvShape& g = shape_;
    conv::checkRunShapes(xs, ys, g.n, {g.c, g.h, g.w}, {g.k, g.oh, g.ow}, name_);
    CudnnLease lease;
    checkCudnn(lease.api(), lease.api().cudnnSetStream(lease.handle(), a.stream), "layer '", name_,
               "': cudnnSetStream");
    run(lease, static_cast<int>(xs[0]), a.inputs[0].data, a.outputs[0].data, a.workspace, a.stream);
  }

 private:
  // First member: the device's cuDNN handle outlives everything below that uses it.
  CudnnHandleHold hold_;
  cudnnStatus_t workspaceFor(const CudnnApi& api, cudnnHandle_t h, cudnnConvolutionFwdAlgo_t algo,
                             size_t* bytes) const {
    return api.cudnnGetConvolutionForwardWorkspaceSize(h, descs_->x.get(), descs_->w.get(),
                                                       descs_->conv.get(), descs_->y.get(), algo, bytes);
  }

  // Enqueues batch n on the stream the handle is set to. Host work plus cuDNN's and the own
  // epilogue's launches; throws int8rt::Error when cuDNN refuses.
  void run(const CudnnLease& lease, int n, const void* x, void* y, void* workspace, cudaStream_t stream) {
    const CudnnApi& api = lease.api();
    CudnnConvDescs& d = *descs_;
    d.setBatch(api, n);
    cudnnConvolutionFwdAlgo_t algo = algo_;
    bool fused = fused_;
    if (n != shape_.n) {
      // The workspace was sized at batch 1 and the max batch; cuDNN's need in between is
      // re-checked on the host (IMPLICIT_GEMM needs no workspace at all).
      size_t need = 0;
      if (workspaceFor(api, lease.handle(), algo, &need) != CUDNN_STATUS_SUCCESS || need > workspace_) {
        algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
        fused = false;
      }
    }
    const float one = 1.f, zero = 0.f;  // alpha / beta are float for FP32 and FP16 tensors alike
    if (fused) {
      // y = relu(conv(x) + 0 * z + bias): z is y itself with weight 0 (not read).
      const void* bias = prec_ == Prec::kFp32 ? biasF32_.get() : biasHalf_.get();
      const cudnnStatus_t st = api.cudnnConvolutionBiasActivationForward(
          lease.handle(), &one, d.x.get(), x, d.w.get(), weights_.get(), d.conv.get(), algo, workspace,
          workspace_, &zero, d.y.get(), y, d.bias.get(), bias, d.act.get(), d.y.get(), y);
      if (st == CUDNN_STATUS_SUCCESS) return;
      // Refused (nothing was launched): the unfused path computes the same.
    }
    checkCudnn(api, api.cudnnConvolutionForward(lease.handle(), &one, d.x.get(), x, d.w.get(), weights_.get(),
                                                d.conv.get(), algo, workspace, workspace_, &zero, d.y.get(), y),
               "layer '", name_, "': cudnnConvolutionForward (algorithm ", static_cast<int>(algo), ")");
    if (!hasBias_ && act_.type == static_cast<int>(ActivationType::kNONE)) return;
    const int64_t count = int64_t{n} * shape_.k * shape_.oh * shape_.ow;
    const float* bias = hasBias_ ? biasF32_.as<float>() : nullptr;
    if (prec_ == Prec::kFp32)
      launchChannelBiasActivation(static_cast<float*>(y), bias, count, shape_.oh * shape_.ow, shape_.k, act_, stream);
    else
      launchChannelBiasActivation(static_cast<__half*>(y), bias, count, shape_.oh * shape_.ow, shape_.k, act_, stream);
  }

  // One run at the max batch on scratch memory, synchronized: cuDNN's first-use work (kernel
  // loading, plan building) happens here rather than inside a graph capture, and a fused call
  // that cuDNN refuses for this algorithm turns the kernel to the unfused path for good.
  void warmUp(const CudnnLease& lease) {
    const CudnnApi& api = lease.api();
    const size_t elem = prec_ == Prec::kFp32 ? 4 : 2;
    const CudnnConvShape& g = shape_;
    DeviceBuffer x(size_t{1} * g.n * g.c * g.h * g.w * elem, "cuDNN warm-up input");
    DeviceBuffer y(size_t{1} * g.n * g.k * g.oh * g.ow * elem, "cuDNN warm-up output");
    DeviceBuffer ws(workspace_, "cuDNN warm-up workspace");
    Stream stream = Stream::create("the cuDNN warm-up");
    checkCuda(cudaMemsetAsync(x.get(), 0, x.bytes(), stream.get()), "layer '", name_, "': warm-up input");
    checkCudnn(api, api.cudnnSetStream(lease.handle(), stream.get()), "layer '", name_, "': cudnnSetStream");
    if (fused_) {
      descs_->setBatch(api, g.n);
      const void* bias = prec_ == Prec::kFp32 ? biasF32_.get() : biasHalf_.get();
      const float one = 1.f, zero = 0.f;
      const cudnnStatus_t st = api.cudnnConvolutionBiasActivationForward(
          lease.handle(), &one, descs_->x.get(), x.get(), descs_->w.get(), weights_.get(), descs_->conv.get(),
          algo_, ws.get(), workspace_, &zero, descs_->y.get(), y.get(), descs_->bias.get(), bias,
          descs_->act.get(), descs_->y.get(), y.get());
      if (st != CUDNN_STATUS_SUCCESS) fused_ = false;
    }
    if (!fused_) run(lease, g.n, x.get(), y.get(), ws.get(), stream.get());
    checkCuda(cudaStreamSynchronize(stream.get()), "layer '", name_, "': cuDNN warm-up run");
    // Leave the shared handle on the default stream, not on the stream destroyed here.
    api.cudnnSetStream(lease.handle(), nullptr);
  }

  Prec prec_;
  std::string name_;
  cudnnConvolutionFwdAlgo_t algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  CudnnConvShape shape_;
  DeviceActivation act_;
  bool hasBias_ = false;
  bool fused_ = false;
  size_t workspace_ = 0;
  DeviceBuffer weights_, biasF32_, biasHalf_;
  std::optional<CudnnConvDescs> descs_;
};

template <Prec P>
bool supportsP(const KernelSetup& s, const DeviceInfo& d) {
  if (!shapeSupported(P, s, d)) return false;
  try {
    return !configsAt(P, s).empty();
  } catch (const Error&) {
    return false;  // cuDNN unusable for this layer here (no handle, descriptor refused)
  }
}

template <Prec P>
std::vector<std::string> configsP(const KernelSetup& s, const DeviceInfo&) {
  return configsAt(P, s);
}

template <Prec P>
std::unique_ptr<Kernel> createP(const KernelSetup& s, const std::string& config) {
  return std::make_unique<CudnnConvKernel>(P, s, config);
}

}  // namespace

std::vector<Candidate> cudnnConvolutionCandidates() {
  return {
      {nameOf(Prec::kFp16), LayerKind::kCONVOLUTION, DataType::kHALF, supportsP<Prec::kFp16>,
       configsP<Prec::kFp16>, createP<Prec::kFp16>, FormatRule::kLinearOnly, cudnnUnavailableReason},
      {nameOf(Prec::kFp32), LayerKind::kCONVOLUTION, DataType::kFLOAT, supportsP<Prec::kFp32>,
       configsP<Prec::kFp32>, createP<Prec::kFp32>, FormatRule::kLinearOnly, cudnnUnavailableReason},
  };
}

}  // namespace int8rt::cuda

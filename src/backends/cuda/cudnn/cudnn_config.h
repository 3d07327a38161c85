// A cuDNN convolution algorithm as a configuration string, "algo=1,math=tensor", so that the
// builder times each algorithm as its own tactic and the plan records the winner; create()
// parses it back. Strict: both keys once, in this order; algo a cudnnConvolutionFwdAlgo_t value
// (0..7), math "fma" (CUDNN_FMA_MATH: plain FP32 FMAs, never TF32) or "tensor"
// (CUDNN_TENSOR_OP_MATH). Anything else is a corrupt plan and throws int8rt::Error.
// Plain host code without cudnn.h: the round trip is unit-tested without a GPU.
#pragma once
#include <string>

namespace int8rt::cuda {

enum class CudnnMath { kFma, kTensor };

struct CudnnConvConfig {
  int algo = 0;  // cudnnConvolutionFwdAlgo_t
  CudnnMath math = CudnnMath::kFma;
};

// CUDNN_CONVOLUTION_FWD_ALGO_COUNT (checked against cudnn.h where the header is included).
constexpr int kCudnnFwdAlgoCount = 8;

bool operator==(const CudnnConvConfig& a, const CudnnConvConfig& b);
std::string formatCudnnConvConfig(const CudnnConvConfig& c);
// `layer` names the layer in the error message.
CudnnConvConfig parseCudnnConvConfig(const std::string& text, const std::string& layer);

}  // namespace int8rt::cuda

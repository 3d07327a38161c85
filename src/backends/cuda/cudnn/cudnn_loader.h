// cuDNN loaded at run time: libcudnn.so.9 is opened with dlopen on first use (once, thread-safe)
// and the few legacy-API functions the convolution candidates call are resolved into a function
// table. The library is never linked, so int8rt starts on machines without cuDNN; there the
// cuDNN candidates' supports() is false and cudnnUnavailableReason() says why. cudnn.h is
// included for its types and enums only (a declaration's type, never its symbol).
// INT8RT_CUDNN=0 in the environment keeps cuDNN unloaded (for comparisons without it).
#pragma once
#include <cudnn.h>

#include <string>
#include <utility>

#include "core/error.h"

namespace int8rt::cuda {

#define I8RT_CUDNN_FUNCTIONS(X)                                                            \
  X(cudnnGetVersion) X(cudnnGetErrorString) X(cudnnCreate) X(cudnnDestroy) X(cudnnSetStream) \
  X(cudnnCreateTensorDescriptor) X(cudnnSetTensor4dDescriptor)                             \
  X(cudnnDestroyTensorDescriptor) X(cudnnCreateFilterDescriptor)                           \
  X(cudnnSetFilter4dDescriptor) X(cudnnDestroyFilterDescriptor)                            \
  X(cudnnCreateConvolutionDescriptor) X(cudnnSetConvolution2dDescriptor)                   \
  X(cudnnSetConvolutionGroupCount) X(cudnnSetConvolutionMathType)                          \
  X(cudnnDestroyConvolutionDescriptor) X(cudnnGetConvolution2dForwardOutputDim)            \
  X(cudnnCreateActivationDescriptor) X(cudnnSetActivationDescriptor)                       \
  X(cudnnDestroyActivationDescriptor) X(cudnnGetConvolutionForwardAlgorithmMaxCount)       \
  X(cudnnGetConvolutionForwardAlgorithm_v7) X(cudnnGetConvolutionForwardWorkspaceSize)     \
  X(cudnnConvolutionForward) X(cudnnConvolutionBiasActivationForward)

struct CudnnApi {
#define I8RT_CUDNN_MEMBER(fn) decltype(&::fn) fn = nullptr;
  I8RT_CUDNN_FUNCTIONS(I8RT_CUDNN_MEMBER)
#undef I8RT_CUDNN_MEMBER
  size_t version = 0;  // cudnnGetVersion(): 91900 for 9.19.0
};

// The loaded library's functions, or null when cuDNN is unavailable (then the reason is set).
const CudnnApi* cudnnApi();
// "" when cudnnApi() is non-null, else one line: "libcudnn.so.9 could not be loaded (...)",
// "cuDNN 8.9.7 found, int8rt needs cuDNN 9", ...
const std::string& cudnnUnavailableReason();
// "9.19.0", or "" when unavailable.
std::string cudnnVersionText();

// Throws int8rt::Error "<what>: <cuDNN's status string>" unless s is CUDNN_STATUS_SUCCESS.
template <class... Parts>
void checkCudnn(const CudnnApi& api, cudnnStatus_t s, Parts&&... what) {
  if (s != CUDNN_STATUS_SUCCESS) fail(std::forward<Parts>(what)..., ": ", api.cudnnGetErrorString(s));
}

}  // namespace int8rt::cuda

// The cuDNN descriptors of one convolution, owned (destroyed through the loaded library) and
// built from a CudnnConvShape: x and y NCHW at a batch that setBatch() changes (host only),
// the filter [K][C/groups][R][S] (int8rt's weight layout), cross-correlation with the group
// count, FP32 accumulation for FP32 and FP16 tensors alike, the math type of the tactic, and
// for the fused path the bias [1][K][1][1] and the activation (ReLU or identity).
#pragma once
#include <memory>
#include <type_traits>

#include "backends/cuda/cudnn/cudnn_conv_shape.h"
#include "backends/cuda/cudnn/cudnn_loader.h"

namespace int8rt::cuda {

template <class D>
using CudnnDesc = std::unique_ptr<std::remove_pointer_t<D>, void (*)(D)>;

struct CudnnConvDescs {
  CudnnDesc<cudnnTensorDescriptor_t> x, y, bias;
  CudnnDesc<cudnnFilterDescriptor_t> w;
  CudnnDesc<cudnnConvolutionDescriptor_t> conv;
  CudnnDesc<cudnnActivationDescriptor_t> act;
  int batch = 0;  // the batch x and y describe now
  cudnnDataType_t type = CUDNN_DATA_FLOAT;
  CudnnConvShape shape;

  // Sets x and y to batch n (cheap host calls; the caller holds the cuDNN lease).
  void setBatch(const CudnnApi& api, int n);
};

// `type` CUDNN_DATA_FLOAT or CUDNN_DATA_HALF; `relu` selects the fused activation (else
// identity). Checks that cuDNN's output plane is the shape's. Throws int8rt::Error naming `layer`.
CudnnConvDescs makeCudnnConvDescs(const CudnnApi& api, const CudnnConvShape& shape,
                                  cudnnDataType_t type, cudnnMathType_t math, bool relu,
                                  const std::string& layer);

}  // namespace int8rt::cuda

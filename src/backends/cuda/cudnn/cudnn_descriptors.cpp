#include "backends/cuda/cudnn/cudnn_descriptors.h"

namespace int8rt::cuda {

namespace {

// Destroyers through the function table (the library stays loaded once it was).
void destroyTensor(cudnnTensorDescriptor_t d) { cudnnApi()->cudnnDestroyTensorDescriptor(d); }
void destroyFilter(cudnnFilterDescriptor_t d) { cudnnApi()->cudnnDestroyFilterDescriptor(d); }
void destroyConv(cudnnConvolutionDescriptor_t d) { cudnnApi()->cudnnDestroyConvolutionDescriptor(d); }
void destroyAct(cudnnActivationDescriptor_t d) { cudnnApi()->cudnnDestroyActivationDescriptor(d); }

CudnnDesc<cudnnTensorDescriptor_t> tensorDesc(const CudnnApi& api, const std::string& layer) {
  cudnnTensorDescriptor_t d = nullptr;
  checkCudnn(api, api.cudnnCreateTensorDescriptor(&d), "layer '", layer, "': cudnnCreateTensorDescriptor");
  return {d, destroyTensor};
}

void set4d(const CudnnApi& api, cudnnTensorDescriptor_t d, cudnnDataType_t t, int n, int c, int h,
           int w, const char* what) {
  checkCudnn(api, api.cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, t, n, c, h, w),
             "cudnnSetTensor4dDescriptor of the ", what, " ", n, "x", c, "x", h, "x", w);
}

}  // namespace

void CudnnConvDescs::setBatch(const CudnnApi& api, int n) {
  if (n == batch) return;
  set4d(api, x.get(), type, n, shape.c, shape.h, shape.w, "input");
  set4d(api, y.get(), type, n, shape.k, shape.oh, shape.ow, "output");
  batch = n;
}

CudnnConvDescs makeCudnnConvDescs(const CudnnApi& api, const CudnnConvShape& s,
                                  cudnnDataType_t type, cudnnMathType_t math, bool relu,
                                  const std::string& layer) {
  const std::string at = "layer '" + layer + "': ";
  CudnnConvDescs d{tensorDesc(api, layer),   tensorDesc(api, layer), tensorDesc(api, layer),
                   {nullptr, destroyFilter},  {nullptr, destroyConv},  {nullptr, destroyAct},
                   /*batch=*/0,               type,                    s};
  d.setBatch(api, s.n);
  set4d(api, d.bias.get(), type, 1, s.k, 1, 1, "bias");

  cudnnFilterDescriptor_t w = nullptr;
  checkCudnn(api, api.cudnnCreateFilterDescriptor(&w), at, "cudnnCreateFilterDescriptor");
  d.w.reset(w);
  checkCudnn(api, api.cudnnSetFilter4dDescriptor(w, type, CUDNN_TENSOR_NCHW, s.k, s.c / s.groups, s.r, s.s),
             at, "cudnnSetFilter4dDescriptor");

  cudnnConvolutionDescriptor_t conv = nullptr;
  checkCudnn(api, api.cudnnCreateConvolutionDescriptor(&conv), at, "cudnnCreateConvolutionDescriptor");
  d.conv.reset(conv);
  // FP32 accumulation also for FP16 tensors (cuDNN's "pseudo half"), as the own HMMA kernel.
  checkCudnn(api, api.cudnnSetConvolution2dDescriptor(conv, s.padH, s.padW, s.strideH, s.strideW,
                                                      s.dilationH, s.dilationW,
                                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
             at, "cudnnSetConvolution2dDescriptor");
  checkCudnn(api, api.cudnnSetConvolutionGroupCount(conv, s.groups), at, "cudnnSetConvolutionGroupCount ", s.groups);
  checkCudnn(api, api.cudnnSetConvolutionMathType(conv, math), at, "cudnnSetConvolutionMathType");

  int n = 0, k = 0, oh = 0, ow = 0;
  checkCudnn(api, api.cudnnGetConvolution2dForwardOutputDim(conv, d.x.get(), w, &n, &k, &oh, &ow),
             at, "cudnnGetConvolution2dForwardOutputDim");
  check(n == s.n && k == s.k && oh == s.oh && ow == s.ow, at, "cuDNN computes an output of ", n, "x",
        k, "x", oh, "x", ow, ", the layer's is ", s.n, "x", s.k, "x", s.oh, "x", s.ow);

  cudnnActivationDescriptor_t act = nullptr;
  checkCudnn(api, api.cudnnCreateActivationDescriptor(&act), at, "cudnnCreateActivationDescriptor");
  d.act.reset(act);
  // NaN -> 0 like the CPU's ReLU (x > 0 ? x : 0).
  checkCudnn(api, api.cudnnSetActivationDescriptor(act, relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
                                                   CUDNN_NOT_PROPAGATE_NAN, 0.0),
             at, "cudnnSetActivationDescriptor");
  return d;
}

}  // namespace int8rt::cuda

// Each group of CUDA kernels exports one function returning its candidates; registry.cpp
// lists them. Adding a kernel is one declaration here and one line there.
#pragma once
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda {

std::vector<Candidate> convolutionCandidates();    // conv/: FP32, FP16 HMMA, INT8 IMMA
std::vector<Candidate> gemmCandidates();           // gemm/: fully connected and MatMul
std::vector<Candidate> poolingCandidates();        // layers/: pooling
std::vector<Candidate> pointwiseCandidates();      // layers/: activation, elementwise, scale, PReLU
std::vector<Candidate> dataMovementCandidates();   // layers/: concat, shuffle, padding, identity / reformat
std::vector<Candidate> normalizationCandidates();  // layers/: softmax, LRN
#ifdef INT8RT_HAVE_CUDNN_HEADERS
std::vector<Candidate> cudnnConvolutionCandidates();  // cudnn/: convolution through cuDNN 9
#endif

}  // namespace int8rt::cuda

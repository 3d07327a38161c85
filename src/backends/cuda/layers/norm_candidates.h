// The normalization kernel files' candidate lists; normalization.cu joins them into the group.
#pragma once
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda::layers {

std::vector<Candidate> softMaxCandidates();  // norm_softmax.cu
std::vector<Candidate> lrnCandidates();      // norm_lrn.cu

}  // namespace int8rt::cuda::layers

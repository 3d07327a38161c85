// The pointwise kernel files' candidate lists; pointwise.cu joins them into the group.
#pragma once
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda::layers {

std::vector<Candidate> activationCandidates();   // pointwise_activation.cu
std::vector<Candidate> elementWiseCandidates();  // pointwise_elementwise.cu
std::vector<Candidate> scaleCandidates();        // pointwise_scale.cu
std::vector<Candidate> preluCandidates();        // pointwise_prelu.cu

}  // namespace int8rt::cuda::layers

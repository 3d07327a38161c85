// The pointwise group: activation, elementwise, scale and PReLU, FP32 and FP16 (FP32 math).
#include "backends/cuda/candidates.h"
#include "backends/cuda/layers/pointwise_candidates.h"

namespace int8rt::cuda {

std::vector<Candidate> pointwiseCandidates() {
  std::vector<Candidate> all;
  for (auto* list : {layers::activationCandidates, layers::elementWiseCandidates,
                     layers::scaleCandidates, layers::preluCandidates}) {
    std::vector<Candidate> v = list();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace int8rt::cuda

// The normalization group: softmax / log-softmax and LRN, FP32 and FP16 (FP32 math).
#include "backends/cuda/candidates.h"
#include "backends/cuda/layers/norm_candidates.h"

namespace int8rt::cuda {

std::vector<Candidate> normalizationCandidates() {
  std::vector<Candidate> all = layers::softMaxCandidates();
  std::vector<Candidate> lrn = layers::lrnCandidates();
  all.insert(all.end(), lrn.begin(), lrn.end());
  return all;
}

}  // namespace int8rt::cuda

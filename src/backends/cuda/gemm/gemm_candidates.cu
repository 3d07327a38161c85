// PLACEHOLDER until this group's kernels land: no candidates yet.
#include "backends/cuda/candidates.h"

namespace int8rt::cuda {

std::vector<Candidate> gemmCandidates() { return {}; }

}  // namespace int8rt::cuda

// PLACEHOLDER until this group's kernels land: no candidates yet.
#include "backends/cuda/candidates.h"

namespace int8rt::cuda {

std::vector<Candidate> convolutionCandidates() { return {}; }

}  // namespace int8rt::cuda

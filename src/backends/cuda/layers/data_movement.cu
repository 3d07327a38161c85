// The data-movement group: identity and every precision reformat (dm_identity.cu),
// concatenation (dm_concat.cu), shuffle (dm_shuffle.cu), padding (dm_padding.cu) and the
// NCHW <-> NHWC layout reformats (dm_layout.cu).
#include "backends/cuda/candidates.h"
#include "backends/cuda/layers/dm_common.h"

namespace int8rt::cuda {

std::vector<Candidate> dataMovementCandidates() {
  std::vector<Candidate> all;
  for (auto* group : {dm::identityCandidates, dm::concatenationCandidates, dm::shuffleCandidates,
                      dm::paddingCandidates, dm::layoutCandidates}) {
    std::vector<Candidate> list = group();
    all.insert(all.end(), list.begin(), list.end());
  }
  return all;
}

}  // namespace int8rt::cuda

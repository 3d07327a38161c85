// The INT8 candidate list: per layer kind the fast kernels first, the scalar reference last.
#include "backends/cpu/int8/int8_kernels.h"

#include "backends/cpu/int8/int8_candidates.h"

namespace int8rt::cpu {

void appendInt8Kernels(std::vector<KernelCandidate>& out) {
  for (auto list :
       {int8Avx512VnniCandidates(), convolutionInt8GemmCandidates(), convolutionInt8RefCandidates(),
        fullyConnectedInt8GemmCandidates(), fullyConnectedInt8RefCandidates(),
        poolingInt8Avx2Candidates(), poolingInt8RefCandidates(), shuffleInt8RefCandidates(),
        concatenationInt8RefCandidates(), identityInt8RefCandidates()})
    for (auto& c : list) out.push_back(std::move(c));
}

}  // namespace int8rt::cpu

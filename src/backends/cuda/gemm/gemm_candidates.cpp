// Fully connected and MatMul on the GPU. Order within a kind and precision: cuBLASLt first
// (large batches), then the own tiled and tensor-core kernels (small batches); the builder times both.
#include "backends/cuda/candidates.h"
#include "backends/cuda/gemm/gemm_candidates.h"

namespace int8rt::cuda {

std::vector<Candidate> gemmCandidates() {
  std::vector<Candidate> all = fcCublasLtCandidates();
  for (const Candidate& c : fcTiledCandidates()) all.push_back(c);
  for (const Candidate& c : fcImmaCandidates()) all.push_back(c);
  for (const Candidate& c : matMulCublasLtCandidates()) all.push_back(c);
  return all;
}

}  // namespace int8rt::cuda

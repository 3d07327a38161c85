// The gemm group's candidate lists, one per file; gemm_candidates.cpp joins them.
#pragma once
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda {

std::vector<Candidate> fcCublasLtCandidates();      // fc_cublaslt.cpp
std::vector<Candidate> fcTiledCandidates();         // fc_tiled.cpp
std::vector<Candidate> fcImmaCandidates();          // fc_imma.cpp
std::vector<Candidate> matMulCublasLtCandidates();  // matmul_cublaslt.cpp

}  // namespace int8rt::cuda

// A thin layer over cuBLASLt shared by the FC and MatMul candidates: one handle per device
// (created lazily, thread-safely, kept for the process), a problem description from which the
// descriptors are built on the stack (cublasLt*Init: no allocation, so enqueue may rebuild them
// for the run's batch while a CUDA graph is being captured), the heuristic's algorithms as
// config strings, and the config string turned back into a checked cublasLtMatmulAlgo_t.
//
// Everything is column-major, as cuBLASLt sees it: D[m x n] = op(A) * op(B) (+ bias[m]).
#pragma once
#include <cublasLt.h>

#include <cstdint>
#include <string>
#include <vector>

#include "backends/cuda/gemm/lt_algo_config.h"

namespace int8rt::cuda {

cublasLtHandle_t ltHandle();  // of the current device; throws when cuBLASLt cannot start

// Throws int8rt::Error naming `what` when s is not CUBLAS_STATUS_SUCCESS.
void checkLt(cublasStatus_t s, const char* what);

struct LtProblem {
  cudaDataType_t abType = CUDA_R_32F;  // A and B
  cudaDataType_t dType = CUDA_R_32F;   // C and D
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  cudaDataType_t scaleType = CUDA_R_32F;
  cublasOperation_t opA = CUBLAS_OP_N, opB = CUBLAS_OP_N;
  uint64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldd = 0;  // of the stored matrices (before op)
  int32_t batch = 1;
  int64_t strideA = 0, strideB = 0, strideD = 0;  // elements; 0 broadcasts one matrix
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;  // BIAS / RELU / RELU_BIAS
  cudaDataType_t biasType = CUDA_R_32F;
};

// Up to `maxCount` algorithms the heuristic proposes within `workspaceLimit` bytes, as config
// strings (best first). Empty when cuBLASLt has none for this problem.
std::vector<std::string> ltHeuristicConfigs(const LtProblem& p, size_t workspaceLimit,
                                            int maxCount);

// The algorithm of a config string, checked against the problem (cublasLtMatmulAlgoCheck);
// `workspaceNeeded` receives its workspace size. Throws for a garbage string or an algorithm
// this problem / device cannot run.
cublasLtMatmulAlgo_t ltAlgoFromConfig(const LtProblem& p, const std::string& config,
                                      size_t* workspaceNeeded);

// For a run whose shape differs from the one `algo` was checked for: `algo` when it still
// checks out within `workspaceLimit`, else the heuristic's first choice; throws if neither.
cublasLtMatmulAlgo_t ltAlgoForRun(const LtProblem& p, const cublasLtMatmulAlgo_t& algo,
                                  size_t workspaceLimit);

// D = alpha * op(A) op(B) (+ bias, activation per p.epilogue); alpha is 1 and beta 0, in the
// problem's scale type. Host work only, plus one cuBLASLt launch on `stream`.
void ltMatmul(const LtProblem& p, const cublasLtMatmulAlgo_t& algo, const void* a, const void* b,
              void* d, const void* bias, void* workspace, size_t workspaceBytes,
              cudaStream_t stream);

}  // namespace int8rt::cuda

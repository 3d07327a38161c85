// numpy matmul (backends/cpu/ref/matmul_ref.cpp) as one strided-batched GEMM, when the batch
// broadcast allows it: each operand either has the output's whole batch (stride = its matrix)
// or a single matrix (stride 0, broadcast). Anything else (a [2,1,M,K] x [1,3,K,N] pattern)
// has no constant stride and is not supported. Plain host code, unit-tested without a GPU.
#pragma once
#include <cstdint>

#include "int8rt/network.h"

namespace int8rt::cuda {

struct MatMulGeometry {
  int64_t m = 0, n = 0, k = 0;          // row-major Y[m][n] = op(A)[m][k] op(B)[k][n]
  int64_t aRows = 0, aCols = 0;         // stored A (before the transpose)
  int64_t bRows = 0, bCols = 0;         // stored B
  int64_t batch = 1;                    // output matrices
  int64_t strideA = 0, strideB = 0;     // elements between matrices; 0 = broadcast
};

// False (and *g untouched) when the shapes are not a valid matmul or the broadcast has no
// constant stride.
bool matMulGeometry(const Shape& a, const Shape& b, bool transposeA, bool transposeB,
                    MatMulGeometry* g);

}  // namespace int8rt::cuda

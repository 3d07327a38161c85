// A plain N-d transpose (out dim i = in dim perm[i]) used by the shuffle kernels.
#pragma once
#include <cstdint>
#include <vector>

#include "backends/cpu/common/nd_index.h"

namespace int8rt::cpu {

// Shape of the transposed tensor; an empty perm is the identity.
inline Shape transposedShape(const Shape& in, const std::vector<int>& perm) {
  if (perm.empty()) return in;
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[perm[i]];
  return out;
}

// out must not alias in.
inline void transposeCopy(const float* in, const Shape& inShape, const std::vector<int>& perm,
                          float* out) {
  const Shape outShape = transposedShape(inShape, perm);
  const std::vector<int64_t> inStrides = rowMajorStrides(inShape);
  std::vector<int64_t> o(outShape.size());
  int64_t n = 1;
  for (int64_t d : outShape) n *= d;
  for (int64_t i = 0; i < n; ++i) {
    unravelIndex(i, outShape, 0, o);
    int64_t off = 0;
    for (size_t d = 0; d < o.size(); ++d) off += o[d] * inStrides[perm.empty() ? d : perm[d]];
    out[i] = in[off];
  }
}

}  // namespace int8rt::cpu

// Row-major index <-> coordinates, for the reference kernels' plain loops over N-d tensors.
#pragma once
#include <cstdint>
#include <vector>

#include "int8rt/network.h"

namespace int8rt::cpu {

// Coordinates of linear index i over dims[first .. first + coords.size()), row-major.
inline void unravelIndex(int64_t i, const Shape& dims, size_t first, std::vector<int64_t>& coords) {
  for (size_t d = coords.size(); d-- > 0;) {
    coords[d] = i % dims[first + d];
    i /= dims[first + d];
  }
}

// Row-major strides of a shape (the last dim has stride 1).
inline std::vector<int64_t> rowMajorStrides(const Shape& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) s[d - 1] = s[d] * dims[d];
  return s;
}

}  // namespace int8rt::cpu

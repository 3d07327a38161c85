// numpy broadcasting as index math: an input's element strides seen from the output's index
// space (0 where the input has size 1 or lacks the dim), and the offset of one output element.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

// Shapes are aligned at the right. Fails (naming the layer) when `in` cannot broadcast to `out`.
inline std::vector<int64_t> broadcastStrides(const Shape& in, const Shape& out,
                                             const std::string& layer) {
  if (in.size() > out.size())
    fail("layer '", layer, "': input ", shapeText(in), " has more dims than output ",
         shapeText(out));
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    size_t di = in.size() - 1 - k, doo = out.size() - 1 - k;
    if (in[di] != out[doo] && in[di] != 1)
      fail("layer '", layer, "': input ", shapeText(in), " does not broadcast to ", shapeText(out));
    strides[doo] = in[di] == 1 ? 0 : stride;
    stride *= in[di];
  }
  return strides;
}

// Offset into the input of output element `index` (row-major over `out`).
inline int64_t broadcastOffset(int64_t index, const Shape& out,
                               const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (size_t d = out.size(); d-- > 0;) {
    int64_t c = index % out[d];
    index /= out[d];
    off += c * strides[d];
  }
  return off;
}

}  // namespace int8rt::cpu

// Window geometry of convolution and pooling over the dims after [N, C]: kernel, stride, pads
// and dilation with their defaults filled in, checked once against the spatial rank.
#pragma once
#include <cstdint>
#include <string>

#include "backends/cpu/common/kernel_util.h"

namespace int8rt::cpu {

struct SpatialGeometry {
  int rank = 0;
  Shape kernel, stride, padBegin, padEnd, dilation;
};

inline SpatialGeometry makeGeometry(int rank, const Shape& kernel, const Shape& stride,
                                    const Shape& padBegin, const Shape& padEnd,
                                    const Shape& dilation, const std::string& layer) {
  auto checkRank = [&](const Shape& v, const char* what, bool required) {
    if ((required || !v.empty()) && static_cast<int>(v.size()) != rank)
      fail("layer '", layer, "': ", what, " has ", v.size(), " dims, the input has ", rank,
           " spatial dims");
  };
  checkRank(kernel, "kernel", true);
  checkRank(stride, "stride", false);
  checkRank(padBegin, "padBegin", false);
  checkRank(padEnd, "padEnd", false);
  checkRank(dilation, "dilation", false);
  SpatialGeometry g;
  g.rank = rank;
  for (int i = 0; i < rank; ++i) {
    g.kernel.push_back(kernel[i]);
    g.stride.push_back(dimOr(stride, i, 1));
    g.padBegin.push_back(dimOr(padBegin, i, 0));
    g.padEnd.push_back(dimOr(padEnd, i, 0));
    g.dilation.push_back(dimOr(dilation, i, 1));
    if (g.kernel[i] < 1 || g.stride[i] < 1 || g.dilation[i] < 1)
      fail("layer '", layer, "': kernel, stride and dilation must be positive");
  }
  return g;
}

}  // namespace int8rt::cpu

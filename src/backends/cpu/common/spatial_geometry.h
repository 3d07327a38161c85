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


// The window of a pooling layer on input x [N, C, spatial...]: global pooling is one window
// covering every spatial dim, otherwise the layer's window, strides, pads and dilations.
inline SpatialGeometry poolingGeometry(const PoolingParams& p, const Shape& x,
                                       const std::string& layer) {
  const int rank = static_cast<int>(x.size()) - 2;
  if (p.global) return makeGeometry(rank, Shape(x.begin() + 2, x.end()), {}, {}, {}, {}, layer);
  return makeGeometry(rank, p.window, p.stride, p.padBegin, p.padEnd, p.dilation, layer);
}

// The taps of one pooling window at output position `o` (spatial coordinates): calls
// tap(offset) for every tap inside the input (offset within one [spatial...] plane) and returns
// how many taps fall inside the input and inside the padded input (the two average divisors).
// kp is scratch of g.rank elements. The reference pooling kernels, FP32 and INT8, share it.
struct WindowCounts {
  int64_t inside = 0, inPadded = 0;
};
template <class Tap>
WindowCounts visitPoolWindow(const SpatialGeometry& g, const Shape& inShape, const int64_t* o,
                             int64_t* kp, int64_t windowVolume, Tap&& tap) {
  WindowCounts c;
  for (int64_t ki = 0; ki < windowVolume; ++ki) {
    int64_t rest = ki;
    for (int d = g.rank - 1; d >= 0; --d) {
      kp[d] = rest % g.kernel[d];
      rest /= g.kernel[d];
    }
    int64_t off = 0;
    bool in = true, inPad = true;
    for (int d = 0; d < g.rank; ++d) {
      int64_t i = o[d] * g.stride[d] - g.padBegin[d] + kp[d] * g.dilation[d];
      in = in && i >= 0 && i < inShape[2 + d];
      inPad = inPad && i >= -g.padBegin[d] && i < inShape[2 + d] + g.padEnd[d];
      off = off * inShape[2 + d] + i;
    }
    c.inPadded += inPad;
    if (!in) continue;
    ++c.inside;
    tap(off);
  }
  return c;
}

}  // namespace int8rt::cpu

// The fused max pool of the convolution references (ConvolutionParams::fusedMaxPool): the
// convolution's own (unpooled) output shape, and the max over non-overlapping windows. Shared by
// convolution_ref and convolution_int8_ref, the oracles of every fused convolution kernel.
#pragma once
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/nd_index.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "core/error.h"
#include "int8rt/network.h"

namespace int8rt::cpu {

// The convolution's own output shape for input xs and output ys (they differ in the spatial
// dims when a max pool is fused: ys is then the pooled shape, checked here).
inline Shape unpooledShape(const Shape& xs, const Shape& ys, const SpatialGeometry& g,
                    const ConvolutionParams& p, const std::string& name) {
  Shape z = ys;
  for (int d = 0; d < g.rank; ++d) {
    int64_t span = xs[2 + d] + g.padBegin[d] + g.padEnd[d] - g.dilation[d] * (g.kernel[d] - 1) - 1;
    z[2 + d] = span < 0 ? 0 : span / g.stride[d] + 1;
    int64_t pooled = p.fusedMaxPool.empty() ? z[2 + d] : z[2 + d] / p.fusedMaxPool[d];
    check(ys[2 + d] == pooled, "layer '", name, "': run shapes ", shapeText(xs), " -> ",
          shapeText(ys), " do not match the convolution");
  }
  return z;
}

// Max over non-overlapping windows (window == stride, no padding, floor): z [N, K, z...] ->
// y [N, K, y...], elements of type T (int8_t or float). Written plainly: with a convolution
// reference before it, it is the fused layer's oracle. The max starts at -inf for floats (so a
// NaN is passed over, as std::max does) and at the lowest value for integers.
template <class T>
void maxPoolWindows(const T* z, const Shape& zs, T* y, const Shape& ys, const Shape& window) {
  const size_t S = window.size();
  const int64_t planes = ys[0] * ys[1], zVol = product(zs, 2, zs.size()),
                yVol = product(ys, 2, ys.size()), wVol = elementCount(window);
  std::vector<int64_t> o(S), w(S);
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oi = 0; oi < yVol; ++oi) {
      unravelIndex(oi, ys, 2, o);
      T m = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                 : std::numeric_limits<T>::lowest();
      for (int64_t wi = 0; wi < wVol; ++wi) {
        unravelIndex(wi, window, 0, w);
        int64_t off = 0;
        for (size_t d = 0; d < S; ++d) off = off * zs[2 + d] + o[d] * window[d] + w[d];
        m = std::max(m, z[pl * zVol + off]);
      }
      y[pl * yVol + oi] = m;
    }
}

}  // namespace int8rt::cpu

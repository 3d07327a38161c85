// Host side shared by the NCHW (pooling.cu) and NHWC (pool_nhwc.cu) pooling kernels: the
// run-independent geometry of a layer and the shape checks every supports() starts with.
#pragma once
#include <string>

#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cuda/layers/pool_kernels.cuh"

namespace int8rt::cuda::layers {

// The run-independent geometry of a rank-3 ([N, C, W]: H = 1) or rank-4 input.
inline PoolGeometry makePoolGeometry(const PoolingParams& p, const Shape& in, const Shape& out,
                                     const std::string& layer) {
  const cpu::SpatialGeometry s = cpu::poolingGeometry(p, in, layer);
  const int off = s.rank == 1 ? 1 : 0;  // 1-D pooling is 2-D pooling with H = 1
  PoolGeometry g;
  auto dim = [](const Shape& v, int i) { return static_cast<int>(v[i]); };
  g.H = off ? 1 : dim(in, 2);
  g.W = dim(in, in.size() - 1);
  g.OH = off ? 1 : dim(out, 2);
  g.OW = dim(out, out.size() - 1);
  if (!off) {
    g.kh = dim(s.kernel, 0), g.sh = dim(s.stride, 0), g.ph = dim(s.padBegin, 0);
    g.peh = dim(s.padEnd, 0), g.dh = dim(s.dilation, 0);
  }
  const int w = s.rank - 1;
  g.kw = dim(s.kernel, w), g.sw = dim(s.stride, w), g.pw = dim(s.padBegin, w);
  g.pew = dim(s.padEnd, w), g.dw = dim(s.dilation, w);
  return g;
}

// Rank 3 or 4, a geometry the CPU accepts, int-sized dims.
inline bool poolingShapesFit(const KernelSetup& s) {
  const Shape& in = s.inputShapes[0];
  if (in.size() != 3 && in.size() != 4) return false;
  if (s.outputShapes[0].size() != in.size()) return false;
  try {
    cpu::poolingGeometry(s.layer->as<PoolingParams>(), in, s.layer->name);
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace int8rt::cuda::layers

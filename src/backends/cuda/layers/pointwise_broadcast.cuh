// numpy broadcasting of up to two operands against an output, as index math prepared once:
// the output dims are collapsed wherever every operand runs contiguously across them (or is
// broadcast across both), so [N, C, H, W] + [1, C, 1, 1] becomes [N, C, H*W] with strides
// [0, 1, 0]. The outermost collapsed dim holds the batch; its size is never used (the run's
// element count bounds it), so a run at a smaller batch needs no new plan.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/common/broadcast.h"
#include "backends/cuda/layers/pointwise_common.cuh"

namespace int8rt::cuda::layers {

constexpr int kMaxBroadcastRank = 8;

struct BroadcastPlan {
  int rank = 1;
  uint32_t dims[kMaxBroadcastRank] = {1};  // collapsed output dims, outermost first
  uint32_t stride[2][kMaxBroadcastRank] = {};  // element strides of operands 0 and 1
};

// Right-aligned numpy broadcasting of `in` to `out`, without throwing.
inline bool broadcasts(const Shape& in, const Shape& out) {
  if (in.size() > out.size()) return false;
  for (size_t k = 0; k < in.size(); ++k) {
    const int64_t i = in[in.size() - 1 - k], o = out[out.size() - 1 - k];
    if (i != o && i != 1) return false;
  }
  return true;
}

// `inputs` are the operands' shapes (one or two), `out` the output's, at the setup's shapes.
inline BroadcastPlan makeBroadcastPlan(const std::vector<Shape>& inputs, const Shape& out,
                                       const std::string& layer) {
  check(out.size() <= kMaxBroadcastRank, "layer '", layer, "': rank ", out.size(),
        " is above the CUDA broadcast limit ", kMaxBroadcastRank);
  std::vector<std::vector<int64_t>> s;
  for (const Shape& in : inputs) s.push_back(cpu::broadcastStrides(in, out, layer));
  s.resize(2, std::vector<int64_t>(out.size(), 0));
  BroadcastPlan p;
  p.rank = 0;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1 && !(d + 1 == out.size() && p.rank == 0)) continue;  // size-1 dims index nothing
    const bool merge = p.rank > 0 && s[0][d] * out[d] == p.stride[0][p.rank - 1] &&
                       s[1][d] * out[d] == p.stride[1][p.rank - 1];
    if (merge) {
      p.dims[p.rank - 1] *= static_cast<uint32_t>(out[d]);
      p.stride[0][p.rank - 1] = static_cast<uint32_t>(s[0][d]);
      p.stride[1][p.rank - 1] = static_cast<uint32_t>(s[1][d]);
    } else {
      p.dims[p.rank] = static_cast<uint32_t>(out[d]);
      p.stride[0][p.rank] = static_cast<uint32_t>(s[0][d]);
      p.stride[1][p.rank] = static_cast<uint32_t>(s[1][d]);
      ++p.rank;
    }
  }
  if (p.rank == 0) {  // a scalar output (rank 0)
    p.rank = 1;
    p.dims[0] = 1;
  }
  return p;
}

// True when operand k is read at the output's own index (same shape, no broadcast).
inline bool isContiguous(const BroadcastPlan& p, int k) { return p.rank == 1 && p.stride[k][0] == 1; }
// True when operand k is one value broadcast everywhere.
inline bool isScalar(const BroadcastPlan& p, int k) { return p.rank == 1 && p.stride[k][0] == 0; }

// Offsets of output element i in both operands.
__device__ __forceinline__ void broadcastOffsets(const BroadcastPlan& p, uint32_t i, uint32_t& a,
                                                 uint32_t& b) {
  a = 0;
  b = 0;
#pragma unroll
  for (int k = kMaxBroadcastRank - 1; k >= 1; --k) {
    if (k < p.rank) {
      const uint32_t c = i % p.dims[k];
      i /= p.dims[k];
      a += c * p.stride[0][k];
      b += c * p.stride[1][k];
    }
  }
  a += i * p.stride[0][0];
  b += i * p.stride[1][0];
}

}  // namespace int8rt::cuda::layers

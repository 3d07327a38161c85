// The maximum of a warp's 32 floats in one REDUX instruction (redux.sync, sm_80+) instead of
// five shuffle-and-compare steps: each float becomes an int that orders like it (non-negative:
// its bits; negative: the magnitude bits flipped, so a larger magnitude is a smaller int),
// the integer maximum is taken, and the bits are turned back. Exact: the result is one of the
// inputs. NaN counts as -inf, as a chain of fmaxf drops it; +0 orders above -0.
#pragma once
#include <cmath>

namespace int8rt::cuda {

__device__ __forceinline__ float warpMax(float v) {
  int b = __float_as_int(v != v ? -INFINITY : v);
  b ^= (b >> 31) & 0x7fffffff;
  b = __reduce_max_sync(0xffffffffu, b);
  b ^= (b >> 31) & 0x7fffffff;
  return __int_as_float(b);
}

}  // namespace int8rt::cuda

// The reference softmax of one row (softmax_ref's arithmetic): the maximum subtracted first, the
// exponentials summed in double. Shared by softmax_ref and the fully connected references'
// fused softmax (FullyConnectedParams::fusedSoftmax), so that a fused layer's oracle is the
// unfused pair's bit for bit.
#pragma once
#include <cmath>
#include <cstdint>

namespace int8rt::cpu {

// y[i * stride] = softmax (or log-softmax) of x[i * stride], i < len. x and y may alias.
inline void softmaxRow(const float* x, float* y, int64_t len, int64_t stride, bool log) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < len; ++i) mx = std::fmax(mx, x[i * stride]);
  double sum = 0;
  for (int64_t i = 0; i < len; ++i) sum += std::exp(static_cast<double>(x[i * stride] - mx));
  if (log) {
    const float lse = static_cast<float>(std::log(sum));
    for (int64_t i = 0; i < len; ++i) y[i * stride] = x[i * stride] - mx - lse;
  } else {
    for (int64_t i = 0; i < len; ++i)
      y[i * stride] = static_cast<float>(std::exp(static_cast<double>(x[i * stride] - mx)) / sum);
  }
}

}  // namespace int8rt::cpu

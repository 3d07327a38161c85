// parallelFor over a RunArgs pool that may be null, with a grain so that tiny loops stay serial:
// waking a worker costs about a microsecond, more than a few thousand flops.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/thread_pool.h"

namespace int8rt::cpu {

// fn(begin, end, threadIndex) over [0, n). workPerItem: rough flops or bytes per item; the loop
// runs serially below kMinParallelWork in total.
template <class F>
void parallelFor(ThreadPool* pool, int64_t n, double workPerItem, F&& fn) {
  constexpr double kMinParallelWork = 32768;
  if (n <= 0) return;
  if (pool == nullptr || pool->size() == 1 || n == 1 || n * workPerItem < kMinParallelWork) {
    fn(int64_t{0}, n, 0);
    return;
  }
  pool->parallelFor(n, fn);
}

}  // namespace int8rt::cpu

// A small persistent pool for data-parallel loops: parallelFor splits [0, n) into contiguous
// chunks, one per thread, and the calling thread takes part. Kernels call it; nested calls run serially.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

namespace int8rt {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: all cores
  ~ThreadPool();
  int size() const;
  // fn(begin, end, threadIndex) over a partition of [0, n); returns when all chunks finished.
  void parallelFor(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace int8rt

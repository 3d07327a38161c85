// A 64-byte aligned, zero-initialised float array for packed weights: vector loads of a packed
// panel then never straddle a cache line.
#pragma once
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace int8rt::cpu {

class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t n) : size_(n) {
    if (n == 0) return;
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    ptr_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!ptr_) throw std::bad_alloc();
    std::memset(ptr_, 0, bytes);
  }
  ~AlignedFloats() { std::free(ptr_); }
  AlignedFloats(AlignedFloats&& o) noexcept : ptr_(o.ptr_), size_(o.size_) {
    o.ptr_ = nullptr, o.size_ = 0;
  }
  AlignedFloats& operator=(AlignedFloats&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(size_, o.size_);
    return *this;
  }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;

  float* data() { return ptr_; }
  const float* data() const { return ptr_; }
  size_t size() const { return size_; }
  float& operator[](size_t i) { return ptr_[i]; }
  float operator[](size_t i) const { return ptr_[i]; }

 private:
  float* ptr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace int8rt::cpu

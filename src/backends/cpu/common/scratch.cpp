// Thread-local scratch buffers (see scratch.h).
#include "backends/cpu/common/scratch.h"

#include <cstdlib>
#include <new>

#include "core/error.h"

namespace int8rt::cpu {

namespace {
struct Buffer {
  float* ptr = nullptr;
  size_t capacity = 0;
  ~Buffer() { std::free(ptr); }
};
thread_local Buffer tBuffers[kScratchSlots];
}  // namespace

float* threadScratch(size_t floats, int slot) {
  check(slot >= 0 && slot < kScratchSlots, "internal error: scratch slot ", slot);
  Buffer& b = tBuffers[slot];
  if (floats > b.capacity) {
    // Round up so that vector loads just past the end stay inside the allocation.
    size_t want = (floats + 64 + 15) / 16 * 16;
    void* p = std::aligned_alloc(64, want * sizeof(float));
    if (!p) throw std::bad_alloc();
    std::free(b.ptr);
    b.ptr = static_cast<float*>(p);
    b.capacity = want - 64;
  }
  return b.ptr;
}

}  // namespace int8rt::cpu

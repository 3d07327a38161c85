// Per-thread scratch memory for kernels. Kernels are shared by every execution context of an
// engine and may run concurrently, so scratch cannot live in the kernel object; the runtime's
// workspace is sized before the pool size is known, so it cannot hold per-thread copies either.
#pragma once
#include <cstddef>

namespace int8rt::cpu {

// A 64-byte aligned buffer of at least `floats` floats owned by the calling thread, one per
// slot (use different slots for buffers alive at the same time). Grows, never shrinks; the
// contents are unspecified on return.
float* threadScratch(size_t floats, int slot = 0);

constexpr int kScratchSlots = 4;

}  // namespace int8rt::cpu

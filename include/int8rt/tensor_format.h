// How a tensor's elements are laid out in memory. A tensor's shape is always its logical NCHW
// shape ([N, C, H, W] for rank 4); the format says in which order those elements are stored.
// Network inputs and outputs (the bindings) are always kLINEAR; the CUDA builder may store
// tensors between them in another format where that makes its kernels faster.
#pragma once
#include <cstdint>

namespace int8rt {

enum class TensorFormat : uint8_t {
  kLINEAR = 0,  // row-major in the shape's order: NCHW for a rank-4 tensor
  kNHWC = 1,    // rank 4 only: channels innermost, [N][H][W][C]
  kCOUNT
};

inline const char* tensorFormatName(TensorFormat f) {
  switch (f) {
    case TensorFormat::kLINEAR: return "linear";
    case TensorFormat::kNHWC: return "nhwc";
    default: return "unknown";
  }
}

// The builder's choice of formats (BuilderConfig::layout). kAUTO times each run of layers that
// can run in NHWC against NCHW and keeps the faster; kNCHW never reformats; kNHWC converts every
// such run without timing (tests, diagnosis). CPU builds are NCHW whatever is asked, except
// that kNHWC is refused there.
enum class LayoutPolicy : uint8_t { kAUTO = 0, kNCHW = 1, kNHWC = 2 };

}  // namespace int8rt

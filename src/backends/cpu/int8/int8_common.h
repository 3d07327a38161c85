// Internals shared by the INT8 kernels: setup checks, the float epilogue of conv/FC, the packed
// GEMM layouts and the entry points of the AVX2 translation units (raw pointers only: no STL
// crosses into *_avx2.cpp, so no template instance compiled with -mavx2 can leak to old CPUs).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "backends/cpu/kernel.h"

namespace int8rt::cpu::i8 {

// ---- setup checks ----
inline bool validScale(float s) { return std::isfinite(s) && s > 0.f; }
// Input `i` is INT8 with a usable scale.
bool int8Input(const KernelSetup& s, size_t i);
// Output 0 is INT8 with a usable scale, or FP32 (when allowFloat).
bool int8OrFloatOutput(const KernelSetup& s, bool allowFloat);
// True when int32 accumulation over `reduction` products of |q_x| <= 128 and |q_w| <= 127 cannot
// overflow: 128 * 127 * reduction < 2^31, i.e. reduction <= 132,104.
inline bool accumulatorFits(int64_t reduction) { return reduction <= 132104; }

// ---- the conv / FC epilogue: y = fma(float(acc), mult[row], bias[row]); y = act(y); store y
// as float, or requantizeValue(y, 1 / outScale) (quantize.h). Identical in the reference and
// the AVX2 kernels.
struct Int8Epilogue {
  const float* mult = nullptr;  // per row: scale_x * scale_w[row]
  const float* bias = nullptr;  // per row, or null for no bias
  Activation act;
  bool outInt8 = false;
  float outInvScale = 1.f;  // 1 / output scale
  void* out = nullptr;
  int64_t rowStride = 0;  // elements between rows (output channels)
  int64_t colStride = 1;  // elements between columns (pixels for conv, samples for FC)
  // Debug / tests: when set, the raw int32 accumulators are written here (same strides) and
  // the rest of the epilogue is skipped.
  int32_t* accOut = nullptr;
};

// The scalar epilogue of one accumulator (the reference kernels use it directly).
float epilogueFloat(int32_t acc, float mult, float bias, const Activation& act);
// In-place activation over a float array, compiled without FMA so that the fast kernels'
// scalar tails give the reference's bits for every activation type.
void activateArray(float* y, int64_t n, const Activation& act);
// ReLU, clip, leaky ReLU and none are vectorized exactly in AVX2; the rest go through
// activateArray.
bool activationIsVectorized(const Activation& act);

// ---- packed GEMM: C[M][N] = A[M][R] * B[R][N], int8 x int8 -> int32 ----
// The reduction R is padded with zeros to kGroups * 4 ("k-groups" of 4 consecutive r, the
// unit that vpmaddubsw + vpmaddwd reduce into one int32 lane).
constexpr int kMR = 4;   // rows per microkernel tile (output channels)
constexpr int kNR = 16;  // columns per microkernel tile (2 ymm of 8 int32 lanes)
// Packed A (weights): blocks of kMR rows, block b at a + b * kGroups * kMR * 4, inside a block
// [kGroups][kMR][4] bytes; rows past M are zero.
inline int64_t packedABytes(int64_t rows, int64_t kGroups) {
  return (rows + kMR - 1) / kMR * kGroups * kMR * 4;
}
// Packed B (activations): blocks of kNR columns, block b at b * kGroups * kNR * 4, inside a
// block [kGroups][kNR][4] bytes; columns past N are zero. 64-byte aligned.
inline int64_t packedBBytes(int64_t cols, int64_t kGroups) {
  return (cols + kNR - 1) / kNR * kGroups * kNR * 4;
}
// Packs row-major A [rows][r] (row stride lda) into the layout above; the r order is the
// identity. Weights must be in [-127, 127] (checked).
void packA(const int8_t* a, int64_t rows, int64_t r, int64_t lda, int8_t* packed);

// Schemes, chosen per column block of B (all exact; proofs in gemm_int8_avx2.cpp):
//   U8:   B in [0, 127]   : vpmaddubsw(B as u8, A) + vpmaddwd(ones)   pair |sum| <= 32258
//   S16:  any int8 B      : both sign-extended to int16, vpmaddwd     products <= 2^14
//   SIGN: any int8 B      : vpmaddubsw(|B| as u8, sign(A, B))         pair |sum| <= 32512
// kAuto takes U8 for blocks flagged non-negative, S16 for the others when the widened operands
// are given, else SIGN. The flags come from the data (packers), never from assumptions.
enum class GemmScheme { kAuto, kU8, kS16, kSign };
struct GemmOperands {
  const int8_t* a8 = nullptr;    // packed A
  const int16_t* a16 = nullptr;  // packed A sign-extended (same layout), or null: no S16
  int64_t rows = 0;
  const int8_t* b8 = nullptr;    // packed B, 64-byte aligned
  const int16_t* b16 = nullptr;  // packed B sign-extended, for the blocks not flagged (or null)
  int64_t cols = 0;
  int64_t kGroups = 0;
  const uint8_t* nonNegBlocks = nullptr;  // per column block: 1 = every value >= 0 (U8 allowed)
};
void gemmInt8Avx2(const GemmOperands& g, const Int8Epilogue& ep,
                  GemmScheme scheme = GemmScheme::kAuto);
// dst[i] = src[i] as int16 (AVX2): turns packed A or B into the S16 operands.
void widenInt8Avx2(const int8_t* src, int16_t* dst, int64_t n);

// ---- packing activations (AVX2) ----
// True when any byte of x[0, n) is negative.
bool anyNegativeAvx2(const int8_t* x, int64_t n);
// FC: B block of kNR samples from X [rows][c] row-major (row stride ldx): block column j holds
// sample j's bytes 4g..4g+3 at k-group g. Samples past `rows` and bytes past c are zero.
void packRowsAvx2(const int8_t* x, int64_t rows, int64_t c, int64_t ldx, int64_t kGroups,
                  int8_t* packed);

// Convolution im2col straight into packed B. The reduction order is a table of "taps": tap
// t = 4 * g + b is read at byte offset tapOffset[t] from a column's window origin in the
// zero-padded input image, or is a zero tap when tapOffset[t] < 0. quadIsRow[g] marks k-groups
// whose taps are offsets o, o + dw, o + 2dw, o + 3dw (four kernel columns of one kernel row),
// which the fast path reads as sliding windows with one shuffle.
struct ConvPackGeometry {
  int64_t wp = 0;          // padded row length
  int64_t oh = 0, ow = 0;  // output plane
  int64_t sh = 1, sw = 1, dw = 1;
  int64_t kGroups = 0;
  const int32_t* tapOffset = nullptr;  // [kGroups * 4]
  const uint8_t* quadIsRow = nullptr;  // [kGroups]
};
// Packs columns [p0, p1) (p0 a multiple of kNR) of the padded image xpad into `packed`
// (ceil((p1 - p0) / kNR) blocks). xpad must be readable 64 bytes past its last element.
void packConvColumnsAvx2(const int8_t* xpad, const ConvPackGeometry& g, int64_t p0, int64_t p1,
                         int8_t* packed);
void packConvColumnsScalar(const int8_t* xpad, const ConvPackGeometry& g, int64_t p0, int64_t p1,
                           int8_t* packed);

// ---- pooling (AVX2) ----
// 2-D max pooling of `planes` planes [h][w] -> [oh][ow]; out-of-image taps are ignored, a
// window wholly outside gives -128.
struct Pool2dGeometry {
  int64_t h, w, oh, ow;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};
// scratch: maxPoolScratchBytes(g) bytes owned by the caller.
int64_t maxPoolScratchBytes(const Pool2dGeometry& g);
void maxPool2dAvx2(const int8_t* x, int8_t* y, int64_t planes, const Pool2dGeometry& g,
                   int8_t* scratch);

// Small copies without a library call: overlapping loads and stores, never outside [0, n).
[[gnu::always_inline]] inline void copyBytes(void* dst, const void* src, int64_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (n >= 16) {
    unsigned char t[16];
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(d + i, s + i, 16);
    if (i < n) {
      std::memcpy(t, s + n - 16, 16);
      std::memcpy(d + n - 16, t, 16);
    }
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, s, 8);
    std::memcpy(&b, s + n - 8, 8);
    std::memcpy(d, &a, 8);
    std::memcpy(d + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(d, &a, 4);
    std::memcpy(d + n - 4, &b, 4);
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
  }
}

}  // namespace int8rt::cpu::i8

// The plain-data launch of the fused INT8 chain kernel (chain_kernel.cu), shared by the host
// (chain_setup.cpp, C++20) and the kernel (C++17): only ints, floats and pointers.
//
// A chain is a run of consecutive INT8 layers, each the only reader of the one before: zero or
// more convolutions (each with its fused max pool), pure reshapes (no work: NCHW flattens in
// place), then one or more fully connected layers, the last of them with its fused softmax or
// not. The whole chain runs as one kernel:
// - one CTA per image runs every convolution out of shared memory: the image (or the previous
//   convolution's pooled output) sits in a zero-bordered INT8 plane, the IMMA implicit GEMM
//   gathers its columns from there, the int32 accumulators go to shared memory, and a store
//   pass applies the epilogue, the pool, the activation and the requantization while it writes
//   the next plane; a 2 x 2 pool without a k split does all that from registers instead
//   (ConvStage::directPool);
// - the fully connected layers but the last are split by output rows over a thread-block
//   cluster of `cluster` CTAs (= images): each CTA computes its slice of rows for the
//   cluster's images (each weight is read once per cluster, not once per image);
// - the last fully connected layer is computed by each CTA for its own image, then it writes
//   the chain's output.
// Inputs move between the CTAs by push, not pull: a producer stores its vector (or its slice of
// each image's vector) into the consumers' shared memory with st.async, which counts the bytes
// on the consumer's mbarrier; a consumer waits for its expected bytes only, not for the whole
// cluster at a barrier.
// Every weight, tap table and epilogue constant is staged by bulk copies, issued while the
// input's first global reads are in flight (after the programmatic-dependent-launch wait: the
// engine's kernels do not trigger their successors early, so little could run before it).
#pragma once
#include <cstdint>

#include "backends/cuda/conv/conv_params.h"

namespace int8rt::cuda::chain {

constexpr int kMaxConv = 4;
constexpr int kMaxFc = 4;
constexpr int kWarps = 16;  // one CTA per image and SM: all of the SM's schedulers, 4 warps each
constexpr int kThreads = 32 * kWarps;
constexpr int kMaxCluster = 8;            // the portable cluster size
constexpr int kSmemLimit = 227 * 1024;    // sm_90's opt-in maximum per CTA
// Shared memory starts with kBarriers 8-byte mbarriers: one per stage for its staged constants
// (convolutions, then fully connected stages), one per fully connected stage for its pushed
// inputs (arrivals of pushBytes from the cluster's CTAs), and the last for the staged copy of
// the launch (ChainLaunch::deviceCopy). All are initialized, used or not: the kernel's first
// step then reads no launch parameter.
constexpr int kBarriers = kMaxConv + 2 * kMaxFc + 1;
constexpr int kLaunchBarrier = kBarriers - 1;
// A convolution's MMA item: kConvMi tiles of 16 output channels by kConvNi blocks of 8 output
// pixels. Every convolution stage uses this one shape, so they share one code path (fetched
// cold from L2 once per CTA). The item is tall because B is the expensive operand: from an
// input plane with channels outermost (CHW) each B fragment register is gathered byte by byte
// (4 loads, 3 byte permutes) and then serves kConvMi MMAs (an M tile of zero weights costs an
// MMA, not a gather). A channel-innermost (hwc) plane, used for inputs of 4k channels, gathers
// the 4 consecutive k of a register with one 32-bit load.
constexpr int kConvMi = 4, kConvNi = 2;

// An INT8 activation plane in shared memory: c channels of hp x wp bytes, the value of channel
// ci at (iy, ix) at ci * hp * wp + (iy + padH) * wp + ix + padW, or with `hwc` (channels
// innermost) at ((iy + padH) * wp + ix + padW) * c + ci; positions outside the h x w image are
// zeros (the next convolution's padding). `bytes` (a multiple of 16) covers at least
// c * hp * wp; bytes past that are zeros too (a fully connected layer's padded features). A
// fully connected input vector is the plane c x 1 x 1, or a convolution's h x w plane read flat
// (NCHW order: flattening needs no copy).
struct Plane {
  int c = 0, h = 0, w = 0;
  int hp = 0, wp = 0, padH = 0, padW = 0;
  int bytes = 0;
  int offset = 0;  // in shared memory
  bool hwc = false;  // a convolution's input of 4k channels (never the chain's input, never a vector)
};

// 16-byte aligned (and so sized): the kernel copies a stage's fields out of the shared-memory
// launch copy 16 bytes a load (chain_kernel.cu, loadStaged).
struct alignas(16) ConvStage {
  // First the fields that staging the constants reads (stageConv): thread 0 stages the first
  // convolution's before the input is read, so they sit right after the launch's head.
  // [16 mi][kp + 16], zeros past k and the reduction, ordered (c, r, s), or (r, s, c) for an
  // hwc input plane; the kernel stages rows [0, k) only.
  const int8_t* weights = nullptr;
  const uint16_t* taps = nullptr;   // [kp / 32][4][8] offsets of the B fragment bytes in `in`
  const float* consts = nullptr;    // [mult: constStride][bias: constStride]
  int k = 0;                        // output channels
  int kp = 0;                       // reduction (c, r, s) padded to 32
  int constStride = 0;              // k rounded up to 4
  int wOffset = 0, tapsOffset = 0, constsOffset = 0;  // staged copies in shared memory
  Plane in, out;                  // out: the next convolution's input, or the first vector
  int oh = 0, ow = 0, strideH = 1, strideW = 1;
  int poolH = 1, poolW = 1;       // fused max pool (1 x 1: none); stored plane oh/poolH x ow/poolW
  int mi = kConvMi;               // 16-row M tiles, a multiple of kConvMi: 16 mi >= k
  int chunks = 0, parts = 1;      // column chunks of 8 kConvNi columns; k-split parts per item
  // A 2 x 2 pool without a k split: each chunk is 2 output rows x 8 columns (rowPair, colBlock),
  // so every thread holds whole pool windows in its accumulators and the epilogue, pool and
  // requantization write the output plane from registers (no int32 round trip, no store pass).
  bool directPool = false;
  int colBlocks = 0;              // directPool: 8-column blocks per row pair
  int accStride = 0;              // int32 accumulators per channel row (>= oh * ow, 8 mod 32)
  conv::ConvActivation act;         // linear (NONE, RELU, LEAKY_RELU, CLIP), slope >= 0 if pooled
  float outInvScale = 1.f;
};

struct alignas(16) FcStage {  // aligned as ConvStage
  int f = 0, fpad = 0;            // input features, padded to 32
  int k = 0;                      // outputs
  // Split stages: rows per CTA (a multiple of 16; rows * cluster >= k); the last stage: k.
  int rows = 0;
  bool last = false;
  int mTiles = 0, parts = 1;      // split stages: 16-row tiles and k-split parts per tile
  const int8_t* weights = nullptr;  // split: [cluster][rows][wStride]; last: [k][wStride = fpad]
  const float* consts = nullptr;    // [mult: constStride][bias: constStride] (split: per CTA slice)
  int constStride = 0;              // split: rows; last: k rounded up to 4
  conv::ConvActivation act;
  bool outInt8 = true;            // split stages: always (the next stage reads INT8)
  float outInvScale = 1.f;
  bool softmax = false;           // last stage only, FP32 output
  int wOffset = 0, constsOffset = 0;
  int wStride = 0;                // bytes per staged weight row (fpad + 16 for split stages)
};

struct ChainLaunch {
  // The head: what the kernel's first steps read (thread 0's first bulk copies, every thread's
  // input reads), kept together with the first convolution's staging fields (conv[0] starts
  // with them) at the start of the parameter: the first read of each parameter line misses the
  // constant cache, on the way to the input and the first convolution's constants.
  const void* x = nullptr;        // [batch][input.c * input.h * input.w], INT8 or FP32
  // This launch in device memory (its stage fields; x, y and batch are the kernel parameter's),
  // bulk-copied to launchOffset at the start: each stage then reads its fields from shared
  // memory, not from the constant bank, whose first reads of a stage miss (~1,000 cycles at
  // each stage's start, measured).
  const void* deviceCopy = nullptr;
  int launchOffset = 0, launchBytes = 0;  // launchBytes: sizeof(ChainLaunch) rounded up to 16
  int batch = 0;
  int cluster = 1;                // CTAs (images) per cluster; 1 without a split stage
  int nConv = 0, nFc = 0;
  // Per fully connected stage: the input bytes other CTAs (and this one) push to it; 0: none.
  // In the head because thread 0 sets each push barrier's expected bytes while its input reads
  // are in flight, before the launch copy has arrived.
  int pushBytes[kMaxFc] = {};
  float inScale = 0.f;            // FP32 input: quantized on load with this scale
  bool xFloat = false;
  Plane input;                    // the first stage's input plane (a conv's, or the vector)
  ConvStage conv[kMaxConv];
  FcStage fc[kMaxFc];
  int planeOffset[2] = {0, 0};    // the two ping-pong planes of the convolutions
  int firstVectorOffset = 0;      // the first fully connected stage's input (a plane, flat)
  int accOffset = 0;              // int32 accumulators (largest stage)
  // Split stages' inputs [kMaxCluster][gatherStride] (rows past the cluster: zeros), ping-pong
  // between consecutive split stages: a CTA may push the next stage's inputs while a slower
  // one still reads this stage's.
  int gatherOffset[2] = {0, 0}, gatherStride = 0;
  int sliceOffset = 0;            // a split stage's outputs [cluster][rows]
  int vectorOffset = 0;           // the last stage's input vector [fpad] (after a split stage)
  int smemBytes = 0;
  void* y = nullptr;              // [batch][last k], FP32 or INT8
};

}  // namespace int8rt::cuda::chain

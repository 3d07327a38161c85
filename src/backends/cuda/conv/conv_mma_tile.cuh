// The tensor-core implicit-GEMM skeleton shared by the FP16 (HMMA) and INT8 (IMMA) kernels.
// A CTA computes a BM x BN tile of one group's GEMM with WM x WN warps; the k tile is 32 (two
// m16n8k16 HMMA steps, or one m16n8k32 IMMA step). Shared memory holds the tile k-contiguous
// per row (A: output channel, B: output pixel), so each fragment register is one 32-bit word:
// rows are padded to a 16-byte multiple whose word stride is 4 mod 8, which puts the 8 rows x
// 4 words of a fragment load in 32 distinct banks. A is copied as 16-byte vectors from the
// packed weights; B is gathered (im2col) one 32-bit word (2 halves / 4 bytes) per thread and
// step, each thread owning one column. The next k tile is fetched into registers while the
// current one is multiplied.
#pragma once
#include "backends/cuda/pdl.h"
#include "backends/cuda/conv/conv_device.cuh"

namespace int8rt::cuda::conv {

constexpr int kMmaBK = 32;

// Traits per element type: how many elements share a 32-bit word, the padded row in bytes.
template <class T>
struct MmaElem;
template <>
struct MmaElem<__half> {
  static constexpr int kPerWord = 2;
  static constexpr int kRowBytes = kMmaBK * 2 + 16;  // 80 bytes = 20 words
  __device__ static uint32_t pack(const __half* v) {
    return static_cast<uint32_t>(__half_as_ushort(v[0])) |
           (static_cast<uint32_t>(__half_as_ushort(v[1])) << 16);
  }
  __device__ static __half zero() { return __ushort_as_half(0); }
};
template <>
struct MmaElem<int8_t> {
  static constexpr int kPerWord = 4;
  static constexpr int kRowBytes = kMmaBK + 16;  // 48 bytes = 12 words
  __device__ static uint32_t pack(const int8_t* v) {
    return static_cast<uint32_t>(static_cast<uint8_t>(v[0])) |
           (static_cast<uint32_t>(static_cast<uint8_t>(v[1])) << 8) |
           (static_cast<uint32_t>(static_cast<uint8_t>(v[2])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(v[3])) << 24);
  }
  __device__ static int8_t zero() { return 0; }
};

// Accumulator type per element type, and the warp-level MMA of one k tile (32) of one
// 16 x 8 fragment pair. a: 4 words of A (rows g, g+8 at k words tig and tig + 4 halves-words).
__device__ __forceinline__ void mmaTile(float (&c)[4], const uint32_t (&a)[2][4],
                                        const uint32_t (&b)[2][2], __half) {
#pragma unroll
  for (int s = 0; s < 2; ++s)
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[s][0]), "r"(a[s][1]), "r"(a[s][2]), "r"(a[s][3]), "r"(b[s][0]), "r"(b[s][1]));
}
__device__ __forceinline__ void mmaTile(int (&c)[4], const uint32_t (&a)[2][4],
                                        const uint32_t (&b)[2][2], int8_t) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a[0][0]), "r"(a[0][1]), "r"(a[0][2]), "r"(a[0][3]), "r"(b[0][0]), "r"(b[0][1]));
}

// Fragment words of one k tile, read from a shared row-major [rows][kRowBytes] tile.
// FP16 (m16n8k16, step s covers k 16s..16s+15; word = 2 halves):
//   A: a0 (row g, k 2t..2t+1), a1 (row g+8, same), a2 (row g, k 2t+8..), a3 (row g+8, k 2t+8..)
//   B: b0 (col g, k 2t..2t+1), b1 (col g, k 2t+8..)
// INT8 (m16n8k32, one step; word = 4 bytes):
//   A: a0 (row g, k 4t..4t+3), a1 (row g+8, same), a2 (row g, k 16+4t..), a3 (row g+8, k 16+4t..)
//   B: b0 (col g, k 4t..4t+3), b1 (col g, k 16+4t..)
// In words both are: first half at word t, second half at word t + 4, step s at word 8s.
template <class T>
__device__ __forceinline__ void loadFragA(uint32_t (&a)[2][4], const unsigned char* tile, int row,
                                          int lane) {
  constexpr int kSteps = sizeof(T) == 2 ? 2 : 1;
  const int gid = lane >> 2, tig = lane & 3;
  const uint32_t* r0 = reinterpret_cast<const uint32_t*>(tile + (row + gid) * MmaElem<T>::kRowBytes);
  const uint32_t* r8 = reinterpret_cast<const uint32_t*>(tile + (row + gid + 8) * MmaElem<T>::kRowBytes);
#pragma unroll
  for (int s = 0; s < kSteps; ++s) {
    a[s][0] = r0[8 * s + tig];
    a[s][1] = r8[8 * s + tig];
    a[s][2] = r0[8 * s + tig + 4];
    a[s][3] = r8[8 * s + tig + 4];
  }
}
template <class T>
__device__ __forceinline__ void loadFragB(uint32_t (&b)[2][2], const unsigned char* tile, int col,
                                          int lane) {
  constexpr int kSteps = sizeof(T) == 2 ? 2 : 1;
  const int gid = lane >> 2, tig = lane & 3;
  const uint32_t* c0 = reinterpret_cast<const uint32_t*>(tile + (col + gid) * MmaElem<T>::kRowBytes);
#pragma unroll
  for (int s = 0; s < kSteps; ++s) {
    b[s][0] = c0[8 * s + tig];
    b[s][1] = c0[8 * s + tig + 4];
  }
}

// The register-staged main loop of an MMA tile, shared by the NCHW and NHWC implicit GEMMs:
// stash() moves the k tile fetched into registers to shared memory (As, Bs), fetch(k0) starts
// loading the next one, and the warp's MI x NI fragments of this one feed the MMAs meanwhile.
template <class T, int MI, int NI, class Acc, class Fetch, class Stash>
__device__ __forceinline__ void mmaTileLoop(Acc (&acc)[MI][NI][4], const unsigned char* As,
                                            const unsigned char* Bs, int reductionPadded,
                                            int warpRow, int warpCol, int lane, Fetch& fetch,
                                            Stash& stash) {
  fetch(0);
  for (int k0 = 0; k0 < reductionPadded; k0 += kMmaBK) {
    stash();
    __syncthreads();
    if (k0 + kMmaBK < reductionPadded) fetch(k0 + kMmaBK);
    uint32_t a[MI][2][4], b[NI][2][2];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) loadFragA<T>(a[mi], As, warpRow + mi * 16, lane);
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) loadFragB<T>(b[ni], Bs, warpCol + ni * 8, lane);
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int ni = 0; ni < NI; ++ni) mmaTile(acc[mi][ni], a[mi], b[ni], T());
    __syncthreads();
  }
}

// The epilogue functor Store(m, off0, off1, v0, v1) is called for each pair of accumulators of
// adjacent columns (n, n + 1) of row m (within the group; may be >= kg: Store checks), with the
// columns' output offsets (ConvColumn::out, -1 past the last column). off1 == off0 + 1 lets
// Store write both with one vector store when the address is aligned.
template <class T, class Acc, int BM, int BN, int WM, int WN, class Store>
__device__ __forceinline__ void mmaConvTile(const ConvLaunch& l, Store store) {
  constexpr int kThreads = WM * WN * 32;
  constexpr int kWarpM = BM / WM, kWarpN = BN / WN;
  constexpr int MI = kWarpM / 16, NI = kWarpN / 8;
  static_assert(MI >= 1 && NI >= 1 && kWarpM % 16 == 0 && kWarpN % 8 == 0, "warp tile");
  static_assert(kThreads % BN == 0, "a thread owns one column of the B tile");
  constexpr int kPerWord = MmaElem<T>::kPerWord;
  constexpr int kRowBytes = MmaElem<T>::kRowBytes;
  constexpr int kTileRowBytes = kMmaBK * static_cast<int>(sizeof(T));  // 64 (FP16) or 32 (INT8)
  constexpr int kAChunks = BM * kTileRowBytes / 16;                    // uint4 per A tile
  constexpr int kARegs = (kAChunks + kThreads - 1) / kThreads;
  constexpr int kBWords = BN * kMmaBK / kPerWord;
  constexpr int kBRegs = kBWords / kThreads;
  constexpr int kWordsPerRow = kMmaBK / kPerWord;
  __shared__ __align__(16) unsigned char As[BM * kRowBytes];
  __shared__ __align__(16) unsigned char Bs[BN * kRowBytes];
  __shared__ int colOut[BN];  // output offset per column, read by the epilogue
  __shared__ int2 tapStage[kSmemTaps];

  const ConvGeometry& g = l.geo;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group = blockIdx.z;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int columns = l.batch * g.oh * g.ow;
  const T* __restrict__ x = static_cast<const T*>(l.x);
  const unsigned char* __restrict__ w = static_cast<const unsigned char*>(l.weights) +
      (static_cast<size_t>(group) * g.mPadded + m0) * g.reductionPadded * sizeof(T);
  const size_t wRowBytes = static_cast<size_t>(g.reductionPadded) * sizeof(T);

  const int bCol = tid % BN, bWord = tid / BN;
  const ConvColumn col = makeColumn(g, group, n0 + bCol, columns);
  if (bWord == 0) colOut[bCol] = col.out;  // published by the barrier below
  const TapSource tapAt = stageTaps(l, tapStage, tid, kThreads);
  pdlWait();  // the taps are constants; x and y are the neighbouring kernels' tensors
  __syncthreads();

  uint4 aReg[kARegs];
  uint32_t bReg[kBRegs];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * kThreads;
      if (v < kAChunks) {
        const int row = v / (kTileRowBytes / 16), chunk = v % (kTileRowBytes / 16);
        aReg[i] = __ldg(reinterpret_cast<const uint4*>(w + row * wRowBytes + k0 * sizeof(T)) + chunk);
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) {
      const int word = bWord + i * (kThreads / BN);
      T v[kPerWord];
#pragma unroll
      for (int e = 0; e < kPerWord; ++e)
        v[e] = loadTap(x, g, col, tapAt(k0 + word * kPerWord + e), MmaElem<T>::zero());
      bReg[i] = MmaElem<T>::pack(v);
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int i = 0; i < kARegs; ++i) {
      const int v = tid + i * kThreads;
      if (v < kAChunks) {
        const int row = v / (kTileRowBytes / 16), chunk = v % (kTileRowBytes / 16);
        *reinterpret_cast<uint4*>(As + row * kRowBytes + chunk * 16) = aReg[i];
      }
    }
#pragma unroll
    for (int i = 0; i < kBRegs; ++i) {
      const int word = bWord + i * (kThreads / BN);
      reinterpret_cast<uint32_t*>(Bs + bCol * kRowBytes)[word] = bReg[i];
    }
  };
  static_assert(kWordsPerRow == 16 || kWordsPerRow == 8, "k tile");

  const int warpRow = (warp / WN) * kWarpM, warpCol = (warp % WN) * kWarpN;
  Acc acc[MI][NI][4] = {};
  mmaTileLoop<T>(acc, As, Bs, g.reductionPadded, warpRow, warpCol, lane, fetch, stash);

  // Accumulator layout (both MMAs): c0, c1 at row g, columns 2t, 2t+1; c2, c3 at row g+8.
  const int gid = lane >> 2, tig = lane & 3;
#pragma unroll
  for (int ni = 0; ni < NI; ++ni) {
    const int nl = warpCol + ni * 8 + 2 * tig;
    const int off0 = colOut[nl], off1 = colOut[nl + 1];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int m = m0 + warpRow + mi * 16 + gid + 8 * h;
        store(m, off0, off1, acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]);
      }
  }
}

// The tile shapes the HMMA and IMMA kernels are built for, by configuration index: Tiles::run
// <BM, BN, WM, WN>(launch, stream) launches the caller's kernel instance for that shape.
template <class Tiles>
void launchMmaTile(int tile, const char* what, const ConvLaunch& l, cudaStream_t stream) {
  switch (tile) {
    case 0: Tiles::template run<32, 64, 1, 2>(l, stream); break;
    case 1: Tiles::template run<32, 128, 1, 4>(l, stream); break;
    case 2: Tiles::template run<64, 64, 2, 2>(l, stream); break;
    case 3: Tiles::template run<64, 128, 2, 4>(l, stream); break;
    case 4: Tiles::template run<128, 64, 4, 2>(l, stream); break;
    case 5: Tiles::template run<64, 32, 2, 2>(l, stream); break;
    default: fail("internal error: ", what, " tile ", tile, " does not exist");
  }
}

// The grid of a BM x BN tile kernel: columns (batch x output pixels) along x, output channels
// of a group along y, groups along z.
template <int BM, int BN>
dim3 mmaTileGrid(const ConvLaunch& l) {
  const int columns = l.batch * l.geo.oh * l.geo.ow;
  return dim3((columns + BN - 1) / BN, (l.geo.kg + BM - 1) / BM, l.geo.groups);
}

}  // namespace int8rt::cuda::conv

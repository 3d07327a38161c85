// The batched tiled matrix transpose of the data-movement kernels: the shuffle's 2-D transposes
// (dm_shuffle.cu, a plain copy) and the layout reformats NCHW <-> NHWC (dm_layout.cu, with a
// type conversion on the way). y[b][c][r] = op(x[b][r][c]) for x [batch, rows, cols]: a 32 x 32
// tile is read along cols and written along rows, both coalesced; the padded column avoids
// shared-memory bank conflicts.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "backends/cuda/pdl.h"

namespace int8rt::cuda::dm {

constexpr int kTile = 32, kTileRows = 8;  // a 32 x 8 block moves a 32 x 32 tile

template <class In, class Out, class Op>
__global__ void __launch_bounds__(kTile * kTileRows)
    transposeTiledKernel(const In* __restrict__ x, Out* __restrict__ y, uint32_t batch,
                         uint32_t rows, uint32_t cols, Op op) {
  __shared__ In tile[kTile][kTile + 1];  // +1: column reads hit distinct banks
  const uint32_t c0 = blockIdx.x * kTile, r0 = blockIdx.y * kTile;
  const size_t plane = static_cast<size_t>(rows) * cols;
  pdlWait();  // x is the previous kernel's output (pdl.h)
  for (uint32_t b = blockIdx.z; b < batch; b += gridDim.z) {
    const In* xb = x + b * plane;
    Out* yb = y + b * plane;
    for (int i = threadIdx.y; i < kTile; i += kTileRows) {
      const uint32_t r = r0 + i, c = c0 + threadIdx.x;
      if (r < rows && c < cols) tile[i][threadIdx.x] = xb[static_cast<size_t>(r) * cols + c];
    }
    __syncthreads();
    for (int i = threadIdx.y; i < kTile; i += kTileRows) {
      const uint32_t c = c0 + i, r = r0 + threadIdx.x;
      if (r < rows && c < cols) yb[static_cast<size_t>(c) * rows + r] = op(tile[threadIdx.x][i]);
    }
    __syncthreads();  // the tile is reused for the next image
  }
}

// One block per tile; images beyond the grid's z limit are looped over inside the kernel.
template <class In, class Out, class Op>
void launchTiledTranspose(const char* name, const In* x, Out* y, uint32_t batch, uint32_t rows,
                          uint32_t cols, Op op, cudaStream_t stream) {
  const dim3 grid((cols + kTile - 1) / kTile, (rows + kTile - 1) / kTile,
                  std::min<uint32_t>(batch, 65535));
  launchKernel(name, transposeTiledKernel<In, Out, Op>, grid, dim3(kTile, kTileRows), 0, stream, 1,
               x, y, batch, rows, cols, op);
}

}  // namespace int8rt::cuda::dm

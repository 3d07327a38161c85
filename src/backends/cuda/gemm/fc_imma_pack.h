// The INT8 weights of the IMMA fully connected kernel (fc_imma_kernels.cu) in the order its
// lanes load them: per M tile of 16 outputs, per chunk of 64 features, per MMA h (0, 1) of the
// chunk, per lane (g = lane / 4, t = lane % 4) one 16-byte A fragment {a0, a1, a2, a3}:
//   a0 byte i = W[16m + g    ][64ch + 16t + 8h + i]      (fragment k = 4t + i)
//   a1 byte i = W[16m + g + 8][64ch + 16t + 8h + i]
//   a2 byte i = W[16m + g    ][64ch + 16t + 8h + 4 + i]  (fragment k = 16 + 4t + i)
//   a3 byte i = W[16m + g + 8][64ch + 16t + 8h + 4 + i]
// zeros past K outputs or C features. The B fragment of the same lane holds the same features
// of its sample, so each MMA sums 32 matching products.
#pragma once
#include <cstdint>
#include <vector>

namespace int8rt::cuda {

// w: int8 [k][c] row-major. Returns ceil(k/16) * ceil(c/64) * 2 * 32 * 16 bytes.
inline std::vector<int8_t> fcImmaPackWeights(const int8_t* w, int64_t k, int64_t c) {
  const int64_t mTiles = (k + 15) / 16, chunks = (c + 63) / 64;
  std::vector<int8_t> out(static_cast<size_t>(mTiles * chunks * 2 * 32 * 16), 0);
  for (int64_t m = 0; m < mTiles; ++m)
    for (int64_t ch = 0; ch < chunks; ++ch)
      for (int h = 0; h < 2; ++h)
        for (int lane = 0; lane < 32; ++lane) {
          const int g = lane / 4, t = lane % 4;
          int8_t* frag = &out[static_cast<size_t>((((m * chunks + ch) * 2 + h) * 32 + lane) * 16)];
          for (int reg = 0; reg < 4; ++reg)
            for (int i = 0; i < 4; ++i) {
              const int64_t row = 16 * m + g + (reg % 2 == 1 ? 8 : 0);
              const int64_t col = 64 * ch + 16 * t + 8 * h + (reg >= 2 ? 4 : 0) + i;
              frag[reg * 4 + i] = row < k && col < c ? w[row * c + col] : int8_t{0};
            }
        }
  return out;
}

}  // namespace int8rt::cuda

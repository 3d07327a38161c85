// The idx format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): a big-endian magic
// 0x000008NN (unsigned bytes, NN dimensions), NN big-endian uint32 dims, then the bytes.
// Files may be plain or gzip-compressed; compression is detected from the content.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace int8rt {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, row-major, one byte per pixel
  const uint8_t* image(int i) const { return pixels.data() + size_t(i) * rows * cols; }
};

// Magic 0x00000803. Throws Error naming the file on a bad magic, truncation or trailing bytes.
IdxImages readIdxImages(const std::string& path);
// Magic 0x00000801.
std::vector<uint8_t> readIdxLabels(const std::string& path);

// Parses an in-memory idx buffer of unsigned bytes with `rank` dims (path is for messages):
// returns the dims, and the payload in `data`. Exposed for tests and other idx ranks.
std::vector<int> parseIdx(const std::vector<uint8_t>& bytes, int rank, const std::string& path,
                          std::vector<uint8_t>& data);

}  // namespace int8rt

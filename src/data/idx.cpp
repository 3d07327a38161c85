// idx parsing: every size is checked against the buffer before it is used, so a truncated or
// corrupt file gives a message rather than a read past the end.
#include "data/idx.h"

#include <cstdio>

#include "core/error.h"
#include "data/gzip.h"

namespace int8rt {
namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;

uint32_t loadBE32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

std::vector<int> parseIdx(const std::vector<uint8_t>& bytes, int rank, const std::string& path,
                          std::vector<uint8_t>& data) {
  const uint32_t expected = uint32_t(kTypeUnsignedByte) << 8 | uint32_t(rank);
  if (bytes.size() < 4)
    fail(path, ": truncated idx file: ", bytes.size(), " bytes, no room for the magic number");
  const uint32_t magic = loadBE32(bytes.data());
  if (magic != expected)
    fail(path, ": bad idx magic ", hex32(magic), ", expected ", hex32(expected),
         rank == 3 ? " (idx images)" : rank == 1 ? " (idx labels)" : "");
  const size_t headerBytes = 4 + 4 * size_t(rank);
  if (bytes.size() < headerBytes)
    fail(path, ": truncated idx header: ", bytes.size(), " bytes, ", rank, " dims need ",
         headerBytes);

  std::vector<int> dims;
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    const uint32_t d = loadBE32(bytes.data() + 4 + 4 * i);
    // Each dim stays below 2^31 so that it fits an int; the product is checked as it grows.
    if (d == 0 || d > 0x7fffffffu) fail(path, ": bad idx dim ", i, ": ", d);
    // Checked before multiplying so the product cannot wrap around.
    if (d > bytes.size() / count)
      fail(path, ": truncated idx file: dims need more than its ", bytes.size(), " bytes");
    count *= d;
    dims.push_back(int(d));
  }
  const uint64_t payload = bytes.size() - headerBytes;
  if (payload < count)
    fail(path, ": truncated idx file: dims need ", count, " bytes of data, the file has ",
         payload);
  if (payload > count)
    fail(path, ": ", payload - count, " trailing bytes after the idx data");
  data.assign(bytes.begin() + headerBytes, bytes.end());
  return dims;
}

IdxImages readIdxImages(const std::string& path) {
  IdxImages im;
  std::vector<int> dims = parseIdx(readFileMaybeGzip(path), 3, path, im.pixels);
  im.count = dims[0];
  im.rows = dims[1];
  im.cols = dims[2];
  return im;
}

std::vector<uint8_t> readIdxLabels(const std::string& path) {
  std::vector<uint8_t> labels;
  parseIdx(readFileMaybeGzip(path), 1, path, labels);
  return labels;
}

}  // namespace int8rt

// Reading and writing single batch files (CONTRACTS.md §5). The format is little-endian on disk
// whatever the host, so values are assembled byte by byte rather than copied raw.
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"

namespace int8rt {
namespace {

constexpr size_t kHeaderBytes = 16;

uint32_t loadLE32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void storeLE32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

float loadFloatLE(const uint8_t* p) {
  uint32_t bits = loadLE32(p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void storeFloatLE(uint8_t* p, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  storeLE32(p, bits);
}

std::string dimsText(int32_t n, int32_t c, int32_t h, int32_t w) {
  std::ostringstream os;
  os << n << "x" << c << "x" << h << "x" << w;
  return os.str();
}

}  // namespace

BatchFile readBatchFile(const std::string& path) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  if (bytes.size() < kHeaderBytes)
    fail(path, ": truncated batch file: ", bytes.size(), " bytes, the N,C,H,W header needs 16");

  BatchFile b;
  b.n = int32_t(loadLE32(&bytes[0]));
  b.c = int32_t(loadLE32(&bytes[4]));
  b.h = int32_t(loadLE32(&bytes[8]));
  b.w = int32_t(loadLE32(&bytes[12]));
  const std::string dims = dimsText(b.n, b.c, b.h, b.w);
  if (b.n <= 0 || b.c <= 0 || b.h <= 0 || b.w <= 0)
    fail(path, ": bad dims N x C x H x W = ", dims, ": every dimension must be positive");

  // Sizes in 128 bits: four int32 factors cannot overflow it, so absurd dims are reported as such
  // instead of wrapping around into a plausible size.
  const unsigned __int128 payload = bytes.size() - kHeaderBytes;
  const unsigned __int128 dataBytes =
      (unsigned __int128)b.n * unsigned(b.c) * unsigned(b.h) * unsigned(b.w) * 4u;
  const unsigned __int128 labelBytes = (unsigned __int128)b.n * 4u;
  if (dataBytes > payload) {
    if (dataBytes > std::numeric_limits<int64_t>::max())
      fail(path, ": bad dims ", dims, ": too large for any file");
    fail(path, ": truncated batch file: dims ", dims, " need ", int64_t(dataBytes),
         " data bytes after the header, the file has ", int64_t(payload));
  }
  const bool withLabels = payload == dataBytes + labelBytes;
  if (payload != dataBytes && !withLabels) {
    const int64_t extra = int64_t(payload - dataBytes);
    if (payload < dataBytes + labelBytes)
      fail(path, ": truncated labels: dims ", dims, " leave ", extra, " bytes after the data; ",
           "expected ", int64_t(labelBytes), " (", b.n, " float32 labels) or none");
    fail(path, ": ", int64_t(payload - dataBytes - labelBytes), " trailing bytes after the ",
         b.n, " labels (dims ", dims, ")");
  }

  const size_t count = size_t(dataBytes / 4);
  b.data.resize(count);
  const uint8_t* p = bytes.data() + kHeaderBytes;
  for (size_t i = 0; i < count; ++i) b.data[i] = loadFloatLE(p + 4 * i);
  if (withLabels) {
    p += 4 * count;
    b.labels.resize(size_t(b.n));
    for (int32_t i = 0; i < b.n; ++i) b.labels[size_t(i)] = loadFloatLE(p + 4 * size_t(i));
  }
  return b;
}

void writeBatchFile(const std::string& path, const BatchFile& b) {
  const std::string dims = dimsText(b.n, b.c, b.h, b.w);
  if (b.n <= 0 || b.c <= 0 || b.h <= 0 || b.w <= 0)
    fail(path, ": cannot write batch with dims ", dims, ": every dimension must be positive");
  const size_t count = size_t(b.n) * size_t(b.c) * size_t(b.h) * size_t(b.w);
  check(b.data.size() == count, path, ": cannot write batch: dims ", dims, " need ", count,
        " floats, got ", b.data.size());
  check(b.labels.empty() || b.labels.size() == size_t(b.n), path,
        ": cannot write batch: ", b.labels.size(), " labels for ", b.n, " images");

  std::vector<uint8_t> bytes(kHeaderBytes + 4 * (count + b.labels.size()));
  storeLE32(&bytes[0], uint32_t(b.n));
  storeLE32(&bytes[4], uint32_t(b.c));
  storeLE32(&bytes[8], uint32_t(b.h));
  storeLE32(&bytes[12], uint32_t(b.w));
  uint8_t* p = bytes.data() + kHeaderBytes;
  for (float f : b.data) storeFloatLE(p, f), p += 4;
  for (float f : b.labels) storeFloatLE(p, f), p += 4;
  writeFileAtomic(path, bytes.data(), bytes.size());
}

std::string batchFilePath(const std::string& dir, int index) {
  return dir + "/batch" + std::to_string(index);
}

int countBatchFiles(const std::string& dir) {
  int n = 0;
  while (fileExists(batchFilePath(dir, n))) ++n;
  return n;
}

}  // namespace int8rt

// gzip decompression in memory with zlib's inflate: the files are small enough (tens of MB) to
// hold whole, and working on a buffer lets corruption be reported with the exact reason.
#include "data/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "core/error.h"
#include "core/file_io.h"

namespace int8rt {
namespace {

// A guard against gzip bombs: far above any data set this tool reads, far below memory limits.
constexpr uint64_t kMaxInflatedBytes = uint64_t(4) << 30;

}  // namespace

bool isGzip(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path) {
  check(bytes.size() < UINT_MAX, path, ": gzip file too large for this reader");
  z_stream zs{};
  // 16 + MAX_WBITS: expect the gzip wrapper (header and CRC-32 trailer), not raw zlib.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(path, ": cannot start gzip decompression");
  std::vector<uint8_t> out;
  out.resize(std::max<size_t>(bytes.size() * 4, 1 << 16));
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = uInt(bytes.size());
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= kMaxInflatedBytes) {
        inflateEnd(&zs);
        fail(path, ": gzip data inflates beyond ", kMaxInflatedBytes >> 30, " GiB");
      }
      out.resize(out.size() * 2);
    }
    zs.next_out = out.data() + produced;
    const size_t room = std::min<size_t>(out.size() - produced, 1u << 30);
    zs.avail_out = uInt(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // gzip allows several members back to back (what `cat a.gz b.gz` makes); read them all.
      if (zs.avail_in == 0) break;
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b) {
        const uInt left = zs.avail_in;
        inflateEnd(&zs);
        fail(path, ": ", left, " bytes of trailing garbage after the gzip data");
      }
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      fail(path, ": truncated gzip data: the stream ends after ", produced,
           " decompressed bytes without its trailer");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string why = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      fail(path, ": corrupt gzip data: ", why);
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

std::vector<uint8_t> readFileMaybeGzip(const std::string& path) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  return isGzip(bytes) ? gunzip(bytes, path) : bytes;
}

}  // namespace int8rt

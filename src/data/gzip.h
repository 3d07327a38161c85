// Whole-file reads that see through gzip compression, so data sets can stay compressed on disk
// (Debian ships MNIST-style sets as .gz). Compression is detected from the gzip magic bytes, not
// the file name, so a renamed or decompressed file still reads correctly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace int8rt {

bool isGzip(const std::vector<uint8_t>& bytes);  // starts with 0x1f 0x8b

// Inflates every gzip member in `bytes`; throws Error naming `path` when the stream is corrupt
// or ends early.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path);

// The file's contents, decompressed when it is gzip.
std::vector<uint8_t> readFileMaybeGzip(const std::string& path);

}  // namespace int8rt

// Whole-file reads with clear errors, and atomic writes (temporary name, then rename) so that a
// failed command never leaves a partial output file behind.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace int8rt {

// Reads the whole file; throws Error("<path>: cannot open: <reason>") when it cannot.
std::vector<uint8_t> readFileBytes(const std::string& path);
std::string readFileText(const std::string& path);

// Writes to "<path>.tmp.<pid>" then renames over path; on failure removes the temporary.
void writeFileAtomic(const std::string& path, const void* data, size_t size);
inline void writeFileAtomic(const std::string& path, const std::string& text) {
  writeFileAtomic(path, text.data(), text.size());
}

bool fileExists(const std::string& path);
bool isDirectory(const std::string& path);

}  // namespace int8rt

// Little-endian binary archive for plan files. One io() overload per type serves both
// directions, so the writer and the bounds-checked reader can never disagree on a field.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace int8rt {

class ArchiveWriter {
 public:
  static constexpr bool kReading = false;
  // The plan format being written (always the newest): io() overloads may test it like a reader's.
  explicit ArchiveWriter(uint32_t formatVersion) : format(formatVersion) {}
  const uint32_t format;
  template <class T>
  void raw(T& v) requires std::is_arithmetic_v<T> || std::is_enum_v<T> {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void rawBytes(void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + n);
  }
  uint64_t size(uint64_t n) { raw(n); return n; }
  std::vector<uint8_t> bytes;
};

class ArchiveReader {
 public:
  static constexpr bool kReading = true;
  // formatVersion: the plan format of the data, so io() overloads read only the fields that
  // format has (fields added later keep their defaults).
  ArchiveReader(const uint8_t* data, size_t size, std::string source, uint32_t formatVersion)
      : format(formatVersion), p_(data), end_(data + size), source_(std::move(source)) {}
  const uint32_t format;
  template <class T>
  void raw(T& v) requires std::is_arithmetic_v<T> || std::is_enum_v<T> {
    need(sizeof(T));
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
  }
  void rawBytes(void* data, size_t n) {
    need(n);
    std::memcpy(data, p_, n);
    p_ += n;
  }
  // A count read from the file, checked against the bytes left so corrupt sizes cannot
  // trigger huge allocations.
  uint64_t size(uint64_t, size_t minElementBytes = 1) {
    uint64_t n;
    raw(n);
    if (minElementBytes && n > static_cast<uint64_t>(end_ - p_) / minElementBytes)
      fail(source_, ": corrupt plan: a count of ", n, " exceeds the data left");
    return n;
  }
  bool atEnd() const { return p_ == end_; }
  const std::string& source() const { return source_; }

 private:
  void need(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail(source_, ": plan is truncated");
  }
  const uint8_t* p_;
  const uint8_t* end_;
  std::string source_;
};

template <class A, class T>
void io(A& a, T& v) requires std::is_arithmetic_v<T> || std::is_enum_v<T> {
  a.raw(v);
}

template <class A>
void io(A& a, bool& v) {
  uint8_t b = v;
  a.raw(b);
  v = b != 0;
}

template <class A>
void io(A& a, std::string& s) {
  uint64_t n = a.size(s.size());
  if constexpr (A::kReading) s.resize(n);
  a.rawBytes(s.data(), n);
}

template <class A, class T>
void io(A& a, std::vector<T>& v) {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    uint64_t n;
    if constexpr (A::kReading) n = a.size(0, sizeof(T)); else n = a.size(v.size());
    if constexpr (A::kReading) v.resize(n);
    a.rawBytes(v.data(), n * sizeof(T));
  } else {
    uint64_t n;
    if constexpr (A::kReading) n = a.size(0, 1); else n = a.size(v.size());
    if constexpr (A::kReading) v.resize(n);
    for (auto& e : v) io(a, e);
  }
}

}  // namespace int8rt

// Helpers for the quant tests: float bit patterns, a scratch directory, and a naive
// EntropyCalibration2 search written straight from CONTRACTS.md §3 (normalise P and Q, one log
// per bin, long double) to check the fast search against.
#pragma once
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace int8rt::quanttest {

inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

class Scratch {
 public:
  Scratch() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "int8rt_quant_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~Scratch() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// KL of candidate i, literally as CONTRACTS §3 step 3 states it.
inline long double naiveKL(const std::vector<uint64_t>& hist, int i) {
  std::vector<long double> b(hist.begin(), hist.end());
  b[0] = b[1];
  std::vector<long double> p(b.begin(), b.begin() + i), q(i, 0.0L);
  for (size_t j = i; j < b.size(); ++j) p[i - 1] += b[j];
  std::vector<long double> groupSum(128, 0.0L);
  std::vector<int> groupNonZero(128, 0);
  auto group = [i](int j) { return static_cast<int>(static_cast<int64_t>(j) * 128 / i); };
  for (int j = 0; j < i; ++j) {
    groupSum[group(j)] += b[j];
    groupNonZero[group(j)] += b[j] != 0;
  }
  for (int j = 0; j < i; ++j)
    if (b[j] != 0) q[j] = groupSum[group(j)] / groupNonZero[group(j)];
  long double sp = 0, sq = 0;
  for (int j = 0; j < i; ++j) sp += p[j], sq += q[j];
  long double kl = 0;
  for (int j = 0; j < i; ++j) {
    if (p[j] == 0) continue;
    if (q[j] == 0) return std::numeric_limits<long double>::infinity();
    const long double pn = p[j] / sp, qn = q[j] / sq;
    kl += pn * std::log(pn / qn);
  }
  return kl;
}

// The candidate with the smallest naive KL; ties (within `tie`) go to the largest i.
inline int naiveBestBins(const std::vector<uint64_t>& hist, long double tie = 1e-12L) {
  std::vector<long double> kl(2049, std::numeric_limits<long double>::infinity());
  long double best = std::numeric_limits<long double>::infinity();
  for (int i = 128; i <= 2048; ++i) {
    kl[i] = naiveKL(hist, i);
    if (kl[i] < best) best = kl[i];
  }
  for (int i = 2048; i >= 128; --i)
    if (kl[i] <= best + tie) return i;
  return 2048;
}

}  // namespace int8rt::quanttest

// MSE-optimal threshold (int8rt's own, not TensorRT-compatible).
//
// Model: values of bin j (in units of the bin width w, so bin j is [j, j+1)) are spread
// uniformly over the bin, except exact zeros, which quantize without error. For a threshold of
// k bins the symmetric int8 quantizer has step s = k / 127 and maps u >= 0 to
// s * min(round(u / s), 127): cells [(c - 0.5)s, (c + 0.5)s) for c < 127, and [126.5s, inf) to
// 127s = k, which is also where clipping happens. The expected squared error of a bin is the
// integral of (u - Q(u))^2 over it, split at cell edges. The search takes every k = 1..2048 and
// keeps the smallest total (ties: the largest k); amax = k * w, capped at the exact max.
// Negative values are treated like positive ones (the histogram holds |x|), i.e. the -128 code
// is not used: a slightly pessimistic but sign-blind model.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "quant/algorithms.h"

namespace int8rt {
namespace {

constexpr int kBins = AbsHistogram::kBins;

inline double cube(double x) { return x * x * x; }

// Integral of (u - c)^2 over [lo, hi].
inline double sq(double lo, double hi, double c) { return (cube(hi - c) - cube(lo - c)) / 3.0; }

// Integral of (u - Q(u))^2 over [a, b) for b <= 126.5 s (below the top cell): one or a few cells.
double roundingError(double a, double b, double s) {
  double err = 0.0;
  const long first = static_cast<long>(std::floor(a / s + 0.5));
  const long lastCell = static_cast<long>(std::floor(b / s + 0.5));
  for (long c = first; c <= lastCell; ++c) {
    const double lo = std::max(a, (c - 0.5) * s);
    const double hi = std::min(b, (c + 0.5) * s);
    if (hi > lo) err += sq(lo, hi, c * s);
  }
  return err;
}

// Non-empty bins as (index, count without exact zeros): sparse histograms (doubled ranges,
// discrete inputs) then cost only their occupied bins per candidate.
std::vector<std::pair<int, double>> occupiedBins(const AbsHistogram& h) {
  std::vector<std::pair<int, double>> bins;
  for (int j = 0; j < kBins; ++j) {
    uint64_t n = h.counts()[j];
    if (j == 0) n -= std::min(n, h.zeros());  // exact zeros: no error whatever the threshold
    if (n) bins.emplace_back(j, static_cast<double>(n));
  }
  return bins;
}

double totalError(const std::vector<std::pair<int, double>>& bins, int k) {
  const double t = k;
  const double s = t / 127.0;
  const double top = 126.5 * s;  // start of the cell that maps to 127 (and clips)
  double total = 0.0;
  for (const auto& [j, n] : bins) {
    const double a = j, b = j + 1.0;
    double e;
    if (a >= top) {
      e = sq(a, b, t);  // entirely in the top cell: (u - t)^2
    } else if (b <= top) {
      e = roundingError(a, b, s);
    } else {
      e = roundingError(a, top, s) + sq(top, b, t);
    }
    total += n * e;
  }
  return total;
}

}  // namespace

double mseOfThreshold(const AbsHistogram& h, int k) {
  check(k >= 1 && k <= kBins, "MSE threshold out of range: ", k);
  return totalError(occupiedBins(h), k);
}

float mseAmax(const AbsHistogram& h) {
  if (h.total() == 0 || h.total() == h.zeros()) return 0.f;
  const auto bins = occupiedBins(h);
  double best = std::numeric_limits<double>::infinity();
  int bestK = kBins;
  for (int k = 1; k <= kBins; ++k) {
    const double e = totalError(bins, k);
    if (e <= best) {  // ties: the largest k
      best = e;
      bestK = k;
    }
  }
  return std::min(static_cast<float>(bestK) * h.binWidth(), h.maxAbs());
}

}  // namespace int8rt

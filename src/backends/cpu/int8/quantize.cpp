// FP32 <-> INT8 per-tensor reformats: the scalar definitions and the dispatch (AVX2 when the CPU
// has it, chunks of 64 KiB over the pool). Layout: any, element-wise.
#include "backends/cpu/int8/quantize.h"

#include "backends/cpu/common/parallel.h"
#include "core/cpu_features.h"
#include "core/error.h"

namespace int8rt::cpu {

void quantizeScalar(const float* x, int8_t* q, int64_t n, float scale) {
  for (int64_t i = 0; i < n; ++i) q[i] = quantizeValue(x[i], scale);
}

void dequantizeScalar(const int8_t* q, float* x, int64_t n, float scale) {
  for (int64_t i = 0; i < n; ++i) x[i] = dequantizeValue(q[i], scale);
}

namespace {
// Elements per parallel item: big enough that a wake-up (about a microsecond) is repaid.
constexpr int64_t kChunk = 16384;

template <class F>
void chunked(int64_t n, ThreadPool* pool, F&& f) {
  const int64_t items = (n + kChunk - 1) / kChunk;
  parallelFor(pool, items, static_cast<double>(kChunk), [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t lo = i * kChunk, hi = std::min(n, lo + kChunk);
      f(lo, hi - lo);
    }
  });
}
}  // namespace

void quantizeTensor(const float* x, int8_t* q, int64_t n, float scale, ThreadPool* pool) {
  check(std::isfinite(scale) && scale > 0.f, "quantizeTensor: scale ", scale,
        " has no INT8 representation");
  const bool avx2 = cpuFeatures().avx2;
  chunked(n, pool, [&](int64_t o, int64_t m) {
    if (avx2)
      quantizeAvx2(x + o, q + o, m, scale);
    else
      quantizeScalar(x + o, q + o, m, scale);
  });
}

void dequantizeTensor(const int8_t* q, float* x, int64_t n, float scale, ThreadPool* pool) {
  const bool avx2 = cpuFeatures().avx2;
  chunked(n, pool, [&](int64_t o, int64_t m) {
    if (avx2)
      dequantizeAvx2(q + o, x + o, m, scale);
    else
      dequantizeScalar(q + o, x + o, m, scale);
  });
}

void requantizeTensor(const int8_t* q, int8_t* out, int64_t n, float from, float to,
                      ThreadPool* pool) {
  check(std::isfinite(to) && to > 0.f, "requantizeTensor: scale ", to,
        " has no INT8 representation");
  chunked(n, pool, [&](int64_t o, int64_t m) {
    for (int64_t i = o; i < o + m; ++i) out[i] = quantizeValue(dequantizeValue(q[i], from), to);
  });
}

}  // namespace int8rt::cpu

// 2-D pooling fast paths: 2x2 stride 2 max/avg (no pads; ceil edge windows clipped), global
// max/avg. Layout: NCHW, one plane per task; tile: 16 input columns -> 8 outputs (8 -> 4 for narrow
// planes).
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "backends/cpu/candidates.h"
#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"

namespace int8rt::cpu {

namespace {

bool allEqual(const Shape& v, int64_t value, size_t rank) {
  if (v.empty()) return true;  // unset means the default
  if (v.size() != rank) return false;
  return std::all_of(v.begin(), v.end(), [&](int64_t d) { return d == value; });
}

// Pairs adjacent columns of two 8-float vectors (16 consecutive inputs) into 8 results in order.
template <bool kMax>
inline __m256 pairwise(__m256 a, __m256 b) {
  const __m256 even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  const __m256 r = kMax ? _mm256_max_ps(even, odd) : _mm256_add_ps(even, odd);
  // Lanes are [0 1 4 5 | 2 3 6 7]; swap the middle 64-bit pairs back into order.
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(r), _MM_SHUFFLE(3, 1, 2, 0)));
}

// One output of a window clipped to the input (no padding: both average modes divide by the
// number of elements inside the input).
template <bool kMax>
inline float clippedWindow(const float* plane, int64_t H, int64_t W, int64_t oh, int64_t ow) {
  float best = std::numeric_limits<float>::lowest(), sum = 0.f;
  int count = 0;
  for (int64_t h = 2 * oh; h < std::min(H, 2 * oh + 2); ++h)
    for (int64_t w = 2 * ow; w < std::min(W, 2 * ow + 2); ++w) {
      const float v = plane[h * W + w];
      best = std::max(best, v);
      sum += v;
      ++count;
    }
  return kMax ? best : (count ? sum / static_cast<float>(count) : 0.f);
}

template <bool kMax>
void pool2x2Plane(const float* x, int64_t H, int64_t W, float* y, int64_t OH, int64_t OW) {
  const int64_t fullRows = std::min(OH, H / 2), fullCols = std::min(OW, W / 2);
  const __m256 quarter = _mm256_set1_ps(0.25f);
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* yr = y + oh * OW;
    int64_t ow = 0;
    if (oh < fullRows) {
      const float* r0 = x + 2 * oh * W;
      const float* r1 = r0 + W;
      for (; ow + 8 <= fullCols; ow += 8) {
        const __m256 a0 = _mm256_loadu_ps(r0 + 2 * ow), a1 = _mm256_loadu_ps(r0 + 2 * ow + 8);
        const __m256 b0 = _mm256_loadu_ps(r1 + 2 * ow), b1 = _mm256_loadu_ps(r1 + 2 * ow + 8);
        __m256 r;
        if (kMax)
          r = pairwise<true>(_mm256_max_ps(a0, b0), _mm256_max_ps(a1, b1));
        else
          r = _mm256_mul_ps(pairwise<false>(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1)), quarter);
        _mm256_storeu_ps(yr + ow, r);
      }
      // Narrow planes (LeNet pool2 is 8 wide): 8 inputs -> 4 outputs from the low half.
      for (; ow + 4 <= fullCols; ow += 4) {
        const __m256 a = _mm256_loadu_ps(r0 + 2 * ow), b = _mm256_loadu_ps(r1 + 2 * ow);
        __m256 r;
        if (kMax)
          r = pairwise<true>(_mm256_max_ps(a, b), _mm256_max_ps(a, b));
        else
          r = _mm256_mul_ps(pairwise<false>(_mm256_add_ps(a, b), _mm256_add_ps(a, b)), quarter);
        _mm_storeu_ps(yr + ow, _mm256_castps256_ps128(r));
      }
    }
    for (; ow < OW; ++ow) yr[ow] = clippedWindow<kMax>(x, H, W, oh, ow);
  }
}

template <bool kMax>
float globalPlane(const float* x, int64_t n) {
  __m256 acc = kMax ? _mm256_set1_ps(std::numeric_limits<float>::lowest()) : _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    acc = kMax ? _mm256_max_ps(acc, v) : _mm256_add_ps(acc, v);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  float r = lanes[0];
  for (int l = 1; l < 8; ++l) r = kMax ? std::max(r, lanes[l]) : r + lanes[l];
  for (; i < n; ++i) r = kMax ? std::max(r, x[i]) : r + x[i];
  return kMax ? r : r / static_cast<float>(n);
}

class Pooling2dAvx2 final : public CpuKernel {
 public:
  Pooling2dAvx2(const KernelSetup& s, bool global)
      : name_(s.layer->name),
        max_(s.layer->as<PoolingParams>().type == PoolingType::kMAX),
        global_(global) {}

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    if (xs.size() != 4 || ys.size() != 4 || ys[0] != xs[0] || ys[1] != xs[1] ||
        (global_ && (ys[2] != 1 || ys[3] != 1)) ||
        (!global_ && (ys[2] > (xs[2] + 1) / 2 || ys[3] > (xs[3] + 1) / 2)))
      fail("layer '", name_, "': run shapes ", shapeText(xs), " -> ", shapeText(ys),
           " do not fit the pooling");
    const int64_t planes = xs[0] * xs[1], H = xs[2], W = xs[3], OH = ys[2], OW = ys[3];
    const float* x = a.inputs[0].f32();
    float* y = a.outputs[0].f32();
    parallelFor(a.pool, planes, static_cast<double>(H * W), [&](int64_t begin, int64_t end, int) {
      for (int64_t p = begin; p < end; ++p) {
        const float* xp = x + p * H * W;
        float* yp = y + p * OH * OW;
        if (global_)
          *yp = max_ ? globalPlane<true>(xp, H * W) : globalPlane<false>(xp, H * W);
        else if (max_)
          pool2x2Plane<true>(xp, H, W, yp, OH, OW);
        else
          pool2x2Plane<false>(xp, H, W, yp, OH, OW);
      }
    });
  }

 private:
  std::string name_;
  bool max_;
  bool global_;
};

bool basic(const KernelSetup& s, const CpuFeatures& cpu) {
  return cpu.avx2 && cpu.fma && fp32Layer(s, LayerKind::kPOOLING, 1) &&
         s.inputShapes[0].size() == 4 && s.outputShapes[0].size() == 4;
}

bool supports2x2(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!basic(s, cpu)) return false;
  const auto& p = s.layer->as<PoolingParams>();
  return !p.global && p.window == Shape{2, 2} && p.stride == Shape{2, 2} &&
         allEqual(p.padBegin, 0, 2) && allEqual(p.padEnd, 0, 2) && allEqual(p.dilation, 1, 2);
}

bool supportsGlobal(const KernelSetup& s, const CpuFeatures& cpu) {
  return basic(s, cpu) && s.layer->as<PoolingParams>().global;
}

std::unique_ptr<CpuKernel> create2x2(const KernelSetup& s) {
  return std::make_unique<Pooling2dAvx2>(s, false);
}
std::unique_ptr<CpuKernel> createGlobal(const KernelSetup& s) {
  return std::make_unique<Pooling2dAvx2>(s, true);
}

}  // namespace

std::vector<KernelCandidate> pooling2dAvx2Candidates() {
  return {
      {"pooling2d_fp32_2x2s2_avx2", LayerKind::kPOOLING, DataType::kFLOAT, supports2x2, create2x2},
      {"pooling2d_fp32_global_avx2", LayerKind::kPOOLING, DataType::kFLOAT, supportsGlobal,
       createGlobal},
  };
}

}  // namespace int8rt::cpu

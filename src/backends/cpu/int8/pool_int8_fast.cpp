// INT8 2-D max pooling through maxPool2dAvx2 (pool_int8_avx2.cpp); planes split over threads.
// Layout: x [N, C, H, W] int8 -> y [N, C, OH, OW] int8 with the input's scale (max pooling
// shares its input's scale, CONTRACTS §2).
#include <algorithm>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/common/parallel.h"
#include "backends/cpu/common/scratch.h"
#include "backends/cpu/common/spatial_geometry.h"
#include "backends/cpu/int8/int8_candidates.h"
#include "backends/cpu/int8/int8_common.h"

namespace int8rt::cpu {

namespace {

class MaxPoolInt8Avx2 final : public CpuKernel {
 public:
  explicit MaxPoolInt8Avx2(const KernelSetup& s)
      : name_(s.layer->name), p_(s.layer->as<PoolingParams>()) {}

  void run(const RunArgs& a) override {
    const Shape& xs = a.inputs[0].shape;
    const Shape& ys = a.outputs[0].shape;
    check(xs.size() == 4 && ys.size() == 4 && xs[0] == ys[0] && xs[1] == ys[1], "layer '", name_,
          "': run shapes ", shapeText(xs), " -> ", shapeText(ys), " do not match the pooling");
    SpatialGeometry g = poolingGeometry(p_, xs, name_);
    i8::Pool2dGeometry pg{xs[2],         xs[3],         ys[2],         ys[3],
                          g.kernel[0],   g.kernel[1],   g.stride[0],   g.stride[1],
                          g.padBegin[0], g.padBegin[1], g.dilation[0], g.dilation[1]};
    const int64_t planes = xs[0] * xs[1];
    const auto* x = static_cast<const int8_t*>(a.inputs[0].data);
    auto* y = static_cast<int8_t*>(a.outputs[0].data);
    const int64_t scratch = i8::maxPoolScratchBytes(pg);
    const double work = static_cast<double>(pg.h * pg.w * g.kernel[0]);
    parallelFor(a.pool, planes, work, [&](int64_t b, int64_t e, int) {
      auto* buf = reinterpret_cast<int8_t*>(threadScratch((scratch + 3) / 4, 0));
      i8::maxPool2dAvx2(x + b * pg.h * pg.w, y + b * pg.oh * pg.ow, e - b, pg, buf);
    });
  }

 private:
  std::string name_;
  PoolingParams p_;
};

bool supports(const KernelSetup& s, const CpuFeatures& cpu) {
  if (!cpu.avx2 || !isKind(s, LayerKind::kPOOLING) || s.inputShapes.size() != 1) return false;
  const auto& p = s.layer->as<PoolingParams>();
  if (p.type != PoolingType::kMAX || s.inputShapes[0].size() != 4) return false;
  if (!i8::int8Input(s, 0) || !i8::int8OrFloatOutput(s, false)) return false;
  for (int64_t v : p.padBegin)
    if (v < 0) return false;
  // The vertical pass keeps pointers to at most 64 window rows.
  if ((p.global ? s.inputShapes[0][2] : (p.window.empty() ? 0 : p.window[0])) > 64) return false;
  return s.outputScales[0] == s.inputScales[0];  // no requantization on this path
}

std::unique_ptr<CpuKernel> create(const KernelSetup& s) {
  return std::make_unique<MaxPoolInt8Avx2>(s);
}

}  // namespace

std::vector<KernelCandidate> poolingInt8Avx2Candidates() {
  return {{"pooling_max_int8_2d_avx2", LayerKind::kPOOLING, DataType::kINT8, supports, create}};
}

}  // namespace int8rt::cpu

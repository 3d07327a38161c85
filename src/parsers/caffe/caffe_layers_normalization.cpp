// BatchNorm, Scale, Bias, Power and LRN. The first four are all y = (x * scale + shift) ^ power
// with learned or given factors, so they become Scale layers; BatchNorm's statistics are folded
// into per-channel factors here, once, at import.
#include <cmath>

#include "core/error.h"
#include "parsers/caffe/caffe_layers.h"

namespace int8rt::caffe_import {

namespace {

// Where a Scale or Bias layer's learned blob applies: dims [axis, end) of the input.
struct AffineSpan {
  ScaleMode mode = ScaleMode::kCHANNEL;
  Shape blobShape;  // the covered dims, as the blob stores them
  Shape sample;     // the input's dims after the batch
  int axis = 1;
};

AffineSpan affineSpan(const Shape& xs, int64_t axisParam, int64_t numAxes, const char* what) {
  AffineSpan s;
  s.axis = resolveAxis(axisParam, xs.size(), what);
  check(numAxes >= -1, what, ": num_axes ", numAxes, " is invalid");
  size_t end = numAxes == -1 ? xs.size() : s.axis + static_cast<size_t>(numAxes);
  check(end <= xs.size(), what, ": axis ", s.axis, " and num_axes ", numAxes,
        " run past the input ", shapeToString(xs));
  s.blobShape.assign(xs.begin() + s.axis, xs.begin() + end);
  s.sample.assign(xs.begin() + 1, xs.end());
  if (s.blobShape.empty()) s.mode = ScaleMode::kUNIFORM;
  else if (s.axis == 1 && end == 2) s.mode = ScaleMode::kCHANNEL;
  else {
    check(s.axis >= 1, what, ": factors that vary along the batch axis are unsupported");
    s.mode = ScaleMode::kELEMENTWISE;
  }
  return s;
}

// Expands factors over the covered dims to one factor per element of a sample (kELEMENTWISE),
// repeating them along the dims the blob does not cover.
Weights expand(const AffineSpan& s, Weights w) {
  if (s.mode != ScaleMode::kELEMENTWISE || w.empty()) return w;
  size_t first = s.axis - 1, last = first + s.blobShape.size();  // covered dims within `sample`
  int64_t total = 1;
  for (int64_t d : s.sample) {
    total *= d;
    check(d > 0 && total <= (int64_t{1} << 32), "factors for ", shapeToString(s.sample),
          " would be too large");
  }
  Weights out;
  out.values.resize(total);
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i, covered = 0, stride = 1;
    for (size_t d = s.sample.size(); d-- > 0;) {
      int64_t coord = rest % s.sample[d];
      rest /= s.sample[d];
      if (d >= first && d < last) {
        covered += coord * stride;
        stride *= s.sample[d];
      }
    }
    out.values[i] = w.values[covered];
  }
  return out;
}

}  // namespace

void importBatchNorm(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  Shape xs = ctx.shapeWithKnownFeatureDims(x, "BatchNorm input");
  check(xs.size() >= 2, "input ", shapeToString(xs), " has no channel dim");
  int64_t c = xs[1];
  // use_global_stats = false asks Caffe for batch statistics; an inference engine has only the
  // stored ones, which is also what Caffe uses by default outside training.
  Weights mean = ctx.blob(l, 0, {c}, "mean");
  Weights var = ctx.blob(l, 1, {c}, "variance");
  // Caffe stores running sums; the third blob is their weight, and the stored statistics are
  // divided by it (a weight of 0 means no statistics were ever accumulated).
  double factor = 1.0;
  if (ctx.blobCount(l) >= 3) {
    float f = ctx.blob(l, 2, {1}, "moving-average factor").values[0];
    factor = f == 0.f ? 0.0 : 1.0 / f;
  }
  double eps = l.batch_norm_param().eps();
  Weights scale, shift;
  scale.values.resize(c);
  shift.values.resize(c);
  for (int64_t i = 0; i < c; ++i) {
    double m = mean.values[i] * factor, v = var.values[i] * factor;
    double s = 1.0 / std::sqrt(v + eps);
    scale.values[i] = static_cast<float>(s);
    shift.values[i] = static_cast<float>(-m * s);
  }
  Layer& layer = ctx.net().addScale(x, ScaleMode::kCHANNEL, std::move(shift), std::move(scale), {});
  ctx.noteWeightedLayer();
  bindSingleTop(ctx, l, layer);
}

void importScale(ImportContext& ctx, const caffe::LayerParameter& l) {
  check(l.bottom_size() == 1,
        "scale factors taken from a second bottom are unsupported (only a learned scale blob)");
  TensorId x = ctx.bottom(l, 0);
  const auto& p = l.scale_param();
  AffineSpan span = affineSpan(ctx.shapeWithKnownFeatureDims(x, "Scale input"), p.axis(),
                               p.num_axes(), "scale_param");
  Weights scale = expand(span, ctx.blob(l, 0, span.blobShape, "scale"));
  Weights shift = p.bias_term() ? expand(span, ctx.blob(l, 1, span.blobShape, "bias")) : Weights{};
  Layer& layer = ctx.net().addScale(x, span.mode, std::move(shift), std::move(scale), {});
  ctx.noteWeightedLayer();
  bindSingleTop(ctx, l, layer);
}

void importBias(ImportContext& ctx, const caffe::LayerParameter& l) {
  check(l.bottom_size() == 1,
        "a bias taken from a second bottom is unsupported (only a learned bias blob)");
  TensorId x = ctx.bottom(l, 0);
  const auto& p = l.bias_param();
  AffineSpan span = affineSpan(ctx.shapeWithKnownFeatureDims(x, "Bias input"), p.axis(),
                               p.num_axes(), "bias_param");
  Weights shift = expand(span, ctx.blob(l, 0, span.blobShape, "bias"));
  Layer& layer = ctx.net().addScale(x, span.mode, std::move(shift), {}, {});
  ctx.noteWeightedLayer();
  bindSingleTop(ctx, l, layer);
}

void importPower(ImportContext& ctx, const caffe::LayerParameter& l) {
  // Caffe: y = (shift + scale * x) ^ power, the same three factors a uniform Scale applies.
  TensorId x = singleBottom(ctx, l);
  const auto& p = l.power_param();
  Weights shift{{p.shift()}}, scale{{p.scale()}}, power{{p.power()}};
  bindSingleTop(ctx, l, ctx.net().addScale(x, ScaleMode::kUNIFORM, shift, scale, power));
}

void importLRN(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  const auto& p = l.lrn_param();
  check(p.norm_region() == caffe::LRNParameter::ACROSS_CHANNELS,
        "LRN with norm_region WITHIN_CHANNEL is unsupported (only ACROSS_CHANNELS)");
  check(p.local_size() % 2 == 1, "lrn_param.local_size must be odd, got ", p.local_size());
  // Caffe and the network's LRN both scale alpha by 1/local_size.
  bindSingleTop(ctx, l, ctx.net().addLRN(x, p.local_size(), p.alpha(), p.beta(), p.k()));
}

}  // namespace int8rt::caffe_import

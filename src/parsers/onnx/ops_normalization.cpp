// Softmax, LogSoftmax, BatchNormalization (inference: folded into a per-channel Scale), LRN.
#include <cmath>

#include "core/error.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

namespace {

// Opset < 13: the input is seen as 2-D [prod(dims < axis), prod(dims >= axis)], default axis 1.
// Opset >= 13: one axis, default -1.
void softmax(NodeContext& ctx, bool log) {
  ctx.requireInputs(1, 1);
  TensorId x = ctx.tensor(0);
  int64_t rank = static_cast<int64_t>(ctx.tensorShape(x).size());
  check(rank >= 1, "softmax of a scalar");
  bool coerce2D = ctx.opset() < 13;
  int64_t axis = ctx.axis(ctx.attrs().getInt("axis", coerce2D ? 1 : -1), rank, "attribute 'axis'");
  SoftMaxParams p;
  p.axis = static_cast<int>(axis);
  // With the last axis, both semantics agree: keep the simpler single-axis form.
  p.coerce2D = coerce2D && axis != rank - 1;
  p.log = log;
  ctx.setOutput(0, ctx.addLayer(p, {x}).output());
}

}  // namespace

void importSoftmax(NodeContext& ctx) { softmax(ctx, false); }
void importLogSoftmax(NodeContext& ctx) { softmax(ctx, true); }

// y = scale * (x - mean) / sqrt(var + eps) + bias, per channel (dim 1).
void importBatchNormalization(NodeContext& ctx) {
  ctx.requireInputs(5, 5);
  if (ctx.opset() >= 14 && ctx.attrs().getInt("training_mode", 0) != 0)
    unsupported("training_mode=1 (batch statistics) is not supported; export the model in eval mode");
  // Before opset 7, is_test=0 (the default) meant training mode.
  if (ctx.opset() < 7 && ctx.attrs().getInt("is_test", 0) == 0)
    unsupported("is_test=0 (training mode, batch statistics) is not supported");
  for (int i = 1; i < 5; ++i)
    if (ctx.outputUsed(i))
      unsupported("output ", i, " (training statistics) is not supported");
  if (ctx.opset() < 9 && ctx.attrs().getInt("spatial", 1) == 0)
    unsupported("spatial=0 (statistics per element, not per channel) is not supported");
  TensorId x = ctx.tensor(0);
  std::vector<SymInt> xs = ctx.tensorShape(x);
  check(xs.size() >= 2, "input needs a channel dim (dim 1)");
  int64_t c = concreteValue(xs[1], "the channel dim");
  const char* names[] = {"", "scale", "bias", "mean", "var"};
  std::vector<float> v[5];
  for (int i = 1; i < 5; ++i) {
    const ConstValue& k = ctx.constant(i, names[i]);
    check(k.isFloat && k.size() == c, names[i], " ", shapeToString(k.shape), " must hold ", c,
          " floats (one per channel)");
    v[i] = k.floats;
  }
  double eps = ctx.attrs().getFloat("epsilon", 1e-5f);
  Weights scale, shift;
  scale.values.resize(c);
  shift.values.resize(c);
  for (int64_t i = 0; i < c; ++i) {
    double s = v[1][i] / std::sqrt(static_cast<double>(v[4][i]) + eps);
    scale.values[i] = static_cast<float>(s);
    shift.values[i] = static_cast<float>(v[2][i] - v[3][i] * s);
  }
  ScaleParams p;
  p.mode = ScaleMode::kCHANNEL;
  p.scale = std::move(scale);
  p.shift = std::move(shift);
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

void importLRN(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  int64_t size = ctx.attrs().requireInt("size");
  check(size >= 1, "attribute 'size' is ", size);
  TensorId x = ctx.tensor(0);
  LRNParams p{size, ctx.attrs().getFloat("alpha", 1e-4f), ctx.attrs().getFloat("beta", 0.75f),
              ctx.attrs().getFloat("bias", 1.f)};
  ctx.setOutput(0, ctx.addLayer(p, {x}).output());
}

}  // namespace int8rt::onnx_import

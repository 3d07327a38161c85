// Pointwise activations (one Activation layer each), Clip and PRelu. Defaults are the ONNX spec's.
#include <limits>

#include "core/error.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

void importRelu(NodeContext& ctx) { activationOp(ctx, ActivationType::kRELU); }
void importSigmoid(NodeContext& ctx) { activationOp(ctx, ActivationType::kSIGMOID); }
void importTanh(NodeContext& ctx) { activationOp(ctx, ActivationType::kTANH); }
void importHardSwish(NodeContext& ctx) { activationOp(ctx, ActivationType::kHARD_SWISH); }
void importSoftplus(NodeContext& ctx) { activationOp(ctx, ActivationType::kSOFTPLUS); }
void importSoftsign(NodeContext& ctx) { activationOp(ctx, ActivationType::kSOFTSIGN); }
void importAbs(NodeContext& ctx) { activationOp(ctx, ActivationType::kABS); }
void importExp(NodeContext& ctx) { activationOp(ctx, ActivationType::kEXP); }
void importSqrt(NodeContext& ctx) { activationOp(ctx, ActivationType::kSQRT); }
void importNeg(NodeContext& ctx) { activationOp(ctx, ActivationType::kNEG); }

void importLeakyRelu(NodeContext& ctx) {
  activationOp(ctx, ActivationType::kLEAKY_RELU, ctx.attrs().getFloat("alpha", 0.01f));
}

void importElu(NodeContext& ctx) {
  activationOp(ctx, ActivationType::kELU, ctx.attrs().getFloat("alpha", 1.f));
}

void importSelu(NodeContext& ctx) {
  activationOp(ctx, ActivationType::kSELU, ctx.attrs().getFloat("alpha", 1.67326319217681884765625f),
               ctx.attrs().getFloat("gamma", 1.05070102214813232421875f));
}

void importHardSigmoid(NodeContext& ctx) {
  activationOp(ctx, ActivationType::kHARD_SIGMOID, ctx.attrs().getFloat("alpha", 0.2f),
               ctx.attrs().getFloat("beta", 0.5f));
}

// Bounds are attributes before opset 11 and optional constant inputs from 11 on.
void importClip(NodeContext& ctx) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float lo = -kInf, hi = kInf;
  if (ctx.opset() < 11) {
    ctx.requireInputs(1, 1);
    lo = ctx.attrs().getFloat("min", -kInf);
    hi = ctx.attrs().getFloat("max", kInf);
  } else {
    ctx.requireInputs(1, 3);
    auto bound = [&](int i, float dflt) {
      if (!ctx.hasInput(i)) return dflt;
      const ConstValue& c = ctx.constant(i, i == 1 ? "min" : "max");
      check(c.size() == 1, "input ", i, " must be a scalar, got shape ", shapeToString(c.shape));
      return c.asFloats("a clip bound")[0];
    };
    lo = bound(1, -kInf);
    hi = bound(2, kInf);
  }
  // ONNX: when min > max every output is max. clamp(x, max, max) gives exactly that.
  if (lo > hi) lo = hi;
  TensorId x = ctx.tensor(0);
  ctx.setOutput(0, ctx.addLayer(ActivationParams{Activation{ActivationType::kCLIP, lo, hi}}, {x}).output());
}

void importPRelu(NodeContext& ctx) {
  ctx.requireInputs(2, 2);
  TensorId x = ctx.tensor(0);
  const ConstValue& slope = ctx.constant(1, "slope");
  check(slope.isFloat, "slope has type ", onnxTypeName(slope.onnxType));
  Shape slopeShape = slope.shape;
  std::vector<SymInt> xs = ctx.tensorShape(x);
  // Before opset 7 a slope that is not a single value is per channel (dim 1), not numpy-
  // broadcast from the right: PyTorch's exports of that time rely on it.
  if (ctx.opset() < 7 && slope.size() > 1 && slopeShape.size() == 1 && xs.size() >= 2) {
    slopeShape = Shape(xs.size() - 1, 1);
    slopeShape[0] = slope.size();
  }
  PReLUParams p;
  p.slopeShape = slopeShape;
  p.slope.values = slope.floats;
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

}  // namespace int8rt::onnx_import

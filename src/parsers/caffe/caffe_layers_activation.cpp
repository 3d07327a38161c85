// Element-wise activations, softmax and dropout.
#include <cmath>

#include "core/error.h"
#include "parsers/caffe/caffe_layers.h"

namespace int8rt::caffe_import {

namespace {
void activation(ImportContext& ctx, const caffe::LayerParameter& l, ActivationType type,
                float alpha = 0.f) {
  TensorId x = singleBottom(ctx, l);
  bindSingleTop(ctx, l, ctx.net().addActivation(x, type, alpha));
}
}  // namespace

void importReLU(ImportContext& ctx, const caffe::LayerParameter& l) {
  float slope = l.relu_param().negative_slope();
  if (slope == 0.f) activation(ctx, l, ActivationType::kRELU);
  else activation(ctx, l, ActivationType::kLEAKY_RELU, slope);
}

void importSigmoid(ImportContext& ctx, const caffe::LayerParameter& l) {
  activation(ctx, l, ActivationType::kSIGMOID);
}

void importTanH(ImportContext& ctx, const caffe::LayerParameter& l) {
  activation(ctx, l, ActivationType::kTANH);
}

void importAbsVal(ImportContext& ctx, const caffe::LayerParameter& l) {
  activation(ctx, l, ActivationType::kABS);
}

void importBNLL(ImportContext& ctx, const caffe::LayerParameter& l) {
  // Caffe's "binomial normal log likelihood" is log(1 + exp(x)), i.e. softplus.
  activation(ctx, l, ActivationType::kSOFTPLUS);
}

void importELU(ImportContext& ctx, const caffe::LayerParameter& l) {
  activation(ctx, l, ActivationType::kELU, l.elu_param().alpha());
}

void importClip(ImportContext& ctx, const caffe::LayerParameter& l) {
  const auto& p = l.clip_param();
  check(p.min() <= p.max(), "clip_param.min ", p.min(), " exceeds max ", p.max());
  TensorId x = singleBottom(ctx, l);
  bindSingleTop(ctx, l, ctx.net().addActivation(x, ActivationType::kCLIP, p.min(), p.max()));
}

void importExp(ImportContext& ctx, const caffe::LayerParameter& l) {
  // Caffe: y = base ^ (shift + scale * x), base -1 meaning e. As exp(ln(base) * (...)), that is
  // a uniform scale followed by exp; the scale is left out when it is the identity.
  const auto& p = l.exp_param();
  check(p.base() == -1.f || p.base() > 0.f, "exp_param.base must be positive or -1, got ",
        p.base());
  double lnBase = p.base() == -1.f ? 1.0 : std::log(static_cast<double>(p.base()));
  float scale = static_cast<float>(lnBase * p.scale()), shift = static_cast<float>(lnBase * p.shift());
  TensorId x = singleBottom(ctx, l);
  if (scale != 1.f || shift != 0.f) {
    Layer& affine = ctx.net().addScale(x, ScaleMode::kUNIFORM, Weights{{shift}},
                                       Weights{{scale}}, {});
    x = ctx.name(affine, l.name() + "/affine").output();
  }
  bindSingleTop(ctx, l, ctx.net().addActivation(x, ActivationType::kEXP));
}

void importPReLU(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  Shape xs = ctx.shapeWithKnownFeatureDims(x, "PReLU input");
  check(xs.size() >= 2, "input ", shapeToString(xs), " has no channel dim");
  // Caffe's slopes are per channel (dim 1); as a numpy-broadcast shape that is [C, 1, 1, ...].
  bool shared = l.prelu_param().channel_shared();
  Shape slopeShape = shared ? Shape{1} : Shape{xs[1]};
  Weights slope = ctx.blob(l, 0, slopeShape, "slope");
  if (!shared) slopeShape.insert(slopeShape.end(), xs.size() - 2, 1);
  Layer& layer = ctx.net().addParametricReLU(x, slopeShape, std::move(slope));
  ctx.noteWeightedLayer();
  bindSingleTop(ctx, l, layer);
}

void importSoftmax(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  int axis = resolveAxis(l.softmax_param().axis(), ctx.shape(x).size(), "softmax_param.axis");
  bindSingleTop(ctx, l, ctx.net().addSoftMax(x, axis));
}

void importDropout(ImportContext& ctx, const caffe::LayerParameter& l) {
  // Caffe scales during training only, so at inference dropout is the identity.
  TensorId x = singleBottom(ctx, l);
  bindSingleTop(ctx, l, ctx.net().addIdentity(x));
}

}  // namespace int8rt::caffe_import

// Layers that combine or reshape tensors: Concat, Eltwise, Flatten, Reshape and Split.
// Reshapes are Shuffle layers whose dims use 0 (copy the input dim) and -1 (infer), so the
// batch dim stays dynamic.
#include "core/error.h"
#include "parsers/caffe/caffe_layers.h"

namespace int8rt::caffe_import {

namespace {

// A Shuffle that only reshapes, named after the Caffe layer and bound to its top.
void reshapeTo(ImportContext& ctx, const caffe::LayerParameter& l, TensorId x, Shape dims) {
  int inferred = 0;
  for (int64_t d : dims) inferred += d == -1;
  check(inferred <= 1, "the output shape ", shapeToString(dims),
        " would need two inferred dims (one of them batch-dependent)");
  Layer& layer = ctx.net().addShuffle(x);
  auto& p = layer.as<ShuffleParams>();
  p.doReshape = true;
  p.reshapeDims = std::move(dims);
  bindSingleTop(ctx, l, layer);
}

// The reshape dim for an input dim that keeps its value but moves from position `from` to
// `to`: 0 copies it when it stays in place; otherwise its value, or -1 if batch-dependent.
int64_t keptDim(const Shape& xs, size_t from, size_t to) { return from == to ? 0 : xs[from]; }

}  // namespace

void importConcat(ImportContext& ctx, const caffe::LayerParameter& l) {
  std::vector<TensorId> in = ctx.bottoms(l);
  check(!in.empty(), "has no bottoms");
  const auto& p = l.concat_param();
  // `concat_dim` is the older spelling; `axis` wins when both are given.
  int64_t axis = p.has_axis() || !p.has_concat_dim() ? int64_t{p.axis()}
                                                      : int64_t{p.concat_dim()};
  int a = resolveAxis(axis, ctx.shape(in[0]).size(), "concat_param.axis");
  bindSingleTop(ctx, l, ctx.net().addConcatenation(in, a));
}

void importEltwise(ImportContext& ctx, const caffe::LayerParameter& l) {
  std::vector<TensorId> in = ctx.bottoms(l);
  check(in.size() >= 2, "needs at least two bottoms, has ", in.size());
  const auto& p = l.eltwise_param();
  ElementWiseOp op = ElementWiseOp::kSUM;
  if (p.operation() == caffe::EltwiseParameter::PROD) op = ElementWiseOp::kPROD;
  if (p.operation() == caffe::EltwiseParameter::MAX) op = ElementWiseOp::kMAX;
  std::vector<float> coeff(p.coeff().begin(), p.coeff().end());
  check(coeff.empty() || op == ElementWiseOp::kSUM, "coeff applies to SUM only");
  check(coeff.empty() || coeff.size() == in.size(), "has ", in.size(), " bottoms but ",
        coeff.size(), " coeff values");
  bool allOnes = true;
  for (float c : coeff) allOnes = allOnes && c == 1.f;
  if (allOnes) coeff.clear();

  // The network's element-wise layers take two inputs: more bottoms become a chain whose
  // last link carries the Caffe name. A weighted sum applies each coefficient exactly once:
  // the first link weighs inputs 0 and 1, later links weigh the running sum by 1.
  TensorId acc = in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    Layer& link = ctx.net().addElementWise(acc, in[i], op);
    if (!coeff.empty())
      link.as<ElementWiseParams>().coeffs = {i == 1 ? coeff[0] : 1.f, coeff[i]};
    if (i + 1 == in.size()) {
      bindSingleTop(ctx, l, link);
      return;
    }
    acc = ctx.name(link, l.name() + "/part" + std::to_string(i)).output();
  }
}

void importFlatten(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  Shape xs = ctx.shape(x);
  const auto& p = l.flatten_param();
  int first = resolveAxis(p.axis(), xs.size(), "flatten_param.axis");
  int last = resolveAxis(p.end_axis(), xs.size(), "flatten_param.end_axis");
  check(first <= last, "flatten_param.axis ", first, " is after end_axis ", last);
  Shape dims(first, 0);  // leading dims stay where they are
  int64_t merged = 1;
  // A batch-dependent dim in the merged range makes the merged dim batch-dependent: infer it.
  for (int i = first; i <= last; ++i) merged = xs[i] < 0 || merged < 0 ? -1 : merged * xs[i];
  dims.push_back(first == last ? 0 : merged);
  for (size_t i = last + 1; i < xs.size(); ++i) dims.push_back(keptDim(xs, i, dims.size()));
  reshapeTo(ctx, l, x, dims);
}

void importReshape(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  Shape xs = ctx.shape(x);
  const auto& p = l.reshape_param();
  int64_t rank = static_cast<int64_t>(xs.size());
  // Caffe's axis counts insertion points, so -1 means after the last dim.
  int64_t start = p.axis() < 0 ? rank + 1 + p.axis() : p.axis();
  check(start >= 0 && start <= rank, "reshape_param.axis ", p.axis(), " is out of range for ",
        shapeToString(xs));
  check(p.num_axes() >= -1, "reshape_param.num_axes ", p.num_axes(), " is invalid");
  int64_t end = p.num_axes() == -1 ? rank : start + p.num_axes();
  check(end <= rank, "reshape_param.num_axes ", p.num_axes(), " runs past the input ",
        shapeToString(xs));

  Shape dims(start, 0);
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    int64_t d = p.shape().dim(i);
    check(d >= -1, "reshape_param.shape has dim ", d);
    size_t pos = dims.size();
    // 0 copies the input dim at the same index, which keeps its position here too.
    // A literal batch size at dim 0 (the prototxt's N) means "the batch": keep it dynamic.
    if (pos == 0 && d > 0 && xs[0] < 0 && d == ctx.declaredBatch()) d = 0;
    dims.push_back(d);
  }
  for (int64_t i = end; i < rank; ++i) dims.push_back(keptDim(xs, i, dims.size()));
  reshapeTo(ctx, l, x, dims);
}

void importSplit(ImportContext& ctx, const caffe::LayerParameter& l) {
  // Caffe's Split copies one blob to several names for its gradient bookkeeping; at inference
  // every top is the bottom itself.
  TensorId x = singleBottom(ctx, l);
  for (const auto& top : l.top()) ctx.aliasTop(top, x);
}

}  // namespace int8rt::caffe_import

// Data movement: Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Identity, Dropout, Pad.
// On constants these fold at import time; on runtime tensors they become Shuffle, Concatenation
// and Padding layers, keeping a dynamic batch dynamic (see reshapeTensor).
#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "parsers/onnx/const_fold.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

namespace {

// Output 0 = input 0 with a new shape: folded for a constant, a Shuffle otherwise.
void reshapeOutput(NodeContext& ctx, const std::vector<SymInt>& target) {
  if (const ConstValue* c = ctx.tryConstant(0)) {
    ctx.setConstant(0, withShape(*c, concreteDims(target, "the shape of a constant")));
    return;
  }
  ctx.setOutput(0, reshapeTensor(ctx, ctx.tensor(0), target));
}

// Sorted, non-negative, distinct axes for a given rank.
std::vector<int64_t> normalizeAxes(NodeContext& ctx, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = ctx.axis(a, rank, "axis");
  std::sort(axes.begin(), axes.end());
  check(std::adjacent_find(axes.begin(), axes.end()) == axes.end(), "axes repeat a dim");
  return axes;
}

// Target of a Reshape: 0 copies the input dim (unless allowzero), one -1 takes what is left.
std::vector<SymInt> resolveReshape(const std::vector<SymInt>& in, const std::vector<SymInt>& shape,
                                   bool allowZero) {
  std::vector<SymInt> target(shape.size());
  int inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const SymInt& d = shape[i];
    if (d.symbolic()) {
      target[i] = d;
    } else if (d.value == 0) {
      if (allowZero)
        unsupported("allowzero=1 with a 0 in the shape makes an empty tensor, which int8rt does not support");
      check(i < in.size(), "shape copies dim ", i, " (0) of a rank-", in.size(), " input");
      target[i] = in[i];
    } else if (d.value == -1) {
      check(inferred < 0, "shape has more than one -1");
      inferred = static_cast<int>(i);
    } else {
      check(d.value > 0, "shape has dim ", d.value);
      target[i] = d;
    }
  }
  SymInt total = symProduct(in, 0, in.size());
  if (inferred >= 0) {
    SymInt known = SymInt::known(1);
    for (size_t i = 0; i < target.size(); ++i)
      if (static_cast<int>(i) != inferred) known = symMul(known, target[i]);
    check(!(known == SymInt::known(0)), "shape with -1 and a 0-sized dim");
    target[inferred] = symDiv(total, known);
    check(symMul(target[inferred], known) == total, "cannot reshape ", total.str(), " values into a shape with ",
          known.str(), " values and a -1");
  }
  check(symProduct(target, 0, target.size()) == total, "cannot reshape ", total.str(),
        " values to ", symProduct(target, 0, target.size()).str());
  return target;
}

}  // namespace

void importFlatten(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  std::vector<SymInt> s = ctx.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  int64_t a = ctx.attrs().getInt("axis", 1);
  check(a >= -r && a <= r, "attribute 'axis' ", a, " is out of range for rank ", r);
  if (a < 0) a += r;
  reshapeOutput(ctx, {symProduct(s, 0, a), symProduct(s, a, r)});
}

// The shape is an attribute before opset 5, a (constant) input from 5 on.
void importReshape(NodeContext& ctx) {
  std::vector<SymInt> shape;
  if (ctx.opset() < 5) {
    ctx.requireInputs(1, 1);
    shape = knownDims(ctx.attrs().requireInts("shape"));
  } else {
    ctx.requireInputs(2, 2);
    const ConstValue& c = ctx.constant(1, "shape");
    check(!c.isFloat && c.shape.size() == 1, "shape must be a 1-D integer tensor, got ",
          onnxTypeName(c.onnxType), shapeToString(c.shape));
    shape = c.ints;
  }
  bool allowZero = ctx.opset() >= 14 && ctx.attrs().getInt("allowzero", 0) != 0;
  reshapeOutput(ctx, resolveReshape(ctx.shape(0), shape, allowZero));
}

void importTranspose(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  int64_t r = ctx.rank(0);
  std::vector<int64_t> perm(r);
  std::iota(perm.rbegin(), perm.rend(), 0);  // default: reverse the dims
  perm = ctx.attrs().getInts("perm", perm);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < r; ++i)
    check(static_cast<int64_t>(sorted.size()) == r && sorted[i] == i,
          "attribute 'perm' is not a permutation of ", r, " dims");
  if (const ConstValue* c = ctx.tryConstant(0)) {
    ctx.setConstant(0, foldTranspose(*c, perm));
    return;
  }
  ctx.setOutput(0, transposeTensor(ctx, ctx.tensor(0), std::vector<int>(perm.begin(), perm.end())));
}

void importConcat(NodeContext& ctx) {
  ctx.requireInputs(1, -1);
  int n = ctx.nbInputs();
  // axis became required in opset 4; before, it defaulted to 1.
  int64_t a = ctx.opset() < 4 ? ctx.attrs().getInt("axis", 1) : ctx.attrs().requireInt("axis");
  int64_t axis = ctx.axis(a, ctx.rank(0), "attribute 'axis'");
  std::vector<const ConstValue*> parts;
  for (int i = 0; i < n; ++i) {
    check(ctx.hasInput(i), "input ", i, " is empty");
    parts.push_back(ctx.tryConstant(i));
  }
  if (std::all_of(parts.begin(), parts.end(), [](auto* p) { return p != nullptr; })) {
    ctx.setConstant(0, foldConcat(parts, axis));
    return;
  }
  if (n == 1) {
    ctx.setAlias(0, ctx.tensor(0));
    return;
  }
  std::vector<TensorId> inputs;
  for (int i = 0; i < n; ++i) inputs.push_back(ctx.tensor(i));
  ctx.setOutput(0, ctx.addLayer(ConcatenationParams{static_cast<int>(axis)}, inputs).output());
}

// Axes are an attribute before opset 13 and an optional input from 13 on; without axes every
// dim of size 1 goes.
void importSqueeze(NodeContext& ctx) {
  ctx.requireInputs(1, ctx.opset() >= 13 ? 2 : 1);
  std::vector<SymInt> s = ctx.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  std::vector<int64_t> axes;
  if (readAxes(ctx, 13, 1, axes)) {
    axes = normalizeAxes(ctx, axes, r);
    for (int64_t a : axes)
      check(s[a] == SymInt::known(1), "cannot squeeze dim ", a, " of size ", s[a].str());
  } else {
    for (int64_t i = 0; i < r; ++i)
      if (s[i] == SymInt::known(1)) axes.push_back(i);
  }
  std::vector<SymInt> target;
  for (int64_t i = 0; i < r; ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) target.push_back(s[i]);
  reshapeOutput(ctx, target);
}

void importUnsqueeze(NodeContext& ctx) {
  ctx.requireInputs(1, ctx.opset() >= 13 ? 2 : 1);
  std::vector<SymInt> s = ctx.shape(0);
  std::vector<int64_t> axes;
  check(readAxes(ctx, 13, 1, axes), "axes are missing");
  int64_t outRank = static_cast<int64_t>(s.size() + axes.size());
  axes = normalizeAxes(ctx, axes, outRank);
  std::vector<SymInt> target;
  size_t next = 0;
  for (int64_t i = 0; i < outRank; ++i)
    target.push_back(std::binary_search(axes.begin(), axes.end(), i) ? SymInt::known(1) : s[next++]);
  reshapeOutput(ctx, target);
}

void importIdentity(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  if (const ConstValue* c = ctx.tryConstant(0)) {
    ctx.setConstant(0, *c);
    return;
  }
  ctx.setAlias(0, ctx.tensor(0));
}

// Inference: Dropout passes its input through (the ratio does not matter).
void importDropout(NodeContext& ctx) {
  ctx.requireInputs(1, 3);
  if (ctx.outputUsed(1))
    unsupported("the mask output is not supported (int8rt runs inference, where Dropout is an identity)");
  if (ctx.opset() >= 12 && ctx.hasInput(2)) {
    const ConstValue& training = ctx.constant(2, "training_mode");
    if (training.size() == 1 && training.asFloats("training_mode")[0] != 0.f)
      unsupported("training_mode=true is not supported");
  }
  if (const ConstValue* c = ctx.tryConstant(0)) {
    ctx.setConstant(0, *c);
    return;
  }
  ctx.setAlias(0, ctx.tensor(0));
}

// pads = [begin of each axis..., end of each axis...]: an attribute before opset 11, then an
// input, with an optional constant_value input and (opset 18) an axes input.
void importPad(NodeContext& ctx) {
  std::vector<int64_t> pads, axes;
  float value = 0.f;
  if (ctx.opset() < 11) {
    ctx.requireInputs(1, 1);
    pads = ctx.attrs().requireInts(ctx.opset() < 2 ? "paddings" : "pads");
    value = ctx.attrs().getFloat("value", 0.f);
  } else {
    ctx.requireInputs(2, ctx.opset() >= 18 ? 4 : 3);
    pads = ctx.constant(1, "pads").int64s("pads");
    if (ctx.hasInput(2)) {
      const ConstValue& v = ctx.constant(2, "constant_value");
      check(v.size() == 1, "constant_value must be a scalar, got shape ", shapeToString(v.shape));
      value = v.asFloats("constant_value")[0];
    }
    if (ctx.opset() >= 18 && ctx.hasInput(3)) axes = ctx.constant(3, "axes").int64s("axes");
  }
  std::string mode = ctx.attrs().getString("mode", "constant");
  PaddingParams p;
  if (mode == "constant") p.mode = PaddingMode::kCONSTANT;
  else if (mode == "reflect") p.mode = PaddingMode::kREFLECT;
  else if (mode == "edge") p.mode = PaddingMode::kEDGE;
  else if (mode == "wrap" && ctx.opset() >= 19) p.mode = PaddingMode::kWRAP;
  else fail("attribute 'mode' is '", mode, "' (expected constant, reflect, edge",
            ctx.opset() >= 19 ? " or wrap)" : ")");
  TensorId x = ctx.tensor(0);
  int64_t r = static_cast<int64_t>(ctx.tensorShape(x).size());
  if (axes.empty()) {
    axes.resize(r);
    std::iota(axes.begin(), axes.end(), 0);
  } else {
    for (int64_t& a : axes) a = ctx.axis(a, r, "axis");
  }
  check(pads.size() == 2 * axes.size(), "pads has ", pads.size(), " values for ", axes.size(), " axes");
  for (int64_t v : pads) check(v >= -kMaxParameter && v <= kMaxParameter, "pad ", v, " is out of range");
  p.padBegin.assign(r, 0);
  p.padEnd.assign(r, 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    p.padBegin[axes[k]] = pads[k];
    p.padEnd[axes[k]] = pads[k + axes.size()];
  }
  p.value = value;
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

}  // namespace int8rt::onnx_import

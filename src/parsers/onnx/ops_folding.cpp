// Operators evaluated at import time: Constant, and the shape arithmetic exporters emit around
// Reshape (Shape, Gather, Slice, Cast, CastLike, ConstantOfShape). Their data must be known when
// importing; a dim that depends on the dynamic batch travels symbolically (SymInt).
#include <algorithm>
#include <iterator>

#include "core/error.h"
#include "onnx.pb.h"
#include "parsers/onnx/const_fold.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

namespace {

// The data input of an import-time operator: runtime tensors cannot be computed here.
const ConstValue& foldInput(NodeContext& ctx, int i) {
  const ConstValue* c = ctx.tryConstant(i);
  if (!c)
    unsupported(ctx.opType(), " of a runtime tensor is not supported (only on constants and shapes, "
                              "folded at import time)");
  return *c;
}

}  // namespace

void importConstant(NodeContext& ctx) {
  ctx.requireInputs(0, 0);
  const Attributes& a = ctx.attrs();
  if (const onnx::TensorProto* t = a.getTensor("value")) {
    ctx.setConstant(0, decodeTensor(*t, "attribute 'value'"));
  } else if (a.has("value_float")) {
    ctx.setConstant(0, ConstValue::fromFloats({}, {a.getFloat("value_float", 0.f)}));
  } else if (a.has("value_floats")) {
    std::vector<float> v = a.getFloats("value_floats");
    ctx.setConstant(0, ConstValue::fromFloats({static_cast<int64_t>(v.size())}, v));
  } else if (a.has("value_int")) {
    ctx.setConstant(0, ConstValue::fromInt64s({}, {a.getInt("value_int", 0)}));
  } else if (a.has("value_ints")) {
    std::vector<int64_t> v = a.getInts("value_ints");
    ctx.setConstant(0, ConstValue::fromInt64s({static_cast<int64_t>(v.size())}, v));
  } else if (a.has("sparse_value") || a.has("value_string") || a.has("value_strings")) {
    unsupported("sparse and string constants are not supported");
  } else {
    fail("has none of the attributes value, value_float(s), value_int(s)");
  }
}

// Shape (opset 15 adds start/end, clamped like Python slices).
void importShape(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  std::vector<SymInt> s = ctx.shape(0);
  int64_t r = static_cast<int64_t>(s.size());
  int64_t start = ctx.attrs().getInt("start", 0), end = ctx.attrs().getInt("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  std::vector<SymInt> dims(s.begin() + start, s.begin() + end);
  ctx.setConstant(0, ConstValue::fromInts({end - start}, dims));
}

void importGather(NodeContext& ctx) {
  ctx.requireInputs(2, 2);
  const ConstValue& data = foldInput(ctx, 0);
  // Indices from a graph input are data (an embedding lookup), not a parameter to bake in.
  const ConstValue* idx = ctx.tryConstant(1);
  if (!idx) unsupported("Gather with runtime indices (an embedding lookup) is not supported");
  const ConstValue& indices = *idx;
  int64_t r = static_cast<int64_t>(data.shape.size());
  check(r >= 1, "Gather from a scalar");
  int64_t axis = ctx.axis(ctx.attrs().getInt("axis", 0), r, "attribute 'axis'");
  ctx.setConstant(0, foldGather(data, indices, axis));
}

// starts/ends/axes are attributes before opset 10, inputs (with steps) from 10 on.
void importSlice(NodeContext& ctx) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    ctx.requireInputs(1, 1);
    starts = ctx.attrs().requireInts("starts");
    ends = ctx.attrs().requireInts("ends");
    axes = ctx.attrs().getInts("axes");
  } else {
    ctx.requireInputs(3, 5);
    starts = ctx.constant(1, "starts").int64s("starts");
    ends = ctx.constant(2, "ends").int64s("ends");
    if (ctx.hasInput(3)) axes = ctx.constant(3, "axes").int64s("axes");
    if (ctx.hasInput(4)) steps = ctx.constant(4, "steps").int64s("steps");
  }
  const ConstValue& data = foldInput(ctx, 0);
  int64_t r = static_cast<int64_t>(data.shape.size());
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  check(ends.size() == starts.size() && axes.size() == starts.size() && steps.size() == starts.size(),
        "starts, ends, axes and steps differ in length");
  for (int64_t& a : axes) a = ctx.axis(a, r, "axis");
  ctx.setConstant(0, foldSlice(data, starts, ends, axes, steps));
}

namespace {

// Cast to `to`: folded for constants; on runtime tensors only float -> float (a no-op).
void castTo(NodeContext& ctx, int32_t to) {
  if (const ConstValue* c = ctx.tryConstant(0)) {
    ctx.setConstant(0, foldCast(*c, to));
    return;
  }
  if (to != kOnnxFloat)
    unsupported("Cast of a runtime tensor to ", onnxTypeName(to), " is not supported (float32 only)");
  ctx.setAlias(0, ctx.tensor(0));
}

// Before opset 6, `to` named the type as a string ("FLOAT", "INT64", ...).
int32_t legacyTypeNumber(const std::string& name) {
  static const char* names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
                                "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64"};
  for (int32_t i = 0; i < static_cast<int32_t>(std::size(names)); ++i)
    if (name == names[i]) return i;
  fail("attribute 'to' names an unknown type '", name, "'");
}

}  // namespace

void importCast(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  if (ctx.opset() < 6) {
    castTo(ctx, legacyTypeNumber(ctx.attrs().getString("to", "")));
    return;
  }
  castTo(ctx, static_cast<int32_t>(ctx.attrs().requireInt("to")));
}

// CastLike: the target type is input 1's, float32 for a runtime tensor.
void importCastLike(NodeContext& ctx) {
  ctx.requireInputs(2, 2);
  const ConstValue* like = ctx.tryConstant(1);
  castTo(ctx, like ? like->onnxType : kOnnxFloat);
}

void importConstantOfShape(NodeContext& ctx) {
  ctx.requireInputs(1, 1);
  Shape shape = ctx.constant(0, "shape").int64s("shape");
  checkedVolume(shape, "ConstantOfShape", int64_t{1} << 28);
  ConstValue fill = ConstValue::fromFloats({1}, {0.f});  // default: float32 zero
  if (const onnx::TensorProto* t = ctx.attrs().getTensor("value")) {
    fill = decodeTensor(*t, "attribute 'value'");
    check(fill.size() == 1, "attribute 'value' must hold one element");
  }
  int64_t n = volume(shape);
  ConstValue out = fill;
  out.shape = shape;
  if (out.isFloat)
    out.floats.assign(n, fill.floats[0]);
  else
    out.ints.assign(n, fill.ints[0]);
  ctx.setConstant(0, std::move(out));
}

}  // namespace int8rt::onnx_import

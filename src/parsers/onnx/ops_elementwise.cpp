// Add, Sub, Mul, Div, Pow, Sum, Max, Min, Mean: ElementWise layers with numpy broadcasting, or
// import-time folding when every operand is a constant (shape arithmetic on int64 included).
#include <optional>

#include "core/error.h"
#include "parsers/onnx/const_fold.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

namespace {

int presentInputs(NodeContext& ctx) {
  int n = ctx.nbInputs();
  while (n > 0 && !ctx.hasInput(n - 1)) --n;
  return n;
}

// Before opset 7, "broadcast=1, axis=k" aligns B's dims with A's dims starting at k (not from
// the right as numpy does): the shape B must take for numpy rules to give the same result.
std::optional<Shape> legacyAlignedShape(NodeContext& ctx) {
  if (ctx.opset() >= 7 || ctx.attrs().getInt("broadcast", 0) == 0 || !ctx.attrs().has("axis"))
    return std::nullopt;
  std::vector<SymInt> a = ctx.shape(0), b = ctx.shape(1);
  int64_t axis = ctx.axis(ctx.attrs().getInt("axis", 0), static_cast<int64_t>(a.size()), "attribute 'axis'");
  check(axis + b.size() <= a.size(), "legacy broadcast of ", b.size(), " dims at axis ", axis,
        " exceeds the rank ", a.size());
  Shape aligned(a.size(), 1);
  for (size_t j = 0; j < b.size(); ++j) aligned[axis + j] = concreteValue(b[j], "a broadcast dim");
  return aligned;
}

// Operand i as a constant (after legacy alignment), or nullopt for a runtime tensor.
std::optional<ConstValue> constOperand(NodeContext& ctx, int i, const std::optional<Shape>& aligned) {
  const ConstValue* c = ctx.tryConstant(i);
  if (!c) return std::nullopt;
  return i == 1 && aligned ? withShape(*c, *aligned) : *c;
}

TensorId tensorOperand(NodeContext& ctx, int i, const std::optional<Shape>& aligned) {
  if (auto c = constOperand(ctx, i, aligned); c && i == 1 && aligned)
    return ctx.addConstant(*c, "aligned_" + std::to_string(i));
  TensorId t = ctx.tensor(i);
  if (i == 1 && aligned) return reshapeTensor(ctx, t, knownDims(*aligned), "align");
  return t;
}

// Folds or builds op(x0, x1, ..., xn-1), left to right.
void elementwise(NodeContext& ctx, ElementWiseOp op, BinaryOp fold, int minInputs, int maxInputs) {
  ctx.requireInputs(minInputs, maxInputs);
  int n = presentInputs(ctx);
  std::optional<Shape> aligned = n == 2 ? legacyAlignedShape(ctx) : std::nullopt;
  bool allConstant = true;
  for (int i = 0; i < n; ++i) allConstant = allConstant && ctx.isConstant(i);
  if (allConstant) {
    ConstValue acc = *constOperand(ctx, 0, aligned);
    for (int i = 1; i < n; ++i) acc = foldBinary(acc, *constOperand(ctx, i, aligned), fold);
    ctx.setConstant(0, std::move(acc));
    return;
  }
  if (n == 1) {  // Sum/Max/Min of a single input is that input
    ctx.setAlias(0, ctx.tensor(0));
    return;
  }
  TensorId acc = tensorOperand(ctx, 0, aligned);
  for (int i = 1; i < n; ++i) {
    ElementWiseParams p;
    p.op = op;
    std::string tag = i + 1 < n ? "partial_" + std::to_string(i) : "";
    acc = ctx.addLayer(std::move(p), {acc, tensorOperand(ctx, i, aligned)}, tag).output();
  }
  ctx.setOutput(0, acc);
}

}  // namespace

void importAdd(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kSUM, BinaryOp::kAdd, 2, 2); }
void importSub(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kSUB, BinaryOp::kSub, 2, 2); }
void importMul(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kPROD, BinaryOp::kMul, 2, 2); }
void importDiv(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kDIV, BinaryOp::kDiv, 2, 2); }
void importPow(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kPOW, BinaryOp::kPow, 2, 2); }
void importSum(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kSUM, BinaryOp::kAdd, 1, -1); }
void importMax(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kMAX, BinaryOp::kMax, 1, -1); }
void importMin(NodeContext& ctx) { elementwise(ctx, ElementWiseOp::kMIN, BinaryOp::kMin, 1, -1); }

// Mean = Sum / n, the division as a uniform Scale.
void importMean(NodeContext& ctx) {
  ctx.requireInputs(1, -1);
  int n = presentInputs(ctx);
  bool allConstant = true;
  for (int i = 0; i < n; ++i) allConstant = allConstant && ctx.isConstant(i);
  if (allConstant) {
    ConstValue acc = *ctx.tryConstant(0);
    for (int i = 1; i < n; ++i) acc = foldBinary(acc, *ctx.tryConstant(i), BinaryOp::kAdd);
    check(acc.isFloat, "Mean of integer tensors is not supported");
    for (float& v : acc.floats) v /= static_cast<float>(n);
    ctx.setConstant(0, std::move(acc));
    return;
  }
  TensorId acc = ctx.tensor(0);
  for (int i = 1; i < n; ++i) {
    ElementWiseParams p;
    p.op = ElementWiseOp::kSUM;
    acc = ctx.addLayer(std::move(p), {acc, ctx.tensor(i)}, "sum_" + std::to_string(i)).output();
  }
  ctx.setOutput(0, n == 1 ? ctx.addLayer(IdentityParams{}, {acc}).output()
                          : scaleTensor(ctx, acc, 1.f / static_cast<float>(n), ""));
}

}  // namespace int8rt::onnx_import

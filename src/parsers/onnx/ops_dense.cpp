// Gemm and MatMul. A constant 2-D right operand with a 2-D left operand becomes a
// FullyConnected layer (weights packed and quantized per output channel like a convolution);
// everything else is a MatrixMultiply, with Scale/ElementWise layers for Gemm's alpha, beta and C.
#include "core/error.h"
#include "parsers/onnx/const_fold.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

namespace {

// FC weights W[n][k] = scale * B'[k][n], B' = B or B^T.
Weights fcWeights(const ConstValue& b, bool transB, float scale) {
  int64_t rows = b.shape[0], cols = b.shape[1];
  int64_t k = transB ? cols : rows, n = transB ? rows : cols;
  Weights w;
  w.values.resize(n * k);
  for (int64_t o = 0; o < n; ++o)
    for (int64_t i = 0; i < k; ++i)
      w.values[o * k + i] = scale * (transB ? b.floats[o * cols + i] : b.floats[i * cols + o]);
  return w;
}

// Gemm's C as a per-output bias when it broadcasts along the rows only ([], [1], [N], [1,N]).
bool asBias(const ConstValue& c, int64_t n, float beta, Weights& bias) {
  bool perColumn = (c.shape.size() <= 1 || (c.shape.size() == 2 && c.shape[0] == 1)) &&
                   (c.size() == 1 || c.size() == n);
  if (!perColumn || !c.isFloat) return false;
  bias.values.resize(n);
  for (int64_t i = 0; i < n; ++i) bias.values[i] = beta * c.floats[c.size() == 1 ? 0 : i];
  return true;
}

// y + beta * C, C a runtime tensor or a constant (scaled at import time).
TensorId addScaledC(NodeContext& ctx, TensorId y, float beta) {
  TensorId c;
  if (const ConstValue* cc = ctx.tryConstant(2)) {
    ConstValue scaled = *cc;
    check(scaled.isFloat, "C must be float");
    for (float& v : scaled.floats) v *= beta;
    c = ctx.addConstant(scaled, "C");
  } else {
    c = ctx.tensor(2);
    if (beta != 1.f) c = scaleTensor(ctx, c, beta, "beta");
  }
  ElementWiseParams p;
  p.op = ElementWiseOp::kSUM;
  return ctx.addLayer(std::move(p), {y, c}, "bias").output();
}

}  // namespace

void importGemm(NodeContext& ctx) {
  ctx.requireInputs(2, 3);
  float alpha = ctx.attrs().getFloat("alpha", 1.f), beta = ctx.attrs().getFloat("beta", 1.f);
  bool transA = ctx.attrs().getInt("transA", 0) != 0, transB = ctx.attrs().getInt("transB", 0) != 0;
  bool hasC = ctx.hasInput(2) && beta != 0.f;
  check(ctx.rank(0) == 2 && ctx.rank(1) == 2, "A and B must be matrices");
  const ConstValue* b = ctx.tryConstant(1);
  if (b && b->isFloat && !ctx.isConstant(0)) {
    TensorId a = ctx.tensor(0);
    if (transA) a = transposeTensor(ctx, a, {1, 0}, "transposeA");
    int64_t k = transB ? b->shape[1] : b->shape[0], n = transB ? b->shape[0] : b->shape[1];
    int64_t ak = concreteValue(ctx.tensorShape(a)[1], "the inner dim");
    check(ak == k, "inner dims differ: A has ", ak, ", B ", shapeToString(b->shape),
          transB ? " (transposed)" : "");
    Weights bias;
    const ConstValue* c = hasC ? ctx.tryConstant(2) : nullptr;
    bool cIsBias = c && asBias(*c, n, beta, bias);
    FullyConnectedParams p;
    p.nbOutputs = n;
    p.weights = fcWeights(*b, transB, alpha);
    p.bias = bias;
    TensorId y = ctx.addLayer(std::move(p), {a}, hasC && !cIsBias ? "fc" : "").output();
    ctx.setOutput(0, hasC && !cIsBias ? addScaledC(ctx, y, beta) : y);
    return;
  }
  TensorId y = ctx.addLayer(MatMulParams{transA, transB}, {ctx.tensor(0), ctx.tensor(1)},
                            alpha != 1.f || hasC ? "matmul" : "")
                   .output();
  if (alpha != 1.f) y = scaleTensor(ctx, y, alpha, hasC ? "alpha" : "");
  ctx.setOutput(0, hasC ? addScaledC(ctx, y, beta) : y);
}

void importMatMul(NodeContext& ctx) {
  ctx.requireInputs(2, 2);
  const ConstValue* b = ctx.tryConstant(1);
  if (b && b->isFloat && b->shape.size() == 2 && !ctx.isConstant(0) && ctx.rank(0) == 2) {
    TensorId a = ctx.tensor(0);
    int64_t ak = concreteValue(ctx.tensorShape(a)[1], "the inner dim");
    check(ak == b->shape[0], "inner dims differ: A has ", ak, ", B ", shapeToString(b->shape));
    FullyConnectedParams p;
    p.nbOutputs = b->shape[1];
    p.weights = fcWeights(*b, false, 1.f);
    ctx.setOutput(0, ctx.addLayer(std::move(p), {a}).output());
    return;
  }
  ctx.setOutput(0, ctx.addLayer(MatMulParams{}, {ctx.tensor(0), ctx.tensor(1)}).output());
}

}  // namespace int8rt::onnx_import

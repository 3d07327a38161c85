#include "parsers/onnx/const_fold.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "parsers/onnx/onnx_error.h"

namespace int8rt::onnx_import {

std::vector<int64_t> stridesOf(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

Shape broadcastShapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    check(da == db || da == 1 || db == 1, "shapes ", shapeToString(a), " and ", shapeToString(b),
          " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// For every element of `out`, the index of the element of `in` that broadcasting maps onto it.
std::vector<int64_t> broadcastIndex(const Shape& in, const Shape& out) {
  int64_t n = volume(out);
  std::vector<int64_t> idx(n);
  std::vector<int64_t> outStrides = stridesOf(out), inStrides = stridesOf(in);
  size_t off = out.size() - in.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, src = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      int64_t coord = rem / outStrides[d];
      rem %= outStrides[d];
      if (d >= off && in[d - off] != 1) src += coord * inStrides[d - off];
    }
    idx[i] = src;
  }
  return idx;
}

float applyFloat(float a, float b, BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax: return std::max(a, b);
    case BinaryOp::kMin: return std::min(a, b);
    case BinaryOp::kPow: return std::pow(a, b);
  }
  return 0.f;
}

SymInt applyInt(SymInt a, SymInt b, BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return symAdd(a, b);
    case BinaryOp::kSub: return symSub(a, b);
    case BinaryOp::kMul: return symMul(a, b);
    case BinaryOp::kDiv: return symDiv(a, b);
    case BinaryOp::kMax:
      return SymInt::known(std::max(concreteValue(a, "Max operand"), concreteValue(b, "Max operand")));
    case BinaryOp::kMin:
      return SymInt::known(std::min(concreteValue(a, "Min operand"), concreteValue(b, "Min operand")));
    case BinaryOp::kPow: {
      int64_t base = concreteValue(a, "Pow base"), e = concreteValue(b, "Pow exponent"), r = 1;
      check(e >= 0 && e < 64, "integer Pow exponent ", e, " out of range");
      for (int64_t i = 0; i < e; ++i) r *= base;
      return SymInt::known(r);
    }
  }
  return {};
}

}  // namespace

ConstValue foldBinary(const ConstValue& a, const ConstValue& b, BinaryOp op) {
  check(a.isFloat == b.isFloat, "operands have different types (", onnxTypeName(a.onnxType), ", ",
        onnxTypeName(b.onnxType), ")");
  Shape out = broadcastShapes(a.shape, b.shape);
  checkedVolume(out, "folded result");
  std::vector<int64_t> ia = broadcastIndex(a.shape, out), ib = broadcastIndex(b.shape, out);
  if (a.isFloat) {
    std::vector<float> v(ia.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = applyFloat(a.floats[ia[i]], b.floats[ib[i]], op);
    ConstValue c = ConstValue::fromFloats(out, std::move(v));
    c.onnxType = a.onnxType;
    return c;
  }
  std::vector<SymInt> v(ia.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = applyInt(a.ints[ia[i]], b.ints[ib[i]], op);
  return ConstValue::fromInts(out, std::move(v), a.onnxType);
}

namespace {

// Copies element `src` of x to element `dst` of y (same kind).
void copyElement(const ConstValue& x, int64_t src, ConstValue& y, int64_t dst) {
  if (x.isFloat)
    y.floats[dst] = x.floats[src];
  else
    y.ints[dst] = x.ints[src];
}

ConstValue emptyLike(const ConstValue& x, Shape shape) {
  ConstValue y;
  y.isFloat = x.isFloat;
  y.onnxType = x.onnxType;
  int64_t n = volume(shape);
  y.shape = std::move(shape);
  if (y.isFloat)
    y.floats.resize(n);
  else
    y.ints.resize(n);
  return y;
}

}  // namespace

ConstValue foldTranspose(const ConstValue& x, const std::vector<int64_t>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.shape[perm[i]];
  ConstValue y = emptyLike(x, out);
  std::vector<int64_t> inStrides = stridesOf(x.shape), outStrides = stridesOf(out);
  for (int64_t i = 0; i < y.size(); ++i) {
    int64_t rem = i, src = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      src += (rem / outStrides[d]) * inStrides[perm[d]];
      rem %= outStrides[d];
    }
    copyElement(x, src, y, i);
  }
  return y;
}

ConstValue foldGather(const ConstValue& data, const ConstValue& indices, int64_t axis) {
  std::vector<int64_t> idx = indices.int64s("Gather indices");
  int64_t dim = data.shape[axis];
  for (int64_t& i : idx) {
    check(i >= -dim && i < dim, "Gather index ", i, " out of range for dim ", dim);
    if (i < 0) i += dim;
  }
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  ConstValue y = emptyLike(data, out);
  int64_t outer = volume(Shape(data.shape.begin(), data.shape.begin() + axis));
  int64_t inner = volume(Shape(data.shape.begin() + axis + 1, data.shape.end()));
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx)
      for (int64_t j = 0; j < inner; ++j) copyElement(data, (o * dim + i) * inner + j, y, k++);
  return y;
}

ConstValue foldSlice(const ConstValue& x, const std::vector<int64_t>& starts,
                     const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                     const std::vector<int64_t>& steps) {
  size_t r = x.shape.size();
  std::vector<int64_t> begin(r, 0), step(r, 1);
  Shape out = x.shape;
  for (size_t k = 0; k < axes.size(); ++k) {
    int64_t a = axes[k], d = x.shape[a], s = steps[k];
    check(s != 0, "Slice step is 0");
    int64_t b = starts[k], e = ends[k];
    // Clamping rules of the ONNX spec: negative values count from the end, then clamp to the
    // valid range, which differs for negative steps (the end may be one before the start).
    if (b < 0) b += d;
    if (e < 0) e += d;
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      out[a] = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      out[a] = b > e ? (b - e + (-s) - 1) / (-s) : 0;
    }
    begin[a] = b;
    step[a] = s;
  }
  ConstValue y = emptyLike(x, out);
  std::vector<int64_t> inStrides = stridesOf(x.shape), outStrides = stridesOf(out);
  for (int64_t i = 0; i < y.size(); ++i) {
    int64_t rem = i, src = 0;
    for (size_t d = 0; d < r; ++d) {
      src += (begin[d] + (rem / outStrides[d]) * step[d]) * inStrides[d];
      rem %= outStrides[d];
    }
    copyElement(x, src, y, i);
  }
  return y;
}

ConstValue foldConcat(const std::vector<const ConstValue*>& parts, int64_t axis) {
  const ConstValue& first = *parts.at(0);
  Shape out = first.shape;
  out[axis] = 0;
  for (const ConstValue* p : parts) {
    check(p->isFloat == first.isFloat, "Concat of tensors of different types");
    check(p->shape.size() == first.shape.size(), "Concat of tensors of different ranks");
    for (size_t d = 0; d < out.size(); ++d)
      check(static_cast<int64_t>(d) == axis || p->shape[d] == first.shape[d], "Concat shapes ",
            shapeToString(p->shape), " and ", shapeToString(first.shape), " differ outside axis ", axis);
    out[axis] += p->shape[axis];
  }
  ConstValue y = emptyLike(first, out);
  int64_t outer = volume(Shape(out.begin(), out.begin() + axis));
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstValue* p : parts) {
      int64_t chunk = volume(Shape(p->shape.begin() + axis, p->shape.end()));
      for (int64_t j = 0; j < chunk; ++j) copyElement(*p, o * chunk + j, y, k++);
    }
  return y;
}

ConstValue foldCast(const ConstValue& x, int32_t to) {
  if (isFloatType(to)) {
    ConstValue y = ConstValue::fromFloats(x.shape, x.asFloats("Cast input"));
    y.onnxType = to;
    return y;
  }
  if (!isIntegerType(to)) unsupported("Cast to ", onnxTypeName(to), " is not supported");
  if (!x.isFloat) {
    ConstValue y = x;
    y.onnxType = to;
    if (to == kOnnxBool)
      for (SymInt& s : y.ints) s = SymInt::known(concreteValue(s, "Cast input") != 0);
    return y;
  }
  std::vector<SymInt> v;
  v.reserve(x.floats.size());
  for (float f : x.floats) {
    check(std::isfinite(f) && std::fabs(f) < 9.2e18f, "Cast of ", f, " to an integer overflows");
    // float -> integer truncates toward zero (C and numpy semantics, which ONNX follows).
    v.push_back(SymInt::known(to == kOnnxBool ? f != 0.f : static_cast<int64_t>(f)));
  }
  return ConstValue::fromInts(x.shape, std::move(v), to);
}

ConstValue withShape(ConstValue x, Shape shape) {
  check(volume(shape) == x.size(), "cannot reshape ", shapeToString(x.shape), " to ",
        shapeToString(shape));
  x.shape = std::move(shape);
  return x;
}

}  // namespace int8rt::onnx_import

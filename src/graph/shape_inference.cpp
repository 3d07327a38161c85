// Shape inference, one small function per layer kind. Errors name the layer and the reason.
#include <algorithm>

#include "core/error.h"
#include "int8rt/network.h"

namespace int8rt {

namespace {

using Shapes = std::vector<Shape>;

int normalizeAxis(const Layer& l, int axis, size_t rank) {
  int r = static_cast<int>(rank);
  check(axis >= -r && axis < r, "layer '", l.name, "': axis ", axis, " out of range for rank ", r);
  return axis < 0 ? axis + r : axis;
}

int64_t paramOr(const Shape& v, size_t i, int64_t dflt) { return i < v.size() ? v[i] : dflt; }

Shape convolution(const Layer& l, const Shapes& in) {
  const auto& p = l.as<ConvolutionParams>();
  const Shape& x = in.at(0);
  size_t sp = p.kernel.size();
  check(sp >= 1 && x.size() == sp + 2, "layer '", l.name, "': input ", shapeToString(x),
        " does not fit a ", sp, "-d convolution");
  int64_t c = x[1];
  check(p.groups >= 1 && c % p.groups == 0 && p.nbOutputMaps % p.groups == 0, "layer '", l.name,
        "': ", c, " input channels and ", p.nbOutputMaps, " outputs do not split into ", p.groups,
        " groups");
  int64_t expected = p.nbOutputMaps * (c / p.groups) * volume(p.kernel);
  check(p.weights.count() == expected, "layer '", l.name, "': kernel weights have ",
        p.weights.count(), " values, expected ", expected, " (", p.nbOutputMaps, "x", c / p.groups,
        "x", shapeToString(p.kernel), ")");
  check(p.bias.empty() || p.bias.count() == p.nbOutputMaps, "layer '", l.name, "': bias has ",
        p.bias.count(), " values, expected ", p.nbOutputMaps);
  Shape out{x[0], p.nbOutputMaps};
  for (size_t i = 0; i < sp; ++i) {
    int64_t k = p.kernel[i], s = paramOr(p.stride, i, 1), d = paramOr(p.dilation, i, 1);
    int64_t pb = paramOr(p.padBegin, i, 0), pe = paramOr(p.padEnd, i, 0);
    check(k >= 1 && s >= 1 && d >= 1, "layer '", l.name, "': kernel, stride and dilation must be >= 1");
    int64_t span = x[2 + i] + pb + pe - ((k - 1) * d + 1);
    check(span >= 0, "layer '", l.name, "': kernel ", shapeToString(p.kernel),
          " is larger than the padded input ", shapeToString(x));
    out.push_back(span / s + 1);
  }
  if (!p.fusedMaxPool.empty()) {
    check(p.fusedMaxPool.size() == sp, "layer '", l.name, "': fused max pool window ",
          shapeToString(p.fusedMaxPool), " does not match the ", sp, "-d convolution");
    for (size_t i = 0; i < sp; ++i) {
      check(p.fusedMaxPool[i] >= 1 && p.fusedMaxPool[i] <= out[2 + i], "layer '", l.name,
            "': fused max pool window ", shapeToString(p.fusedMaxPool), " does not fit ",
            shapeToString(out));
      out[2 + i] /= p.fusedMaxPool[i];  // window == stride, no padding, floor rounding
    }
  }
  return out;
}

Shape pooling(const Layer& l, const Shapes& in) {
  const auto& p = l.as<PoolingParams>();
  const Shape& x = in.at(0);
  check(x.size() >= 3, "layer '", l.name, "': pooling needs [N,C,spatial...], got ", shapeToString(x));
  Shape out{x[0], x[1]};
  if (p.global) {
    out.insert(out.end(), x.size() - 2, 1);
    return out;
  }
  size_t sp = p.window.size();
  check(x.size() == sp + 2, "layer '", l.name, "': input ", shapeToString(x), " does not fit a ",
        sp, "-d window");
  for (size_t i = 0; i < sp; ++i) {
    int64_t k = p.window[i], s = paramOr(p.stride, i, 1), d = paramOr(p.dilation, i, 1);
    int64_t pb = paramOr(p.padBegin, i, 0), pe = paramOr(p.padEnd, i, 0);
    check(k >= 1 && s >= 1 && d >= 1, "layer '", l.name, "': window, stride and dilation must be >= 1");
    int64_t span = x[2 + i] + pb + pe - ((k - 1) * d + 1);
    check(span >= 0, "layer '", l.name, "': window ", shapeToString(p.window),
          " is larger than the padded input ", shapeToString(x));
    int64_t o = (p.rounding == PoolRounding::kCEIL ? (span + s - 1) / s : span / s) + 1;
    // A last window starting inside the end padding (or past it) is dropped.
    if (p.rounding == PoolRounding::kCEIL && (o - 1) * s >= x[2 + i] + pb) --o;
    out.push_back(o);
  }
  return out;
}

Shape fullyConnected(const Layer& l, const Shapes& in) {
  const auto& p = l.as<FullyConnectedParams>();
  const Shape& x = in.at(0);
  check(x.size() >= 2, "layer '", l.name, "': input ", shapeToString(x), " needs a batch dim and features");
  int64_t c = x[0] ? volume(x) / x[0] : 0;
  check(p.weights.count() == p.nbOutputs * c, "layer '", l.name, "': weights have ",
        p.weights.count(), " values, expected ", p.nbOutputs, "x", c);
  check(p.bias.empty() || p.bias.count() == p.nbOutputs, "layer '", l.name, "': bias has ",
        p.bias.count(), " values, expected ", p.nbOutputs);
  return {x[0], p.nbOutputs};
}

Shape broadcast(const Layer& l, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    check(da == db || da == 1 || db == 1, "layer '", l.name, "': shapes ", shapeToString(a),
          " and ", shapeToString(b), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape matMul(const Layer& l, const Shapes& in) {
  const auto& p = l.as<MatMulParams>();
  Shape a = in.at(0), b = in.at(1);
  check(!a.empty() && !b.empty(), "layer '", l.name, "': matmul of a scalar");
  bool aVec = a.size() == 1, bVec = b.size() == 1;
  if (aVec) a.insert(a.begin(), 1);
  if (bVec) b.push_back(1);
  if (p.transposeA) std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (p.transposeB) std::swap(b[b.size() - 1], b[b.size() - 2]);
  int64_t m = a[a.size() - 2], k = a.back(), k2 = b[b.size() - 2], n = b.back();
  check(k == k2, "layer '", l.name, "': inner dims differ: ", shapeToString(in[0]), " x ",
        shapeToString(in[1]));
  Shape batchA(a.begin(), a.end() - 2), batchB(b.begin(), b.end() - 2);
  Shape out = broadcast(l, batchA, batchB);
  if (!aVec) out.push_back(m);
  if (!bVec) out.push_back(n);
  return out;
}

Shape scale(const Layer& l, const Shapes& in) {
  const auto& p = l.as<ScaleParams>();
  const Shape& x = in.at(0);
  int64_t n = 1;
  if (p.mode == ScaleMode::kCHANNEL) {
    check(x.size() >= 2, "layer '", l.name, "': per-channel scale needs a channel dim");
    n = x[1];
  } else if (p.mode == ScaleMode::kELEMENTWISE) {
    n = x.empty() || x[0] == 0 ? 0 : volume(x) / x[0];
  }
  for (const Weights* w : {&p.shift, &p.scale, &p.power})
    check(w->empty() || w->count() == n, "layer '", l.name, "': scale weights have ", w->count(),
          " values, expected ", n, " for input ", shapeToString(x));
  return x;
}

Shape concatenation(const Layer& l, const Shapes& in) {
  const auto& p = l.as<ConcatenationParams>();
  Shape out = in.at(0);
  int axis = normalizeAxis(l, p.axis, out.size());
  for (size_t i = 1; i < in.size(); ++i) {
    check(in[i].size() == out.size(), "layer '", l.name, "': inputs of different rank");
    for (size_t d = 0; d < out.size(); ++d) {
      if (static_cast<int>(d) == axis) continue;
      check(in[i][d] == out[d], "layer '", l.name, "': input ", i, " shape ",
            shapeToString(in[i]), " differs from ", shapeToString(in[0]), " outside axis ", axis);
    }
    out[axis] += in[i][axis];
  }
  return out;
}

Shape transpose(const Layer& l, const Shape& x, const std::vector<int>& perm) {
  if (perm.empty()) return x;
  check(perm.size() == x.size(), "layer '", l.name, "': permutation of ", perm.size(),
        " dims for input ", shapeToString(x));
  Shape out(x.size());
  std::vector<bool> seen(x.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    check(perm[i] >= 0 && perm[i] < static_cast<int>(x.size()) && !seen[perm[i]], "layer '",
          l.name, "': invalid permutation");
    seen[perm[i]] = true;
    out[i] = x[perm[i]];
  }
  return out;
}

Shape shuffle(const Layer& l, const Shapes& in) {
  const auto& p = l.as<ShuffleParams>();
  Shape x = transpose(l, in.at(0), p.firstTranspose);
  if (p.doReshape) {
    Shape r = p.reshapeDims;
    int inferred = -1;
    int64_t known = 1;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i] == 0) {
        check(i < x.size(), "layer '", l.name, "': reshape copies dim ", i, " of ", shapeToString(x));
        r[i] = x[i];
      }
      if (r[i] == -1) {
        check(inferred < 0, "layer '", l.name, "': reshape has more than one -1");
        inferred = static_cast<int>(i);
      } else {
        check(r[i] >= 0, "layer '", l.name, "': reshape dim ", r[i]);
        known *= r[i];
      }
    }
    int64_t total = volume(x);
    if (inferred >= 0) {
      check(known > 0 && total % known == 0, "layer '", l.name, "': cannot reshape ",
            shapeToString(x), " to ", shapeToString(p.reshapeDims));
      r[inferred] = total / known;
    }
    check(volume(r) == total, "layer '", l.name, "': cannot reshape ", shapeToString(x), " (",
          total, " values) to ", shapeToString(p.reshapeDims));
    x = r;
  }
  return transpose(l, x, p.secondTranspose);
}

Shape padding(const Layer& l, const Shapes& in) {
  const auto& p = l.as<PaddingParams>();
  Shape x = in.at(0);
  check(p.padBegin.size() == x.size() && p.padEnd.size() == x.size(), "layer '", l.name,
        "': pads for ", p.padBegin.size(), " dims, input ", shapeToString(x));
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] += p.padBegin[i] + p.padEnd[i];
    check(x[i] >= 0, "layer '", l.name, "': pads crop more than the input has");
  }
  return x;
}

Shape prelu(const Layer& l, const Shapes& in) {
  const auto& p = l.as<PReLUParams>();
  check(volume(p.slopeShape) == p.slope.count(), "layer '", l.name, "': slope shape ",
        shapeToString(p.slopeShape), " holds ", volume(p.slopeShape), " values, got ",
        p.slope.count());
  Shape out = broadcast(l, in.at(0), p.slopeShape);
  check(out == in[0], "layer '", l.name, "': slope ", shapeToString(p.slopeShape),
        " does not broadcast to the input ", shapeToString(in[0]));
  return out;
}

Shape sameShape(const Layer& l, const Shapes& in) {
  check(in.size() == 1, "layer '", l.name, "': expects one input, got ", in.size());
  return in[0];
}

Shape softmax(const Layer& l, const Shapes& in) {
  normalizeAxis(l, l.as<SoftMaxParams>().axis, in.at(0).size());
  return in[0];
}

}  // namespace

std::vector<Shape> inferLayerShapes(const Layer& l, const std::vector<Shape>& in) {
  auto need = [&](size_t n) {
    check(in.size() == n, "layer '", l.name, "' (", layerKindName(l.kind()), "): expects ", n,
          " inputs, got ", in.size());
  };
  switch (l.kind()) {
    case LayerKind::kCONVOLUTION: need(1); return {convolution(l, in)};
    case LayerKind::kPOOLING: need(1); return {pooling(l, in)};
    case LayerKind::kFULLY_CONNECTED: need(1); return {fullyConnected(l, in)};
    case LayerKind::kMATMUL: need(2); return {matMul(l, in)};
    case LayerKind::kELEMENTWISE: need(2); return {broadcast(l, in[0], in[1])};
    case LayerKind::kCONCATENATION:
      check(!in.empty(), "layer '", l.name, "': concatenation without inputs");
      return {concatenation(l, in)};
    case LayerKind::kSCALE: need(1); return {scale(l, in)};
    case LayerKind::kPRELU: need(1); return {prelu(l, in)};
    case LayerKind::kSHUFFLE: need(1); return {shuffle(l, in)};
    case LayerKind::kPADDING: need(1); return {padding(l, in)};
    case LayerKind::kCONSTANT: need(0); return {l.as<ConstantParams>().shape};
    case LayerKind::kSOFTMAX: need(1); return {softmax(l, in)};
    case LayerKind::kLRN:
      need(1);
      check(in[0].size() >= 2, "layer '", l.name, "': LRN needs a channel dim");
      return {in[0]};
    case LayerKind::kACTIVATION:
    case LayerKind::kIDENTITY: return {sameShape(l, in)};
    case LayerKind::kCOUNT: break;
  }
  fail("layer '", l.name, "': unknown layer kind");
}

}  // namespace int8rt

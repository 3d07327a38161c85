// Helpers shared by every CPU kernel: supports() checks, parameter defaults and the failure
// that names the layer. Small on purpose; math lives in its own headers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "core/error.h"

namespace int8rt::cpu {

// True when every input and output of the setup has type t (an empty list counts as true).
inline bool allOfType(const KernelSetup& s, DataType t) {
  for (DataType d : s.inputTypes)
    if (d != t) return false;
  for (DataType d : s.outputTypes)
    if (d != t) return false;
  return true;
}

inline bool isKind(const KernelSetup& s, LayerKind k) {
  return s.layer != nullptr && s.layer->kind() == k;
}

// The common supports() prefix of an FP32 kernel: right kind, all FP32, nbIn inputs (-1: any
// number >= 1) and one output.
inline bool fp32Layer(const KernelSetup& s, LayerKind k, int nbIn) {
  if (!isKind(s, k) || !allOfType(s, DataType::kFLOAT)) return false;
  if (s.outputShapes.size() != 1 || s.outputTypes.size() != 1) return false;
  if (nbIn >= 0 && s.inputShapes.size() != static_cast<size_t>(nbIn)) return false;
  if (nbIn < 0 && s.inputShapes.empty()) return false;
  return s.inputTypes.size() == s.inputShapes.size();
}

// v[i], or dflt when the parameter vector leaves dim i unset (empty means "all default").
inline int64_t dimOr(const Shape& v, size_t i, int64_t dflt) { return i < v.size() ? v[i] : dflt; }

// A negative axis counts from the end, as in numpy and ONNX.
inline int normalizeAxis(int axis, size_t rank, const std::string& layer) {
  int r = static_cast<int>(rank);
  int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) fail("layer '", layer, "': axis ", axis, " is out of range for rank ", r);
  return a;
}

inline int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

inline int64_t elementCount(const Shape& s) { return product(s, 0, s.size()); }

inline std::string shapeText(const Shape& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) t += ',';
    t += std::to_string(s[i]);
  }
  t += ']';
  return t;
}

}  // namespace int8rt::cpu

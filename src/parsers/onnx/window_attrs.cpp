#include "parsers/onnx/window_attrs.h"

#include <algorithm>

#include "core/error.h"
#include "parsers/onnx/tensor_data.h"

namespace int8rt::onnx_import {

namespace {

Shape listOr(const Attributes& attrs, const char* name, size_t n, int64_t dflt, int64_t min) {
  Shape v = attrs.getInts(name, Shape(n, dflt));
  check(v.size() == n, "attribute '", name, "' has ", v.size(), " values, expected ", n);
  for (int64_t x : v)
    check(x >= min && x <= kMaxParameter, "attribute '", name, "' has value ", x, " (must be in ", min,
          "..", kMaxParameter, ")");
  return v;
}

}  // namespace

Window readWindow(const Attributes& attrs, const Shape& spatial, const Shape& kernel,
                  bool readDilations) {
  size_t n = spatial.size();
  check(kernel.size() == n, "kernel ", shapeToString(kernel), " does not match ", n, " spatial dims");
  for (int64_t k : kernel) check(k >= 1 && k <= kMaxParameter, "kernel size ", k, " is out of range");
  Window w;
  w.kernel = kernel;
  w.stride = listOr(attrs, "strides", n, 1, 1);
  w.dilation = readDilations ? listOr(attrs, "dilations", n, 1, 1) : Shape(n, 1);
  Shape pads = listOr(attrs, "pads", 2 * n, 0, 0);
  w.padBegin.assign(pads.begin(), pads.begin() + n);
  w.padEnd.assign(pads.begin() + n, pads.end());
  std::string autoPad = attrs.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") return w;
  if (autoPad == "VALID") {
    w.padBegin.assign(n, 0);
    w.padEnd.assign(n, 0);
    return w;
  }
  check(autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER", "attribute 'auto_pad' is '", autoPad,
        "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
  // SAME: output = ceil(input / stride); the padding needed for it is split evenly, the odd
  // element going to the end (SAME_UPPER) or the beginning (SAME_LOWER).
  for (size_t i = 0; i < n; ++i) {
    int64_t out = (spatial[i] + w.stride[i] - 1) / w.stride[i];
    int64_t span = (w.kernel[i] - 1) * w.dilation[i] + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * w.stride[i] + span - spatial[i]);
    int64_t small = total / 2, large = total - small;
    w.padBegin[i] = autoPad == "SAME_UPPER" ? small : large;
    w.padEnd[i] = autoPad == "SAME_UPPER" ? large : small;
  }
  return w;
}

}  // namespace int8rt::onnx_import

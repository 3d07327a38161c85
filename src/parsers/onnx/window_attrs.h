// Sliding-window attributes shared by Conv and the pools: strides, dilations, pads and
// auto_pad, checked against the spatial rank and resolved to explicit begin/end pads.
#pragma once
#include "int8rt/network.h"
#include "parsers/onnx/attributes.h"

namespace int8rt::onnx_import {

struct Window {
  Shape kernel, stride, dilation, padBegin, padEnd;
};

// `spatial`: the input's spatial dims (needed by SAME_UPPER / SAME_LOWER). dilations are read
// only when `readDilations` (the pools gained them in later opsets).
Window readWindow(const Attributes& attrs, const Shape& spatial, const Shape& kernel,
                  bool readDilations);

}  // namespace int8rt::onnx_import

// Import-time evaluation of operators on constants: shape arithmetic (Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape chains) and anything else whose inputs are all known.
#pragma once
#include <cstdint>
#include <vector>

#include "parsers/onnx/tensor_data.h"

namespace int8rt::onnx_import {

// numpy broadcasting of two shapes; throws when they do not broadcast.
Shape broadcastShapes(const Shape& a, const Shape& b);

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kPow };
ConstValue foldBinary(const ConstValue& a, const ConstValue& b, BinaryOp op);

// Axes are already normalised (non-negative) by the callers.
ConstValue foldTranspose(const ConstValue& x, const std::vector<int64_t>& perm);
ConstValue foldGather(const ConstValue& data, const ConstValue& indices, int64_t axis);
ConstValue foldSlice(const ConstValue& x, const std::vector<int64_t>& starts,
                     const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                     const std::vector<int64_t>& steps);
ConstValue foldConcat(const std::vector<const ConstValue*>& parts, int64_t axis);
ConstValue foldCast(const ConstValue& x, int32_t to);
ConstValue withShape(ConstValue x, Shape shape);  // reshape: same values, new shape

// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const Shape& s);

}  // namespace int8rt::onnx_import

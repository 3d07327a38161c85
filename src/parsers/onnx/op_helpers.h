// Small building blocks shared by operator importers.
#pragma once
#include <string>
#include <vector>

#include "parsers/onnx/node_context.h"

namespace int8rt::onnx_import {

// Every dim known at import time (throws naming `what` for a batch-dependent one).
Shape concreteDims(const std::vector<SymInt>& dims, const char* what);
std::vector<SymInt> knownDims(const Shape& dims);
SymInt symProduct(const std::vector<SymInt>& dims, size_t begin, size_t end);
std::string symShapeString(const std::vector<SymInt>& dims);  // "[N,3,4]"

// A Shuffle reshaping x to `target` (fully resolved, no 0/-1). Batch-dependent target dims become
// 0 (copy) where the input has the same dim at that position, else -1, so the network keeps its
// dynamic batch; more than one -1 is impossible and throws.
TensorId reshapeTensor(NodeContext& ctx, TensorId x, const std::vector<SymInt>& target,
                       const std::string& tag = "");
TensorId transposeTensor(NodeContext& ctx, TensorId x, const std::vector<int>& perm,
                         const std::string& tag = "");
// y = x * s through a uniform Scale layer.
TensorId scaleTensor(NodeContext& ctx, TensorId x, float s, const std::string& tag);
// One single-input activation layer on input 0, defining output 0.
void activationOp(NodeContext& ctx, ActivationType type, float alpha = 0.f, float beta = 0.f);

// Axes from an attribute (opset < firstInputOpset) or from input `inputIndex` (later opsets).
// Returns false when neither is present.
bool readAxes(NodeContext& ctx, int firstInputOpset, int inputIndex, std::vector<int64_t>& axes);

}  // namespace int8rt::onnx_import

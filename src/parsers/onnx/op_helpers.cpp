#include "parsers/onnx/op_helpers.h"

#include <sstream>

#include "core/error.h"

namespace int8rt::onnx_import {

Shape concreteDims(const std::vector<SymInt>& dims, const char* what) {
  Shape s;
  for (SymInt d : dims) s.push_back(concreteValue(d, what));
  return s;
}

std::vector<SymInt> knownDims(const Shape& dims) {
  std::vector<SymInt> s;
  for (int64_t d : dims) s.push_back(SymInt::known(d));
  return s;
}

std::string symShapeString(const std::vector<SymInt>& dims) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? "," : "") << dims[i].str();
  os << ']';
  return os.str();
}

SymInt symProduct(const std::vector<SymInt>& dims, size_t begin, size_t end) {
  SymInt p = SymInt::known(1);
  for (size_t i = begin; i < end; ++i) p = symMul(p, dims[i]);
  return p;
}

TensorId reshapeTensor(NodeContext& ctx, TensorId x, const std::vector<SymInt>& target,
                       const std::string& tag) {
  std::vector<SymInt> in = ctx.tensorShape(x);
  ShuffleParams p;
  p.doReshape = true;
  bool inferred = false;
  for (size_t i = 0; i < target.size(); ++i) {
    const SymInt& d = target[i];
    if (!d.symbolic()) {
      check(d.value > 0 && d.value <= kMaxTensorElements, "reshape to a dim of ", d.value,
            d.value > 0 ? "" : " (empty tensors are not supported)");
      p.reshapeDims.push_back(d.value);
    } else if (i < in.size() && in[i] == d) {
      p.reshapeDims.push_back(0);  // copies the batch-dependent dim at run time
    } else {
      check(!inferred, "the reshape target ", symShapeString(target),
            " has several dims that depend on the dynamic batch; int8rt cannot keep it dynamic");
      inferred = true;
      p.reshapeDims.push_back(-1);
    }
  }
  return ctx.addLayer(std::move(p), {x}, tag).output();
}

TensorId transposeTensor(NodeContext& ctx, TensorId x, const std::vector<int>& perm,
                         const std::string& tag) {
  ShuffleParams p;
  p.firstTranspose = perm;
  return ctx.addLayer(std::move(p), {x}, tag).output();
}

TensorId scaleTensor(NodeContext& ctx, TensorId x, float s, const std::string& tag) {
  ScaleParams p;
  p.mode = ScaleMode::kUNIFORM;
  p.scale.values = {s};
  return ctx.addLayer(std::move(p), {x}, tag).output();
}

void activationOp(NodeContext& ctx, ActivationType type, float alpha, float beta) {
  ctx.requireInputs(1, 1);
  TensorId x = ctx.tensor(0);
  ctx.setOutput(0, ctx.addLayer(ActivationParams{Activation{type, alpha, beta}}, {x}).output());
}

bool readAxes(NodeContext& ctx, int firstInputOpset, int inputIndex, std::vector<int64_t>& axes) {
  if (ctx.opset() < firstInputOpset) {
    if (!ctx.attrs().has("axes")) return false;
    axes = ctx.attrs().getInts("axes");
    return true;
  }
  if (!ctx.hasInput(inputIndex)) return false;
  axes = ctx.constant(inputIndex, "axes").int64s("axes");
  return true;
}

}  // namespace int8rt::onnx_import

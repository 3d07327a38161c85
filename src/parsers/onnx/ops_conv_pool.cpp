// Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
#include "core/error.h"
#include "parsers/onnx/onnx_error.h"
#include "parsers/onnx/op_helpers.h"
#include "parsers/onnx/ops.h"
#include "parsers/onnx/window_attrs.h"

namespace int8rt::onnx_import {

namespace {

// The input's shape as [N, C, spatial...], spatial dims known at import time.
std::vector<SymInt> spatialInput(NodeContext& ctx, TensorId x, Shape& spatial) {
  std::vector<SymInt> xs = ctx.tensorShape(x);
  check(xs.size() >= 3, "input has shape rank ", xs.size(), "; expected [N, C, spatial...]");
  spatial = concreteDims(std::vector<SymInt>(xs.begin() + 2, xs.end()), "a spatial dim");
  return xs;
}

void importPool(NodeContext& ctx, PoolingType type) {
  ctx.requireInputs(1, 1);
  if (type == PoolingType::kMAX && ctx.outputUsed(1))
    unsupported("MaxPool's second output (Indices) is not supported");
  TensorId x = ctx.tensor(0);
  Shape spatial;
  spatialInput(ctx, x, spatial);
  Shape kernel = ctx.attrs().requireInts("kernel_shape");
  bool dilations = type == PoolingType::kMAX ? ctx.opset() >= 10 : ctx.opset() >= 19;
  Window w = readWindow(ctx.attrs(), spatial, kernel, dilations);
  PoolingParams p;
  p.type = type;
  p.window = w.kernel;
  p.stride = w.stride;
  p.dilation = w.dilation;
  p.padBegin = w.padBegin;
  p.padEnd = w.padEnd;
  int64_t ceilMode = ctx.opset() >= 10 ? ctx.attrs().getInt("ceil_mode", 0) : 0;
  p.rounding = ceilMode ? PoolRounding::kCEIL : PoolRounding::kFLOOR;
  if (type == PoolingType::kAVERAGE)
    p.averageExcludesPadding = ctx.attrs().getInt("count_include_pad", 0) == 0;
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

void importGlobalPool(NodeContext& ctx, PoolingType type) {
  ctx.requireInputs(1, 1);
  TensorId x = ctx.tensor(0);
  Shape spatial;
  spatialInput(ctx, x, spatial);
  PoolingParams p;
  p.type = type;
  p.global = true;
  p.window = spatial;
  p.stride.assign(spatial.size(), 1);
  p.dilation.assign(spatial.size(), 1);
  p.padBegin.assign(spatial.size(), 0);
  p.padEnd.assign(spatial.size(), 0);
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

}  // namespace

void importConv(NodeContext& ctx) {
  ctx.requireInputs(2, 3);
  TensorId x = ctx.tensor(0);
  Shape spatial;
  std::vector<SymInt> xs = spatialInput(ctx, x, spatial);
  const ConstValue& w = ctx.constant(1, "weights");
  check(w.isFloat, "weights have type ", onnxTypeName(w.onnxType), ", expected float");
  check(w.shape.size() == xs.size(), "weights ", shapeToString(w.shape), " do not match the input rank ",
        xs.size());
  int64_t groups = ctx.attrs().getInt("group", 1);
  check(groups >= 1, "attribute 'group' is ", groups);
  int64_t channels = concreteValue(xs[1], "the channel dim");
  int64_t maps = w.shape[0];
  check(channels == w.shape[1] * groups, "input has ", channels, " channels, weights ",
        shapeToString(w.shape), " with group ", groups, " expect ", w.shape[1] * groups);
  check(maps % groups == 0, maps, " output maps do not split into ", groups, " groups");
  Shape kernel(w.shape.begin() + 2, w.shape.end());
  if (ctx.attrs().has("kernel_shape"))
    check(ctx.attrs().getInts("kernel_shape") == kernel, "attribute 'kernel_shape' differs from the weights ",
          shapeToString(w.shape));
  Window win = readWindow(ctx.attrs(), spatial, kernel, true);
  ConvolutionParams p;
  p.nbOutputMaps = maps;
  p.kernel = win.kernel;
  p.stride = win.stride;
  p.dilation = win.dilation;
  p.padBegin = win.padBegin;
  p.padEnd = win.padEnd;
  p.groups = groups;
  p.weights.values = w.floats;
  if (ctx.hasInput(2)) {
    const ConstValue& b = ctx.constant(2, "bias");
    check(b.isFloat && b.size() == maps, "bias ", shapeToString(b.shape), " must hold ", maps, " floats");
    p.bias.values = b.floats;
  }
  ctx.setOutput(0, ctx.addLayer(std::move(p), {x}).output());
}

void importMaxPool(NodeContext& ctx) { importPool(ctx, PoolingType::kMAX); }
void importAveragePool(NodeContext& ctx) { importPool(ctx, PoolingType::kAVERAGE); }
void importGlobalAveragePool(NodeContext& ctx) { importGlobalPool(ctx, PoolingType::kAVERAGE); }
void importGlobalMaxPool(NodeContext& ctx) { importGlobalPool(ctx, PoolingType::kMAX); }

}  // namespace int8rt::onnx_import

// Convolution, Pooling and InnerProduct: the layers with kernels or weight matrices.
#include "core/error.h"
#include "parsers/caffe/caffe_layers.h"

namespace int8rt::caffe_import {

namespace {

using UIntList = google::protobuf::RepeatedField<uint32_t>;

// Caffe gives a spatial parameter as one value for every spatial dim or one value per dim;
// an empty list means the default.
Shape perDim(const UIntList& list, size_t nsp, int64_t dflt, const char* what) {
  if (list.empty()) return Shape(nsp, dflt);
  if (list.size() == 1) return Shape(nsp, list[0]);
  check(static_cast<size_t>(list.size()) == nsp, what, " has ", list.size(),
        " values for ", nsp, " spatial dims");
  return Shape(list.begin(), list.end());
}

// 2-d only alternative spelling: *_h and *_w, which override the list when either is set.
Shape perDimHW(const UIntList& list, bool hasH, uint32_t h, bool hasW, uint32_t w, size_t nsp,
               int64_t dflt, const char* what) {
  if (!hasH && !hasW) return perDim(list, nsp, dflt, what);
  check(nsp == 2, what, "_h/", what, "_w apply to 2-d inputs only");
  return {hasH ? int64_t{h} : dflt, hasW ? int64_t{w} : dflt};
}

// A weight matrix stored [rows, cols] as [cols, rows].
std::vector<float> transposed(const std::vector<float>& v, int64_t rows, int64_t cols) {
  std::vector<float> out(v.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = v[r * cols + c];
  return out;
}

}  // namespace

void importConvolution(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  const auto& p = l.convolution_param();
  check(p.axis() == 1, "convolution_param.axis = ", p.axis(), " is unsupported (only 1)");
  Shape xs = ctx.shapeWithKnownFeatureDims(x, "convolution input");
  check(xs.size() >= 3, "input ", shapeToString(xs), " has no spatial dims");
  size_t nsp = xs.size() - 2;

  check(!p.kernel_size().empty() || p.has_kernel_h() || p.has_kernel_w(),
        "convolution_param has no kernel_size");
  Shape kernel = perDimHW(p.kernel_size(), p.has_kernel_h(), p.kernel_h(), p.has_kernel_w(),
                          p.kernel_w(), nsp, 0, "kernel");
  Shape stride = perDimHW(p.stride(), p.has_stride_h(), p.stride_h(), p.has_stride_w(),
                          p.stride_w(), nsp, 1, "stride");
  Shape pad = perDimHW(p.pad(), p.has_pad_h(), p.pad_h(), p.has_pad_w(), p.pad_w(), nsp, 0, "pad");
  Shape dilation = perDim(p.dilation(), nsp, 1, "dilation");

  int64_t k = p.num_output();
  int64_t groups = p.group();
  check(k > 0, "convolution_param.num_output is missing or 0");
  check(groups >= 1 && xs[1] % groups == 0 && k % groups == 0, xs[1], " input channels and ", k,
        " outputs do not split into ", groups, " groups");
  Shape weightShape{k, xs[1] / groups};
  weightShape.insert(weightShape.end(), kernel.begin(), kernel.end());
  Weights w = ctx.blob(l, 0, weightShape, "weights");
  Weights b = p.bias_term() ? ctx.blob(l, 1, {k}, "bias") : Weights{};

  Layer& layer = ctx.net().addConvolution(x, k, kernel, std::move(w), std::move(b));
  auto& cp = layer.as<ConvolutionParams>();
  cp.stride = stride;
  cp.padBegin = pad;
  cp.padEnd = pad;
  cp.dilation = dilation;
  cp.groups = groups;
  ctx.noteWeightedLayer();
  bindSingleTop(ctx, l, layer);
}

void importPooling(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  const auto& p = l.pooling_param();
  check(p.pool() != caffe::PoolingParameter::STOCHASTIC, "stochastic pooling is unsupported");
  PoolingType type =
      p.pool() == caffe::PoolingParameter::MAX ? PoolingType::kMAX : PoolingType::kAVERAGE;
  Shape xs = ctx.shapeWithKnownFeatureDims(x, "pooling input");
  check(xs.size() == 4, "Caffe pooling needs a 4-d input, got ", shapeToString(xs));

  Shape pad = {p.has_pad_h() ? p.pad_h() : p.pad(), p.has_pad_w() ? p.pad_w() : p.pad()};
  Shape stride = {p.has_stride_h() ? p.stride_h() : p.stride(),
                  p.has_stride_w() ? p.stride_w() : p.stride()};
  Shape window;
  if (p.global_pooling()) {
    check(pad == Shape{0, 0} && stride == Shape{1, 1},
          "global pooling takes no padding and stride 1");
    window = {xs[2], xs[3]};
  } else {
    check(p.has_kernel_size() || (p.has_kernel_h() && p.has_kernel_w()),
          "pooling_param needs kernel_size or kernel_h and kernel_w");
    window = {p.has_kernel_h() ? p.kernel_h() : p.kernel_size(),
              p.has_kernel_w() ? p.kernel_w() : p.kernel_size()};
    for (int i = 0; i < 2; ++i) {
      check(window[i] > 0 && stride[i] > 0, "pooling window and stride must be positive");
      check(pad[i] < window[i], "padding ", shapeToString(pad), " must be smaller than the window ",
            shapeToString(window));
    }
  }

  Layer& layer = ctx.net().addPooling(x, type, window);
  auto& pp = layer.as<PoolingParams>();
  pp.stride = stride;
  pp.padBegin = pad;
  pp.padEnd = pad;
  pp.global = p.global_pooling();
  // Caffe rounds the output size up unless a newer file asks for FLOOR.
  pp.rounding = p.round_mode() == caffe::PoolingParameter::FLOOR ? PoolRounding::kFLOOR
                                                                   : PoolRounding::kCEIL;
  // Caffe's average divides by the window clipped to the padded input, padding included.
  pp.averageExcludesPadding = false;
  bindSingleTop(ctx, l, layer);
}

void importInnerProduct(ImportContext& ctx, const caffe::LayerParameter& l) {
  TensorId x = singleBottom(ctx, l);
  const auto& p = l.inner_product_param();
  Shape xs = ctx.shape(x);
  int axis = resolveAxis(p.axis(), xs.size(), "inner_product_param.axis");
  check(axis >= 1, "an InnerProduct that folds the batch axis is unsupported");
  int64_t c = 1;
  for (size_t i = axis; i < xs.size(); ++i) {
    check(xs[i] > 0, "input ", shapeToString(xs), ": dim ", i, " depends on the batch size");
    c *= xs[i];
  }
  int64_t k = p.num_output();
  check(k > 0, "inner_product_param.num_output is missing or 0");
  // With transpose the blob is stored [C, K]; the network wants [K, C].
  Weights w = ctx.blob(l, 0, p.transpose() ? Shape{c, k} : Shape{k, c}, "weights");
  if (p.transpose()) w.values = transposed(w.values, c, k);
  Weights b = p.bias_term() ? ctx.blob(l, 1, {k}, "bias") : Weights{};

  Network& net = ctx.net();
  if (axis == 1) {
    Layer& layer = net.addFullyConnected(x, k, std::move(w), std::move(b));
    ctx.noteWeightedLayer();
    bindSingleTop(ctx, l, layer);
    return;
  }
  // FullyConnected flattens from dim 1; a later axis keeps the leading dims, so it becomes
  // reshape to [..., C], then a matmul with the constant weights (and a bias add).
  Layer& flatten = net.addShuffle(x);
  auto& sp = flatten.as<ShuffleParams>();
  sp.doReshape = true;
  sp.reshapeDims.assign(axis, 0);
  sp.reshapeDims.push_back(c);
  TensorId flat = ctx.name(flatten, l.name() + "/flatten").output();
  Layer& weights = net.addConstant({k, c}, std::move(w));
  ctx.noteWeightedLayer();
  TensorId wt = ctx.name(weights, l.name() + "/weights").output();
  Layer& mm = net.addMatrixMultiply(flat, false, wt, true);
  if (b.empty()) {
    bindSingleTop(ctx, l, mm);
    return;
  }
  TensorId prod = ctx.name(mm, l.name() + "/matmul").output();
  Layer& bias = net.addConstant({k}, std::move(b));
  ctx.noteWeightedLayer();
  TensorId bt = ctx.name(bias, l.name() + "/bias").output();
  bindSingleTop(ctx, l, net.addElementWise(prod, bt, ElementWiseOp::kSUM));
}

}  // namespace int8rt::caffe_import

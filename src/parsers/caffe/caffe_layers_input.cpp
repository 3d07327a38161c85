// Network inputs: the Input layer, the legacy `input:` fields, and data layers that declare
// their shape (MemoryData, DummyData). The prototxt's batch size is not binding: every input's
// dim 0 becomes -1 (dynamic) so one parsed network serves any batch up to the builder's maximum.
#include "core/error.h"
#include "parsers/caffe/caffe_layers.h"

namespace int8rt::caffe_import {

namespace {

Shape toShape(const caffe::BlobShape& s) { return Shape(s.dim().begin(), s.dim().end()); }

void declareInput(ImportContext& ctx, const std::string& name, Shape dims) {
  check(!dims.empty(), "input '", name, "' has no dims");
  for (size_t i = 1; i < dims.size(); ++i)
    check(dims[i] > 0, "input '", name, "' has dim ", i, " = ", dims[i], " in ",
          shapeToString(dims), " (dims after the batch must be positive)");
  ctx.setDeclaredBatch(dims[0]);
  dims[0] = -1;
  ctx.addInput(name, dims);
}

// Tops beyond the first of a data layer are labels: nothing in a deploy network reads them,
// and a layer that does (a loss) is skipped, so they are simply not declared.
void declareDataTop(ImportContext& ctx, const caffe::LayerParameter& l, const Shape& dims) {
  check(l.top_size() >= 1, "declares no top");
  declareInput(ctx, l.top(0), dims);
}

}  // namespace

void importInput(ImportContext& ctx, const caffe::LayerParameter& l) {
  const auto& shapes = l.input_param().shape();
  check(l.top_size() >= 1, "declares no top");
  check(shapes.size() == 1 || shapes.size() == l.top_size(), "has ", l.top_size(), " tops but ",
        shapes.size(), " shapes (input_param needs one shape, or one per top)");
  for (int i = 0; i < l.top_size(); ++i)
    declareInput(ctx, l.top(i), toShape(shapes[shapes.size() == 1 ? 0 : i]));
}

void importLegacyInputs(ImportContext& ctx, const caffe::NetParameter& net) {
  int n = net.input_size();
  if (n == 0) return;
  if (net.input_shape_size() > 0) {
    check(net.input_shape_size() == n, "the net declares ", n, " input(s) but ",
          net.input_shape_size(), " input_shape(s)");
    for (int i = 0; i < n; ++i) declareInput(ctx, net.input(i), toShape(net.input_shape(i)));
    return;
  }
  check(net.input_dim_size() == 4 * n, "the net declares ", n, " input(s) but ",
        net.input_dim_size(), " input_dim value(s) (four per input: N, C, H, W)");
  for (int i = 0; i < n; ++i)
    declareInput(ctx, net.input(i), Shape(net.input_dim().begin() + 4 * i,
                                          net.input_dim().begin() + 4 * i + 4));
}

void importMemoryData(ImportContext& ctx, const caffe::LayerParameter& l) {
  const auto& p = l.memory_data_param();
  declareDataTop(ctx, l, {p.batch_size(), p.channels(), p.height(), p.width()});
}

void importDummyData(ImportContext& ctx, const caffe::LayerParameter& l) {
  const auto& p = l.dummy_data_param();
  if (p.shape_size() > 0) {
    declareDataTop(ctx, l, toShape(p.shape(0)));
    return;
  }
  check(p.num_size() > 0 && p.channels_size() > 0 && p.height_size() > 0 && p.width_size() > 0,
        "dummy_data_param declares no shape");
  declareDataTop(ctx, l, {p.num(0), p.channels(0), p.height(0), p.width(0)});
}

void importDatabaseData(ImportContext&, const caffe::LayerParameter&) {
  fail("a data layer that reads a database or files has no declared input shape; use a deploy "
       "prototxt with an Input layer or input/input_shape fields");
}

}  // namespace int8rt::caffe_import

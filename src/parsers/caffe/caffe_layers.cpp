// The table from Caffe type names to layer functions, and the helpers they share.
#include "parsers/caffe/caffe_layers.h"

#include <unordered_map>

#include "core/error.h"

namespace int8rt::caffe_import {

LayerImporter findLayerImporter(const std::string& type) {
  static const std::unordered_map<std::string, LayerImporter> table = {
      {"Input", importInput},
      {"MemoryData", importMemoryData},
      {"DummyData", importDummyData},
      {"Data", importDatabaseData},
      {"ImageData", importDatabaseData},
      {"HDF5Data", importDatabaseData},
      {"WindowData", importDatabaseData},
      {"AnnotatedData", importDatabaseData},
      {"Convolution", importConvolution},
      {"Pooling", importPooling},
      {"InnerProduct", importInnerProduct},
      {"ReLU", importReLU},
      {"PReLU", importPReLU},
      {"Sigmoid", importSigmoid},
      {"TanH", importTanH},
      {"Softmax", importSoftmax},
      {"Dropout", importDropout},
      {"AbsVal", importAbsVal},
      {"BNLL", importBNLL},
      {"ELU", importELU},
      {"Clip", importClip},
      {"Exp", importExp},
      {"BatchNorm", importBatchNorm},
      {"Scale", importScale},
      {"Bias", importBias},
      {"Power", importPower},
      {"LRN", importLRN},
      {"Concat", importConcat},
      {"Eltwise", importEltwise},
      {"Flatten", importFlatten},
      {"Reshape", importReshape},
      {"Split", importSplit},
  };
  auto it = table.find(type);
  return it == table.end() ? nullptr : it->second;
}

bool isTrainingOnlyLayer(const std::string& type) {
  static const std::string kLoss = "Loss";
  bool isLoss = type.size() >= kLoss.size() &&
                type.compare(type.size() - kLoss.size(), kLoss.size(), kLoss) == 0;
  return isLoss || type == "Accuracy" || type == "Silence" || type == "HDF5Output";
}

TensorId singleBottom(ImportContext& ctx, const caffe::LayerParameter& l) {
  check(l.bottom_size() == 1, "expects one bottom, has ", l.bottom_size());
  return ctx.bottom(l, 0);
}

void bindSingleTop(ImportContext& ctx, const caffe::LayerParameter& l, Layer& layer) {
  check(l.top_size() == 1, "expects one top, has ", l.top_size());
  ctx.name(layer, l.name());
  ctx.bindTop(l.top(0), layer.output(), layer.name);
}

}  // namespace int8rt::caffe_import

// One function per Caffe layer type, each turning a LayerParameter into Network add* calls.
// Errors thrown inside give only the reason; the importer prefixes the file and the layer.
#pragma once
#include <string>

#include "caffe.pb.h"
#include "parsers/caffe/caffe_context.h"

namespace int8rt::caffe_import {

using LayerImporter = void (*)(ImportContext&, const caffe::LayerParameter&);

// The importer for a Caffe type name ("Convolution"); nullptr for types int8rt does not support.
LayerImporter findLayerImporter(const std::string& type);

// Loss, accuracy and silence layers: they only matter while training, so a deploy import skips
// them (their bottoms then become network outputs when nothing else reads them).
bool isTrainingOnlyLayer(const std::string& type);

// Declares the network inputs given by the legacy `input:` fields of the net.
void importLegacyInputs(ImportContext& ctx, const caffe::NetParameter& net);

// ---- shared helpers for the layer functions ----
// The layer's single bottom (throws unless it has exactly one).
TensorId singleBottom(ImportContext& ctx, const caffe::LayerParameter& l);
// Names `layer` after the Caffe layer and binds it to the layer's single top.
void bindSingleTop(ImportContext& ctx, const caffe::LayerParameter& l, Layer& layer);

// ---- the layer functions (grouped by file) ----
// caffe_layers_input.cpp
void importInput(ImportContext&, const caffe::LayerParameter&);
void importMemoryData(ImportContext&, const caffe::LayerParameter&);
void importDummyData(ImportContext&, const caffe::LayerParameter&);
void importDatabaseData(ImportContext&, const caffe::LayerParameter&);
// caffe_layers_conv.cpp
void importConvolution(ImportContext&, const caffe::LayerParameter&);
void importPooling(ImportContext&, const caffe::LayerParameter&);
void importInnerProduct(ImportContext&, const caffe::LayerParameter&);
// caffe_layers_activation.cpp
void importReLU(ImportContext&, const caffe::LayerParameter&);
void importPReLU(ImportContext&, const caffe::LayerParameter&);
void importSigmoid(ImportContext&, const caffe::LayerParameter&);
void importTanH(ImportContext&, const caffe::LayerParameter&);
void importSoftmax(ImportContext&, const caffe::LayerParameter&);
void importDropout(ImportContext&, const caffe::LayerParameter&);
void importAbsVal(ImportContext&, const caffe::LayerParameter&);
void importBNLL(ImportContext&, const caffe::LayerParameter&);
void importELU(ImportContext&, const caffe::LayerParameter&);
void importClip(ImportContext&, const caffe::LayerParameter&);
void importExp(ImportContext&, const caffe::LayerParameter&);
// caffe_layers_normalization.cpp
void importBatchNorm(ImportContext&, const caffe::LayerParameter&);
void importScale(ImportContext&, const caffe::LayerParameter&);
void importBias(ImportContext&, const caffe::LayerParameter&);
void importPower(ImportContext&, const caffe::LayerParameter&);
void importLRN(ImportContext&, const caffe::LayerParameter&);
// caffe_layers_tensor.cpp
void importConcat(ImportContext&, const caffe::LayerParameter&);
void importEltwise(ImportContext&, const caffe::LayerParameter&);
void importFlatten(ImportContext&, const caffe::LayerParameter&);
void importReshape(ImportContext&, const caffe::LayerParameter&);
void importSplit(ImportContext&, const caffe::LayerParameter&);

}  // namespace int8rt::caffe_import

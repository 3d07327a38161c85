// Legacy layer definitions. Networks written before 2015 use `layers { type: CONVOLUTION }`
// (V1LayerParameter, a type enum and its own field numbers), and the oldest (2013-2014) wrap a
// V0 layer with flat parameters: `layers { layer { type: "conv" kernelsize: 3 } }`. The
// importer converts each one to the current LayerParameter once, so every layer function sees
// a single format.
#pragma once
#include <string>

#include "caffe.pb.h"

namespace int8rt::caffe_import {

// The current type name of a V1 type ("Convolution" for CONVOLUTION); "" for NONE or unknown.
std::string v1TypeName(caffe::V1LayerParameter::LayerType type);

// Name, bottoms, tops, include/exclude rules and every *_param the two formats share (or, for
// a wrapped V0 layer, its type and parameters). Blobs are left out: weights come from the
// caffemodel through WeightStore.
caffe::LayerParameter upgradeV1Layer(const caffe::V1LayerParameter& v1);

// The layer's name in either legacy form: V1 `name`, or the name of the V0 layer it wraps.
const std::string& v1LayerName(const caffe::V1LayerParameter& v1);

}  // namespace int8rt::caffe_import

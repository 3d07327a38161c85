// The Caffe importer proper, on parsed messages (parseCaffe reads the files and calls it; the
// fuzz target calls it on bytes from memory).
#pragma once
#include <memory>
#include <string>

#include "caffe.pb.h"
#include "int8rt/network.h"
#include "parsers/caffe/caffe_weights.h"

namespace int8rt::caffe_import {

// Builds the deploy (TEST phase) network of `definition`. `definitionName` labels errors and,
// as a file stem, names a network that has no name of its own. weights may be null.
std::unique_ptr<Network> importNetwork(const caffe::NetParameter& definition,
                                       const std::string& definitionName,
                                       const WeightStore* weights);

}  // namespace int8rt::caffe_import

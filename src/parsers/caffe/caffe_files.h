// Reading Caffe's two files into NetParameter messages: the text network definition
// (.prototxt) and the binary trained weights (.caffemodel). Errors name the file; a text error
// also gives its line and column.
#pragma once
#include <string>

#include "caffe.pb.h"

namespace int8rt::caffe_import {

// Throws Error("<path>:<line>:<column>: <reason>") on a syntax error.
caffe::NetParameter readPrototxt(const std::string& path);

// Throws Error("<path>: <reason>") when the file is not a well-formed caffemodel.
caffe::NetParameter readCaffemodel(const std::string& path);

// The same, from memory (the fuzz target and tests feed bytes directly); `name` labels errors.
caffe::NetParameter parsePrototxtText(const std::string& text, const std::string& name);
caffe::NetParameter parseCaffemodelBytes(const void* data, size_t size, const std::string& name);

}  // namespace int8rt::caffe_import

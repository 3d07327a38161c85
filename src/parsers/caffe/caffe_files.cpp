#include "parsers/caffe/caffe_files.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <climits>

#include "core/error.h"
#include "core/file_io.h"

namespace int8rt::caffe_import {

namespace {

// Keeps the first error only: the text parser stops there anyway, and our messages are one line.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstErrorCollector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!message_.empty()) return;
    // protobuf counts lines and columns from 0; editors count from 1.
    message_ = file_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
               message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::string message_;
};

}  // namespace

caffe::NetParameter parsePrototxtText(const std::string& text, const std::string& name) {
  caffe::NetParameter net;
  FirstErrorCollector errors(name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &net)) {
    if (!errors.message().empty()) fail(errors.message());
    fail(name, ": not a valid Caffe network definition (text format)");
  }
  return net;
}

caffe::NetParameter parseCaffemodelBytes(const void* data, size_t size, const std::string& name) {
  check(size <= static_cast<size_t>(INT_MAX), name, ": ", size,
        " bytes: caffemodels of 2 GiB or more are not supported");
  caffe::NetParameter net;
  google::protobuf::io::CodedInputStream in(static_cast<const uint8_t*>(data),
                                            static_cast<int>(size));
  // protobuf's default limit (64 MiB in older releases) is smaller than VGG-class models.
  in.SetTotalBytesLimit(INT_MAX);
  if (!net.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    fail(name, ": not a valid caffemodel (truncated or not a binary Caffe NetParameter)");
  if (net.layer_size() == 0 && net.layers_size() == 0)
    fail(name, ": not a valid caffemodel (it holds no layers)");
  return net;
}

caffe::NetParameter readPrototxt(const std::string& path) {
  return parsePrototxtText(readFileText(path), path);
}

caffe::NetParameter readCaffemodel(const std::string& path) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  return parseCaffemodelBytes(bytes.data(), bytes.size(), path);
}

}  // namespace int8rt::caffe_import

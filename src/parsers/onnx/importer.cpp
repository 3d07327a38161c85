// Model-level checks (graph present, opset range, IR version) and the two-pass import that
// decides which graph inputs with given values become constants.
#include "parsers/onnx/importer.h"

#include <climits>

#include <google/protobuf/io/coded_stream.h>

#include "core/error.h"
#include "core/file_io.h"
#include "onnx.pb.h"
#include "parsers/onnx/graph_importer.h"
#include "parsers/onnx/onnx_error.h"

namespace int8rt::onnx_import {

namespace {

// Opsets whose operators the importer implements. Old opsets (PyTorch exported opset 6 for
// years) need a few legacy forms, handled per operator: legacy broadcast, channel-wise PRelu,
// attributes that later became inputs. 23-25 changed none of the supported operators'
// semantics, only added types.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 25;

int defaultDomainOpset(const onnx::ModelProto& model, const std::string& source) {
  int64_t version = -1;
  for (const auto& op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") version = op.version();
  check(version >= 0, source, ": the model imports no ai.onnx opset (opset_import is empty or truncated)");
  if (version < kMinOpset || version > kMaxOpset)
    unsupported(source, ": opset ", version, " is not supported (int8rt reads opsets ", kMinOpset,
                " to ", kMaxOpset, ")");
  return static_cast<int>(version);
}

std::string fileStem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

std::unique_ptr<onnx::ModelProto> parseModelBytes(const void* data, size_t size,
                                                  const std::string& source) {
  check(size > 0, source, ": empty file, not an ONNX model");
  check(size < static_cast<size_t>(INT_MAX), source,
        ": larger than 2 GB, which protobuf cannot parse (external data is not supported)");
  auto model = std::make_unique<onnx::ModelProto>();
  google::protobuf::io::CodedInputStream in(static_cast<const uint8_t*>(data), static_cast<int>(size));
  // Protobuf's default limit (64 MB in older releases) is below real model sizes.
  in.SetTotalBytesLimit(INT_MAX);
  check(model->ParseFromCodedStream(&in) && in.ConsumedEntireMessage(), source,
        ": not a valid ONNX model (protobuf parse error: truncated or not a ModelProto)");
  return model;
}

std::unique_ptr<Network> importModel(const onnx::ModelProto& model, const std::string& source,
                                     const ImportOptions& options) {
  check(model.has_graph(), source, ": the model has no graph");
  check(model.ir_version() >= 1, source, ": the model has no IR version (not an ONNX model?)");
  int opset = defaultDomainOpset(model, source);
  std::set<std::string> frozen;
  if (!options.inputValues.empty()) {
    // First pass: find which graph inputs with given values operators need as constants.
    Network scratch;
    GraphImporter probe(model, opset, source, scratch, options, {});
    probe.run();
    frozen = probe.frozenInputs();
  }
  auto net = std::make_unique<Network>();
  GraphImporter importer(model, opset, source, *net, options, frozen);
  importer.run();
  net->name = model.graph().name();
  return net;
}

std::unique_ptr<Network> importFile(const std::string& path, const ImportOptions& options) {
  std::vector<uint8_t> bytes = readFileBytes(path);
  auto model = parseModelBytes(bytes.data(), bytes.size(), path);
  auto net = importModel(*model, path, options);
  net->name = fileStem(path);
  return net;
}

}  // namespace int8rt::onnx_import

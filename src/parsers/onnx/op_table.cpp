// Operator name -> importer function, generated from the list in ops.h.
#include <string_view>
#include <unordered_map>

#include "parsers/onnx/ops.h"

namespace int8rt::onnx_import {

const OpImporter* findOpImporter(const std::string& opType) {
  static const std::unordered_map<std::string_view, OpImporter> table = {
#define INT8RT_ONNX_OP_ENTRY(name) {#name, &import##name},
      INT8RT_ONNX_OPERATORS(INT8RT_ONNX_OP_ENTRY)
#undef INT8RT_ONNX_OP_ENTRY
  };
  auto it = table.find(opType);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace int8rt::onnx_import

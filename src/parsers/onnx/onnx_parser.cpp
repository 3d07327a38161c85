// parseOnnx(): the public entry point (parsers.h) over the importer.
#include "core/error.h"
#include "int8rt/parsers.h"
#include "parsers/onnx/importer.h"

namespace int8rt {

Result<std::unique_ptr<Network>> parseOnnx(const std::string& path) {
  return guardResult<std::unique_ptr<Network>>([&] { return onnx_import::importFile(path); });
}

}  // namespace int8rt

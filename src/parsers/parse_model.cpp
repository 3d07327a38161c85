// Chooses the importer by the model file's extension.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "int8rt/parsers.h"

namespace int8rt {

Result<std::unique_ptr<Network>> parseModel(const std::string& modelPath,
                                            const std::string& weightsPath) {
  std::string ext = std::filesystem::path(modelPath).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".onnx") return parseOnnx(modelPath);
  return parseCaffe(modelPath, weightsPath);
}

}  // namespace int8rt

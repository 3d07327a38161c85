#include "runtime/kernel_setup.h"

namespace int8rt {

KernelSetup kernelSetupOf(const Layer& l, const std::vector<Shape>& shapes,
                          const std::vector<DataType>& types, const std::vector<float>& scales,
                          const std::vector<TensorFormat>& formats) {
  KernelSetup s;
  s.layer = &l;
  for (TensorId t : l.inputs) {
    s.inputShapes.push_back(shapes[t]);
    s.inputTypes.push_back(types[t]);
    s.inputScales.push_back(scales[t]);
    if (!formats.empty()) s.inputFormats.push_back(formats[t]);
  }
  for (TensorId t : l.outputs) {
    s.outputShapes.push_back(shapes[t]);
    s.outputTypes.push_back(types[t]);
    s.outputScales.push_back(types[t] == DataType::kINT8 ? scales[t] : 0.f);
    if (!formats.empty()) s.outputFormats.push_back(formats[t]);
  }
  return s;
}

}  // namespace int8rt

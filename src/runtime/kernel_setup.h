// The KernelSetup of one layer from per-tensor types, scales and formats: one rule for the
// engine (from the plan) and for the builder steps that ask what a layer's kernel would be given
// in the plan (device fusions, the layout pass), so the two cannot drift apart.
#pragma once
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt {

// Shapes, types, scales and formats are per tensor of the layer's network; an empty `formats`
// records none (every tensor linear, as an empty KernelSetup format list reads). Inputs carry
// their scale whatever their type (an FP32 input with a scale is quantized as it is read); only
// INT8 outputs carry one (an FP32 tensor's scale is for its quantizing reader).
KernelSetup kernelSetupOf(const Layer& l, const std::vector<Shape>& shapes,
                          const std::vector<DataType>& types, const std::vector<float>& scales,
                          const std::vector<TensorFormat>& formats);

}  // namespace int8rt

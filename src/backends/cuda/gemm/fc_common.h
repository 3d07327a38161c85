// What every CUDA fully connected candidate checks and derives from its setup: the layer's
// dims (C features per sample, K outputs, max batch N), the weights' and bias' sizes, and the
// tensor types of each precision. Kernels see y[N][K] = x[N][C] * W[K][C]^T (+ bias[K]).
#pragma once
#include <string>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cpu/int8/int8_layer.h"
#include "backends/cuda/cuda_kernel.h"
#include "core/error.h"

namespace int8rt::cuda {

struct FcDims {
  int64_t n = 0;  // samples (max batch at setup, the run's batch at enqueue)
  int64_t c = 0;  // features per sample
  int64_t k = 0;  // outputs
};

// True for a fully connected layer with one input of rank >= 2, consistent weights and bias,
// every input / output of type `io` (kINT8: INT8 input, INT8 or FP32 output), and no fused
// softmax unless allowSoftmax (a kernel that runs it checks its own limits).
inline bool fcSupports(const KernelSetup& s, DataType io, bool allowSoftmax = false) {
  if (!s.layer || s.layer->kind() != LayerKind::kFULLY_CONNECTED) return false;
  if (!allowSoftmax && s.layer->as<FullyConnectedParams>().fusedSoftmax) return false;
  if (s.inputShapes.size() != 1 || s.outputShapes.size() != 1) return false;
  if (s.inputTypes.size() != 1 || s.outputTypes.size() != 1) return false;
  const Shape& x = s.inputShapes[0];
  if (x.size() < 2 || x[0] <= 0) return false;
  const auto& p = s.layer->as<FullyConnectedParams>();
  const int64_t c = cpu::product(x, 1, x.size());
  if (c <= 0 || p.nbOutputs <= 0 || p.weights.count() != c * p.nbOutputs) return false;
  if (!p.bias.empty() && p.bias.count() != p.nbOutputs) return false;
  if (c > (int64_t{1} << 30) || p.nbOutputs > (int64_t{1} << 30)) return false;  // int indexing
  if (io == DataType::kINT8)
    return cpu::i8::int8Input(s, 0) && cpu::i8::int8OrFloatOutput(s, true) &&
           cpu::i8::accumulatorFits(c);
  return s.inputTypes[0] == io && s.outputTypes[0] == io;
}

inline FcDims fcSetupDims(const KernelSetup& s) {
  const Shape& x = s.inputShapes.at(0);
  return {x[0], cpu::product(x, 1, x.size()), s.layer->as<FullyConnectedParams>().nbOutputs};
}

// The run's dims, checked against the setup (same features and outputs, batch <= max).
inline FcDims fcRunDims(const RunArgs& a, const FcDims& setup, const std::string& layer) {
  const Shape& x = a.inputs.at(0).shape;
  check(x.size() >= 2, "layer '", layer, "': fully connected input ", cpu::shapeText(x),
        " has no feature dims");
  const FcDims d{x[0], cpu::product(x, 1, x.size()), setup.k};
  check(d.c == setup.c && d.n >= 0 && d.n <= setup.n &&
            cpu::elementCount(a.outputs.at(0).shape) == d.n * d.k,
        "layer '", layer, "': run shapes ", cpu::shapeText(x), " -> ",
        cpu::shapeText(a.outputs.at(0).shape), " do not match the fully connected layer");
  return d;
}

}  // namespace int8rt::cuda

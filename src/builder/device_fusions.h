// Fusions that depend on the target device's kernels, run on the network after precision
// assignment (when every tensor's type and scale is known) and before kernel choice. Each
// happens only where a kernel of the device, other than a reference, runs the fused layer: the
// CPU references run every fused layer (they are the oracle) but are never chosen over a fast
// kernel, so a fusion only they support would make the plan slower.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "builder/precision.h"

namespace int8rt {

struct FusionOptions {
  // Whether a fast (non-reference) kernel of the device runs a layer with the types and shapes
  // of `setup` in `precision`.
  std::function<bool(const KernelSetup& setup, DataType precision)> fastKernelSupports;
  // Layers that keep their identity (a kernel is forced for them by name): never fused.
  std::set<std::string> pinnedLayers;
};

// The device's fast kernels: the CPU registry without the references, or the CUDA registry.
std::function<bool(const KernelSetup&, DataType)> fastKernelSupport(DeviceType device);

// A convolution (with its fused activation) whose only reader is a max pooling with
// non-overlapping windows (window == stride, no padding or dilation, not global, output size
// = conv size / window) of the same precision, type and scale becomes one convolution with
// fusedMaxPool = window, named "<conv> + <pool>", writing the pool's tensor (its name kept).
// The conv's own output must not be a network output. Returns the number of fusions.
int fuseConvMaxPool(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options);

// A quantize reformat (Identity, FP32 -> INT8) that is the only reader of its FP32 input and
// whose INT8 output only an INT8 convolution reads: the convolution reads the FP32 tensor
// directly and quantizes it as it loads it. The FP32 tensor carries the quantize scale in
// tensorScales (see PlanData::tensorScales). Returns the number of fusions.
int fuseQuantizeIntoConv(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options);

// A fully connected layer with FP32 output whose only reader is a SoftMax (not log) over each
// sample's outputs ([N, K] along axis 1, or coerced from axis 1) with FP32 output becomes one
// fully connected layer with fusedSoftmax, named "<fc> + <softmax>", writing the softmax's
// tensor. The FC's own output must not be a network output. Returns the number of fusions.
int fuseFullyConnectedSoftmax(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options);

// All three, max pool first (so a first convolution can take both). Returns the number of
// fusions.
int applyDeviceFusions(PrecisionAssignment& a, int64_t maxBatch, const FusionOptions& options);

}  // namespace int8rt

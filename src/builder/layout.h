// The layout pass (CUDA builds, after precision assignment and device fusions, before kernel
// choice): which tensors are stored NHWC instead of NCHW. A run is a maximal sequence of
// consecutive layers that each have a kernel for all-NHWC tensors (convolution, pooling,
// activation...); runs without a convolution or pooling gain nothing and are left alone. For a
// run kept NHWC, every tensor its layers write is NHWC, and reformats (Identity layers whose
// input and output differ in format) convert at its edges: "x (nhwc)" before it for a tensor
// made outside, "x (nchw)" after it for a tensor read outside. A precision reformat at the edge
// (FP32 -> FP16 before, FP16 -> FP32 after) converts the layout too instead, where a kernel
// does both. Bindings stay NCHW: a network output made in a run is converted under its own name.
#pragma once
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "builder/precision.h"
#include "int8rt/tensor_format.h"

namespace int8rt {

// Consecutive layers [first, last] of the network.
struct LayoutRun {
  size_t first = 0, last = 0;
};

// The runs of a network: nhwcCapable(i) says whether layer i has a kernel for all-NHWC tensors.
// Runs without a convolution or pooling layer are not returned.
std::vector<LayoutRun> findLayoutRuns(const Network& net,
                                      const std::function<bool(size_t layer)>& nhwcCapable);

// The network of `a` with `runs` stored NHWC (see above); per new layer, the index of the
// layer of `a` it is (-1 for an inserted reformat). absorbs(identity, formats) says whether a
// precision reformat of `a` may also convert the layout: a kernel runs it with the tensors of
// `a` in `formats`.
struct LayoutResult {
  PrecisionAssignment assignment;
  std::vector<TensorFormat> formats;  // per tensor of assignment.network
  std::vector<int> origin;            // per layer
};
LayoutResult applyLayoutRuns(const PrecisionAssignment& a, const std::vector<LayoutRun>& runs,
                             const std::function<bool(size_t layer, const std::vector<TensorFormat>&)>& absorbs);

struct LayoutOptions {
  LayoutPolicy policy = LayoutPolicy::kAUTO;
  int64_t maxBatch = 1;
  // Whether a kernel of the device runs a setup in a precision (Identity layers: any precision).
  std::function<bool(const KernelSetup&, DataType)> supports;
  // The best kernel's time for a setup in microseconds (kAUTO only); throws when none runs it.
  std::function<double(const KernelSetup&, DataType)> microseconds;
  std::set<std::string> pinnedLayers;           // forced kernels: left NCHW
  std::function<void(const std::string&)> log;  // one line per run decided; may be null
};

// The setup of layer i of `a` with the given formats (shapes at the max batch).
KernelSetup layoutSetup(const PrecisionAssignment& a, const std::vector<TensorFormat>& formats,
                        size_t layer, const std::vector<Shape>& shapes);

// Chooses the runs (kNHWC: all; kAUTO: each where its layers and reformats time faster in NHWC;
// kNCHW: none) and rewrites `a`. Returns the formats per tensor of the new network.
std::vector<TensorFormat> assignLayouts(PrecisionAssignment& a, const LayoutOptions& options);

// assignLayouts with the device's kernels and the builder's tactic timing (layout_device.cpp):
// CUDA builds follow config.layout; CPU builds are all NCHW (kNHWC is refused there).
std::vector<TensorFormat> chooseDeviceLayouts(PrecisionAssignment& a, const BuilderConfig& config,
                                              int64_t maxBatch);

}  // namespace int8rt

// Per-layer FP32-vs-INT8 diagnostics: runs an FP32 and an INT8 engine of one model on the same
// batches and compares every tensor that both engines show (by name), so that a user sees which
// layer loses accuracy. INT8 tensors are dequantized (ITensorObserver::observeInt8).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eval/tensor_diff.h"
#include "int8rt/runtime.h"

namespace int8rt {

struct LayerComparisonRow {
  std::string tensor;
  std::string layer;      // the INT8 engine's layer producing it
  std::string precision;  // that layer's precision ("int8", "fp32")
  bool storedInt8 = false;  // the INT8 engine keeps the tensor in INT8
  // An INT8 layer of the INT8 engine reads it: its values are clipped to its INT8 range there
  // (stored in INT8, or quantized by a reformat in front of that layer).
  bool quantized = false;
  TensorDiff diff;  // clippedFraction() only where quantized
};

class LayerComparison {
 public:
  // Both engines take one input and score their first output. amax: each tensor's INT8 range
  // by name, for the clipped fraction of the tensors the INT8 engine quantizes.
  // Throws Error when an engine has no input and output or several inputs.
  LayerComparison(const Engine& fp32, const Engine& int8, std::map<std::string, float> amax);
  ~LayerComparison();

  // Runs `batch` samples (images: batch-major FP32 input) through both engines; labels (one per
  // sample, may be null) count top-1 for each. Throws Error when a run fails.
  void run(int64_t batch, const float* images, const float* labels);

  // Tensors both engines showed, network inputs excluded, in the FP32 engine's order.
  std::vector<LayerComparisonRow> rows() const;
  int64_t images() const { return images_; }
  int64_t fp32Top1() const { return top1_[0]; }
  int64_t int8Top1() const { return top1_[1]; }

 private:
  struct Side;
  class Recorder;
  class Comparer;
  const float* execute(Side& side, int64_t batch, const float* images);

  std::map<std::string, float> amax_;
  std::vector<std::unique_ptr<Side>> sides_;  // FP32, INT8
  std::vector<std::string> order_;            // FP32 tensors in the order they were produced
  std::map<std::string, std::vector<float>> reference_;  // the current batch's FP32 tensors
  std::map<std::string, LayerComparisonRow> rows_;
  int64_t images_ = 0;
  int64_t top1_[2] = {0, 0};
};

}  // namespace int8rt

// Shapes of the tensors of a network under construction, at batch 1 and (with a dynamic batch)
// batch 2, updated layer by layer so that an inconsistency is reported at the ONNX node that
// caused it. Comparing the two batches gives each dim symbolically: a number or k * N.
#pragma once
#include <vector>

#include "int8rt/network.h"
#include "parsers/onnx/sym_int.h"

namespace int8rt::onnx_import {

class ShapeTracker {
 public:
  void addInput(TensorId t, const Shape& dims);  // dims[0] == -1: dynamic batch
  void update(const Network& net);               // infers the layers added since the last call
  const Shape& atBatch1(TensorId t) const { return s1_.at(t); }
  std::vector<SymInt> symbolic(const Network& net, TensorId t) const;
  bool dynamic() const { return dynamic_; }

 private:
  void grow(size_t n);
  std::vector<Shape> s1_, s2_;
  std::vector<bool> known_;
  size_t layersDone_ = 0;
  bool dynamic_ = false;
};

}  // namespace int8rt::onnx_import

#include "parsers/onnx/shape_tracker.h"

#include "core/error.h"
#include "parsers/onnx/tensor_data.h"

namespace int8rt::onnx_import {

void ShapeTracker::grow(size_t n) {
  if (s1_.size() >= n) return;
  s1_.resize(n);
  s2_.resize(n);
  known_.resize(n, false);
}

void ShapeTracker::addInput(TensorId t, const Shape& dims) {
  grow(static_cast<size_t>(t) + 1);
  s1_[t] = s2_[t] = dims;
  if (!dims.empty() && dims[0] < 0) {
    dynamic_ = true;
    s1_[t][0] = 1;
    s2_[t][0] = 2;
  }
  known_[t] = true;
}

void ShapeTracker::update(const Network& net) {
  grow(static_cast<size_t>(net.nbTensors()));
  const auto& layers = net.layers();
  for (; layersDone_ < layers.size(); ++layersDone_) {
    const Layer& l = layers[layersDone_];
    std::vector<Shape> in1, in2;
    for (TensorId t : l.inputs) {
      check(known_.at(t), "layer '", l.name, "': input '", net.tensor(t).name, "' has no shape yet");
      in1.push_back(s1_[t]);
      in2.push_back(s2_[t]);
    }
    std::vector<Shape> out1 = inferLayerShapes(l, in1), out2 = out1;
    if (dynamic_) {
      try {
        out2 = inferLayerShapes(l, in2);
      } catch (const Error& e) {
        fail("with the batch dynamic (checked at batch 2): ", e.what());
      }
    }
    for (size_t i = 0; i < out1.size(); ++i) {
      checkedVolume(out1[i], "layer '" + l.name + "' output", kMaxTensorElements);
      checkedVolume(out2[i], "layer '" + l.name + "' output", kMaxTensorElements);
    }
    for (size_t i = 0; i < l.outputs.size() && i < out1.size(); ++i) {
      s1_[l.outputs[i]] = out1[i];
      s2_[l.outputs[i]] = out2[i];
      known_[l.outputs[i]] = true;
    }
  }
}

std::vector<SymInt> ShapeTracker::symbolic(const Network& net, TensorId t) const {
  check(known_.at(t), "tensor '", net.tensor(t).name, "' has no shape yet");
  const Shape &a = s1_[t], &b = s2_[t];
  check(a.size() == b.size(), "tensor '", net.tensor(t).name, "': rank depends on the batch");
  std::vector<SymInt> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) {
      out.push_back(SymInt::known(a[i]));
    } else {
      check(b[i] == 2 * a[i], "tensor '", net.tensor(t).name, "': dim ", i,
            " is not a multiple of the dynamic batch (", a[i], " at batch 1, ", b[i], " at batch 2)");
      out.push_back(SymInt::batchTimes(a[i]));
    }
  }
  return out;
}

}  // namespace int8rt::onnx_import

#include "eval/layer_compare.h"

#include <cmath>
#include <set>
#include <tuple>

#include "core/error.h"
#include "eval/score.h"

namespace int8rt {

struct LayerComparison::Side {
  const Engine& engine;
  std::unique_ptr<ExecutionContext> context;
  int output = -1;  // first output binding
  std::vector<std::vector<float>> buffers;  // per binding (inputs: unused)
  std::set<std::string> inputs;

  explicit Side(const Engine& e) : engine(e), context(e.createExecutionContext()) {
    for (int i = 0; i < e.nbBindings(); ++i) {
      if (e.bindingIsInput(i)) inputs.insert(e.bindingName(i));
      else if (output < 0) output = i;
    }
    check(inputs.size() == 1 && output >= 0 && e.bindingIsInput(0),
          "layer comparison: the engine must have one input and an output, it has ",
          inputs.size(), " input(s)");
  }
};

// Keeps a copy of every FP32 tensor of the FP32 run.
class LayerComparison::Recorder : public ITensorObserver {
 public:
  explicit Recorder(LayerComparison& c, const std::set<std::string>& inputs)
      : c_(c), inputs_(inputs) {}
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    if (inputs_.count(name)) return;
    auto [it, added] = c_.reference_.try_emplace(name);
    if (added) c_.order_.push_back(name);
    it->second.assign(data, data + volume(shape));
  }

 private:
  LayerComparison& c_;
  const std::set<std::string>& inputs_;
};

// Compares every tensor of the INT8 run with the recorded FP32 one of the same name.
class LayerComparison::Comparer : public ITensorObserver {
 public:
  LayerComparison& c;
  std::map<std::string, std::pair<std::string, std::string>> producer;  // tensor -> layer, prec
  std::set<std::string> quantized;  // tensors some INT8 layer reads

  explicit Comparer(LayerComparison& comparison, const Engine& engine) : c(comparison) {
    for (const LayerInfo& l : engine.layerInfo()) {
      for (const std::string& t : l.outputs) producer[t] = {l.name, l.precision};
      if (l.precision == "int8") quantized.insert(l.inputs.begin(), l.inputs.end());
    }
  }
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    compare(name, data, static_cast<size_t>(volume(shape)), false);
  }
  void observeInt8(const std::string& name, const Shape& shape, const int8_t* data,
                   float scale) override {
    dequantized_.resize(static_cast<size_t>(volume(shape)));
    for (size_t i = 0; i < dequantized_.size(); ++i) dequantized_[i] = data[i] * scale;
    compare(name, dequantized_.data(), dequantized_.size(), true);
  }

 private:
  void compare(const std::string& name, const float* data, size_t n, bool int8) {
    auto ref = c.reference_.find(name);
    if (ref == c.reference_.end() || ref->second.size() != n) return;
    auto [it, added] = c.rows_.try_emplace(name);
    LayerComparisonRow& row = it->second;
    if (added) {
      row.tensor = name;
      if (auto p = producer.find(name); p != producer.end())
        std::tie(row.layer, row.precision) = p->second;
    }
    row.storedInt8 |= int8;
    row.quantized = quantized.count(name) > 0;
    auto a = c.amax_.find(name);
    const float amax = row.quantized && a != c.amax_.end() ? a->second : 0.f;
    row.diff.add(ref->second.data(), data, n, amax);
  }
  std::vector<float> dequantized_;
};

LayerComparison::LayerComparison(const Engine& fp32, const Engine& int8,
                                 std::map<std::string, float> amax)
    : amax_(std::move(amax)) {
  sides_.push_back(std::make_unique<Side>(fp32));
  sides_.push_back(std::make_unique<Side>(int8));
}

LayerComparison::~LayerComparison() = default;

const float* LayerComparison::execute(Side& side, int64_t batch, const float* images) {
  const Engine& e = side.engine;
  side.buffers.resize(e.nbBindings());
  std::vector<void*> bindings(e.nbBindings());
  for (int i = 0; i < e.nbBindings(); ++i) {
    if (e.bindingIsInput(i)) {
      bindings[i] = const_cast<float*>(images);
      continue;
    }
    side.buffers[i].resize(static_cast<size_t>(volume(e.bindingShapeForBatch(i, batch))));
    bindings[i] = side.buffers[i].data();
  }
  // Host buffers for an engine of either device (a CUDA one copies through pinned staging).
  Status s = side.context->executeHost(batch, bindings.data());
  check(s.isOk(), s.message());
  return side.buffers[side.output].data();
}

void LayerComparison::run(int64_t batch, const float* images, const float* labels) {
  Recorder recorder(*this, sides_[0]->inputs);
  Comparer comparer(*this, sides_[1]->engine);
  const float* out[2];
  for (int s = 0; s < 2; ++s) {
    ExecutionContext& ctx = *sides_[s]->context;
    ctx.setObserver(s == 0 ? static_cast<ITensorObserver*>(&recorder) : &comparer);
    try {
      out[s] = execute(*sides_[s], batch, images);
    } catch (...) {
      ctx.setObserver(nullptr);
      throw;
    }
    ctx.setObserver(nullptr);
  }
  images_ += batch;
  if (!labels) return;
  for (int s = 0; s < 2; ++s) {
    const Engine& e = sides_[s]->engine;
    const int classes = static_cast<int>(volume(e.bindingShapeForBatch(sides_[s]->output, batch)) / batch);
    for (int64_t n = 0; n < batch; ++n)
      top1_[s] += inTopK(out[s] + n * classes, classes, static_cast<int>(std::lround(labels[n])), 1);
  }
}

std::vector<LayerComparisonRow> LayerComparison::rows() const {
  std::vector<LayerComparisonRow> out;
  for (const std::string& name : order_)
    if (auto it = rows_.find(name); it != rows_.end()) out.push_back(it->second);
  return out;
}

}  // namespace int8rt

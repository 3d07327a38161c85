#include "legacy_statistics.h"

#include <chrono>
#include <unordered_map>

#include "builder/build_plan.h"
#include "core/error.h"
#include "data/batch_stream.h"
#include "int8rt/runtime.h"
#include "plan/plan.h"
#include "quant/calibration_cache.h"
#include "quant/scale_sharing.h"
#include "runtime/engine_impl.h"

namespace int8rt::sample {

namespace {

// Adds each observed tensor's values to its set; tensors not in the list are ignored.
class ValueCollector : public ITensorObserver {
 public:
  explicit ValueCollector(std::vector<std::pair<std::string, std::unique_ptr<AbsValueSet>>>& sets)
      : sets_(sets) {
    for (size_t i = 0; i < sets_.size(); ++i) index_.emplace(sets_[i].first, i);
  }
  void observe(const std::string& name, const Shape& shape, const float* data) override {
    auto it = index_.find(name);
    if (it == index_.end()) return;
    auto& set = sets_[it->second].second;
    if (!set) set = std::make_unique<AbsValueSet>();
    set->add(data, static_cast<size_t>(volume(shape)));
  }

 private:
  std::vector<std::pair<std::string, std::unique_ptr<AbsValueSet>>>& sets_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

LegacyStatistics::LegacyStatistics(const Network& network, const std::string& batchDir,
                                   int batchSize, int nbBatches, int firstBatch) {
  const auto start = std::chrono::steady_clock::now();
  // What the builder calibrates (builder/calibrate_network.cpp): the canonical network, through
  // an FP32 engine built unoptimized with first-ranked kernels (no timing).
  const Network canonical = canonicalizeNetwork(network);
  for (const std::string& name : tensorsInTopologicalOrder(canonical))
    tensors_.emplace_back(name, nullptr);
  BuilderConfig config;
  config.maxBatchSize = batchSize;
  config.timingIterations = 0;
  Engine engine(std::make_unique<EngineImpl>(buildPlan(canonical, config, false), "calibration engine"));
  auto context = engine.createExecutionContext();
  check(engine.nbBindings() >= 2 && engine.bindingIsInput(0) && !engine.bindingIsInput(1),
        "legacy search: the network must have exactly one input");

  BatchStream stream(batchDir, batchSize, nbBatches);
  stream.reset(firstBatch);
  const Shape inShape = engine.bindingShapeForBatch(0, batchSize);
  check(volume(inShape) == int64_t(batchSize) * stream.getImageSize(), batchDir, ": images of ",
        stream.getImageSize(), " floats, the network input '", engine.bindingName(0), "' is ",
        shapeToString(inShape));
  std::vector<float> input(volume(inShape));
  std::vector<std::vector<float>> outputs(engine.nbBindings());
  std::vector<void*> bindings(engine.nbBindings());
  bindings[0] = input.data();
  for (int i = 1; i < engine.nbBindings(); ++i) {
    outputs[i].resize(volume(engine.bindingShapeForBatch(i, batchSize)));
    bindings[i] = outputs[i].data();
  }
  ValueCollector collector(tensors_);
  context->setObserver(&collector);
  while (stream.next()) {
    std::copy(stream.getBatch(), stream.getBatch() + input.size(), input.begin());
    Status s = context->execute(batchSize, bindings.data());
    check(s.isOk(), "legacy search: calibration run: ", s.message());
    ++batches_;
  }
  context->setObserver(nullptr);
  check(batches_ > 0, batchDir, ": no calibration batches from batch ", firstBatch);
  for (auto& [name, set] : tensors_)
    if (set) set->finalize();
  seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string LegacyStatistics::cacheFor(double cutoff, double quantile) const {
  CacheKey key;
  key.algo = CalibrationAlgo::kLEGACY_CALIBRATION;
  key.cutoff = cutoff;
  key.quantile = quantile;
  CalibrationTable table = makeCalibrationTable(key);
  for (const auto& [name, set] : tensors_)
    if (set) table.scales.emplace_back(name, scaleFromAmax(legacyAmax(*set, quantile, cutoff)));
  return writeCalibrationTable(table);
}

}  // namespace int8rt::sample

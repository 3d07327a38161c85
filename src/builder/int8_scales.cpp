// INT8 scales for the builder: from the calibrator's cache or a calibration run of the FP32
// network, then the EntropyCalibration2 sharing rules, then user dynamic ranges on top.
#include <sstream>

#include "builder/build_plan.h"
#include "builder/precision.h"
#include "core/error.h"
#include "graph/passes.h"
#include "int8rt/calibrator.h"
#include "plan/plan.h"
#include "quant/calibration_driver.h"
#include "quant/scale_sharing.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {

// The FP32 engine that calibration batches run through. EntropyCalibration (v1) calibrates the
// tensors left after fusion; every other algorithm sees the original network.
struct CalibrationEngine {
  std::unique_ptr<EngineImpl> engine;
  std::unique_ptr<Engine> face;
  std::unique_ptr<ExecutionContext> context;
  std::vector<std::vector<float>> outputs;

  CalibrationEngine(const Network& net, const BuilderConfig& config, int64_t batch, bool optimize) {
    BuilderConfig c;
    c.maxBatchSize = batch;
    c.timingIterations = 0;  // the first (fastest-ranked) kernel is good enough to calibrate
    c.threads = config.threads;
    PlanData plan = buildPlan(net, c, optimize);
    face = std::make_unique<Engine>(std::make_unique<EngineImpl>(std::move(plan), "calibration engine"));
    context = face->createExecutionContext();
  }

  void forward(int64_t batch, const std::vector<const float*>& inputs, ITensorObserver& observer) {
    int nIn = static_cast<int>(inputs.size());
    std::vector<void*> bindings(face->nbBindings());
    outputs.resize(face->nbBindings());
    for (int i = 0; i < face->nbBindings(); ++i) {
      if (i < nIn) {
        bindings[i] = const_cast<float*>(inputs[i]);
      } else {
        outputs[i].resize(volume(face->bindingShapeForBatch(i, batch)));
        bindings[i] = outputs[i].data();
      }
    }
    context->setObserver(&observer);
    Status s = context->execute(batch, bindings.data());
    context->setObserver(nullptr);
    check(s.isOk(), "calibration run: ", s.message());
  }
};

}  // namespace

TensorScales obtainInt8Scales(const Network& net, const BuilderConfig& config) {
  TensorScales out;
  std::vector<float> amax(net.nbTensors(), -1.f);
  bool anyUserRange = false;
  for (int t = 0; t < net.nbTensors(); ++t) anyUserRange |= net.tensor(t).dynamicRange >= 0;

  if (config.calibrator) {
    IInt8Calibrator& cal = *config.calibrator;
    CalibrationAlgo algo = cal.getAlgorithm();
    bool afterFusion = algo == CalibrationAlgo::kENTROPY_CALIBRATION;
    Network calibrated = net;
    if (afterFusion) {
      optimizeNetwork(calibrated);
      calibrated = canonicalizeNetwork(calibrated);
    }
    int64_t batch = cal.getBatchSize();
    check(batch >= 1, cal.cacheName(), ": calibration batch size ", batch, " must be positive");
    CalibrationRun run;
    for (TensorId t : calibrated.inputs()) {
      run.inputNames.push_back(calibrated.tensor(t).name);
      run.inputShapes.push_back(calibrated.tensor(t).shape);
    }
    run.tensors = tensorsInTopologicalOrder(calibrated);
    run.log = config.log;
    // Sharing belongs to EntropyCalibration2 (and int8rt's own algorithms, which follow v2).
    bool share = algo != CalibrationAlgo::kENTROPY_CALIBRATION && algo != CalibrationAlgo::kLEGACY_CALIBRATION;
    auto toIds = [&](const std::vector<float>& byName) {
      std::vector<float> byId(calibrated.nbTensors(), -1.f);
      for (size_t i = 0; i < run.tensors.size(); ++i) {
        TensorId t = calibrated.findTensor(run.tensors[i]);
        if (t >= 0) byId[t] = byName[i];
      }
      return byId;
    };
    if (share)
      run.adjust = [&](const std::vector<float>& byName) {
        std::vector<float> byId = applyScaleSharing(calibrated, toIds(byName));
        std::vector<float> out(run.tensors.size());
        for (size_t i = 0; i < out.size(); ++i) out[i] = byId[calibrated.findTensor(run.tensors[i])];
        return out;
      };
    std::unique_ptr<CalibrationEngine> engine;  // built only if the cache cannot be used
    CalibrationOutcome r = runCalibration(cal, run, [&](int64_t b, const std::vector<const float*>& in,
                                                        ITensorObserver& obs) {
      if (!engine) engine = std::make_unique<CalibrationEngine>(calibrated, config, batch, afterFusion);
      engine->forward(b, in, obs);
    });
    // Scales read from a cache get the same sharing (a no-op on a cache int8rt wrote).
    std::vector<float> byId = toIds(r.amax);
    if (share) byId = applyScaleSharing(calibrated, byId);
    for (int t = 0; t < calibrated.nbTensors(); ++t)
      if (byId[t] >= 0) out.amax[calibrated.tensor(t).name] = byId[t];
    std::ostringstream how;
    how << calibrationAlgoCacheName(algo);
    if (r.fromCache) how << " (from " << cal.cacheName() << ")";
    else how << " (" << r.batches << " batches of " << batch << ", " << r.seconds << " s)";
    out.metadata.push_back({"calibration", how.str()});
  } else {
    check(anyUserRange, "INT8 build needs a calibrator, a calibration cache or dynamic ranges");
    out.metadata.push_back({"calibration", "user dynamic ranges"});
  }
  for (int t = 0; t < net.nbTensors(); ++t)
    if (net.tensor(t).dynamicRange >= 0) out.amax[net.tensor(t).name] = net.tensor(t).dynamicRange;
  return out;
}

}  // namespace int8rt

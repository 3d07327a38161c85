// Calibration of a network through the FP32 engine: the step the builder runs for INT8, also
// offered on its own (`int8rt calibrate`).
#include "builder/calibrate_network.h"

#include "builder/build_plan.h"
#include "core/error.h"
#include "graph/passes.h"
#include "plan/plan.h"
#include "quant/algorithms.h"
#include "quant/calibration_driver.h"
#include "quant/scale_sharing.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {

// The FP32 engine that calibration batches run through. EntropyCalibration (v1) calibrates the
// tensors left after fusion; every other algorithm sees the original network. On kCUDA it is a
// CUDA engine (GPU memory), fed the calibrator's host batches through executeHost.
struct CalibrationEngine {
  std::unique_ptr<Engine> face;
  std::unique_ptr<ExecutionContext> context;
  std::vector<std::vector<float>> outputs;
  DeviceType device;

  CalibrationEngine(const Network& net, int threads, int64_t batch, bool optimize,
                    DeviceType device)
      : device(device) {
    BuilderConfig c;
    c.maxBatchSize = batch;
    c.timingIterations = 0;  // the first (fastest-ranked) kernel is good enough to calibrate
    c.threads = threads;
    c.device = device;
    PlanData plan = buildPlan(net, c, optimize);
    // EngineImpl picks the backend of the plan's device (a CUDA engine for kCUDA).
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
    // Host batches either way: a CUDA context stages them through its pinned buffers.
    Status s = device == DeviceType::kCPU ? context->execute(batch, bindings.data())
                                          : context->executeHost(batch, bindings.data());
    context->setObserver(nullptr);
    check(s.isOk(), "calibration run: ", s.message());
  }
};

}  // namespace

CalibrationReport calibrateCanonical(const Network& net, IInt8Calibrator& cal,
                                     const CalibrateOptions& options) {
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
  run.log = options.log;
  run.progress = options.progress;
  run.reportBins = options.reportBins;
  run.onDevice = options.device == DeviceType::kCUDA;
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
  auto shared = [&](const std::vector<float>& byName) {
    std::vector<float> byId = applyScaleSharing(calibrated, toIds(byName));
    std::vector<float> out(run.tensors.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = byId[calibrated.findTensor(run.tensors[i])];
    return out;
  };
  if (share) run.adjust = shared;
  std::unique_ptr<CalibrationEngine> engine;  // built only if the cache cannot be used
  CalibrationOutcome r = runCalibration(cal, run, [&](int64_t b, const std::vector<const float*>& in,
                                                      ITensorObserver& obs) {
    if (!engine) engine = std::make_unique<CalibrationEngine>(calibrated, options.threads, batch, afterFusion,
                                                             options.device);
    engine->forward(b, in, obs);
  });
  // Scales read from a cache get the same sharing (a no-op on a cache int8rt wrote).
  std::vector<float> amax = share && r.fromCache ? shared(r.amax) : r.amax;

  CalibrationReport report;
  report.algo = algo;
  report.fromCache = r.fromCache;
  report.batches = r.batches;
  report.batchSize = static_cast<int>(batch);
  report.seconds = r.seconds;
  report.cache = r.cache;
  for (size_t i = 0; i < run.tensors.size(); ++i) {
    if (amax[i] < 0) continue;
    TensorCalibration t;
    t.name = run.tensors[i];
    t.amax = amax[i];
    t.scale = scaleFromAmax(amax[i]);
    if (i < r.bins.size()) t.bins = r.bins[i];
    report.tensors.push_back(t);
  }
  return report;
}

Result<CalibrationReport> calibrateNetwork(const Network& network, IInt8Calibrator& calibrator,
                                           const CalibrateOptions& options) {
  return guardResult<CalibrationReport>([&] {
    Status v = network.validate();
    check(v.isOk(), v.message());
    // The builder calibrates the canonical network (inputs first, unused layers dropped).
    return calibrateCanonical(canonicalizeNetwork(network), calibrator, options);
  });
}

}  // namespace int8rt

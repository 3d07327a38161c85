// buildSerializedNetwork: validate, optimize, assign precisions, choose kernels, plan memory,
// serialize. INT8 scale acquisition (calibration or cache) is in int8_scales.cpp.
#include <chrono>
#include <ctime>
#include <sstream>

#include "backends/cuda_bridge.h"
#include "builder/chains.h"
#include "builder/device_fusions.h"
#include "builder/layout.h"
#include "builder/memory_planner.h"
#include "builder/build_plan.h"
#include "builder/precision.h"
#include "builder/tactics.h"
#include "core/error.h"
#include "graph/passes.h"
#include "int8rt/builder.h"
#include "plan/plan.h"
#include "plan/reshape_alias.h"
#include "runtime/engine_impl.h"

namespace int8rt {

// CPU: no FP16 arithmetic units; INT8 needs AVX2. CUDA: the device's compute capability.
bool platformHasFastFp16(DeviceType device) {
  return device == DeviceType::kCUDA && cudabridge::hasFastFp16();
}
bool platformHasFastInt8(DeviceType device) {
  if (device == DeviceType::kCUDA) return cudabridge::hasFastInt8();
  return cpuFeatures().avx2;
}

namespace {

void say(const BuilderConfig& c, const std::string& m) {
  if (c.log) c.log(m);
}

// Features the chosen kernels rely on, so the loader can refuse a CPU without them.
std::string requiredFeatures(const std::vector<std::string>& kernels) {
  bool avx2 = false, vnni = false;
  for (const auto& k : kernels) {
    avx2 |= k.find("avx2") != std::string::npos;
    vnni |= k.find("avx512vnni") != std::string::npos;
  }
  std::string f = avx2 || vnni ? "avx2 fma" : "";
  if (vnni) f += " avx512f avx512bw avx512vnni";
  return f;
}

// The device can build: a GPU is present for CUDA, and it (or the CPU) runs the precisions.
void checkPlatform(const BuilderConfig& config) {
  if (config.device == DeviceType::kCUDA) {
    std::string why = cudabridge::unavailableReason();
    check(why.empty(), "cannot build for device 'cuda': ", why);
    std::string gpu = cudabridge::deviceName() + ", sm_" + std::to_string(cudabridge::deviceSm());
    check(!config.fp16 || platformHasFastFp16(config.device),
          "FP16 requested but this GPU (", gpu, ") has no fast FP16");
    check(!config.int8 || platformHasFastInt8(config.device),
          "INT8 requested but this GPU (", gpu, ") has no fast INT8");
    return;
  }
  check(config.device == DeviceType::kCPU, "unknown device ", int(config.device));
  check(config.layout != LayoutPolicy::kNHWC,
        "layout nhwc: CPU engines store every tensor NCHW (NHWC needs --device cuda)");
  check(!config.fp16 || platformHasFastFp16(config.device),
        "FP16 requested but the platform has no fast FP16 (this CPU has no FP16 arithmetic)");
  check(!config.int8 || platformHasFastInt8(config.device),
        "INT8 requested but this CPU has no AVX2 for fast INT8");
}

// The kernel (and configuration) of one layer: timed on the CPU or on the GPU.
struct LayerTactic {
  std::string kernel, config;
  double microseconds = 0;
  int candidates = 0;
};

LayerTactic chooseLayerTactic(const KernelSetup& setup, DataType precision,
                              const BuilderConfig& config, const std::string& forced,
                              ThreadPool& pool) {
  if (config.device == DeviceType::kCUDA) {
    cudabridge::CudaTactic c =
        cudabridge::chooseTactic(setup, precision, config.timingIterations, forced);
    return {c.kernel, c.config, c.microseconds, c.candidates};
  }
  TacticChoice c = chooseTactic(setup, precision, config.timingIterations, forced, pool);
  return {c.kernel->name, "", c.microseconds, c.candidates};
}

std::string precisionName(const BuilderConfig& config) {
  if (config.int8) return config.fp16 ? "int8+fp16" : "int8";
  return config.fp16 ? "fp16" : "fp32";
}

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

PlanData buildPlan(const Network& input, const BuilderConfig& config, bool optimize) {
  check(config.maxBatchSize >= 1 && config.maxBatchSize <= (1 << 20), "max batch size ",
        config.maxBatchSize, " is out of range (1..1048576)");
  checkPlatform(config);
  Status v = input.validate();
  check(v.isOk(), v.message());

  PlanData plan;
  plan.device = config.device;
  if (plan.device == DeviceType::kCUDA) plan.cudaSm = cudabridge::deviceSm();
  plan.maxBatchSize = input.hasDynamicBatch() ? config.maxBatchSize : 1;

  // 1. Scales come from the unoptimized network, where every original tensor still exists
  //    (TensorRT's EntropyCalibration2 calibrates before fusion).
  Network net = canonicalizeNetwork(input);
  TensorScales scales;
  if (config.int8) scales = obtainInt8Scales(net, config);

  // 2. Fold and fuse, then renumber.
  int changes = optimize ? optimizeNetwork(net) : 0;
  net = canonicalizeNetwork(net);
  say(config, "optimized network: " + std::to_string(changes) + " fusions, " +
                  std::to_string(net.layers().size()) + " layers");

  // 3. Precision per layer and type per tensor.
  PrecisionAssignment prec = assignPrecisions(net, config, scales);
  if (optimize) {
    // 3b. Fusions the device's kernels allow (conv + max pool, quantize into conv).
    FusionOptions fusion{fastKernelSupport(config.device), {}};
    for (const auto& [layer, kernel] : config.forcedKernels) fusion.pinnedLayers.insert(layer);
    int fused = applyDeviceFusions(prec, plan.maxBatchSize, fusion);
    if (fused)
      say(config, "device fusions: " + std::to_string(fused) + ", " +
                      std::to_string(prec.network.layers().size()) + " layers");
  }
  // 3c. Memory layouts (CUDA: runs of layers stored NHWC, with their reformats).
  if (optimize) plan.tensorFormats = chooseDeviceLayouts(prec, config, plan.maxBatchSize);
  plan.tensorTypes = prec.tensorTypes;
  plan.tensorScales = prec.tensorScales;
  net = prec.network;  // may hold inserted reformat layers
  plan.network = std::move(net);

  // 4. Kernel per layer, timed. Pure reshapes between arena tensors alias their input's
  //    memory instead (optimized builds: calibration observes every tensor as it is made).
  const Network& n = plan.network;
  std::vector<Shape> shapes = n.inferShapesForBatch(plan.maxBatchSize);
  std::vector<bool> inArena(n.nbTensors(), true);
  for (int t = 0; t < n.nbTensors(); ++t)
    if (n.tensor(t).isInput || n.tensor(t).isOutput) inArena[t] = false;
  for (const Layer& l : n.layers())
    if (l.kind() == LayerKind::kCONSTANT) inArena[l.outputs[0]] = false;
  std::vector<TensorId> aliasOf(n.nbTensors(), -1);
  ThreadPool pool(config.device == DeviceType::kCPU ? config.threads : 1);
  plan.kernels.resize(n.layers().size());
  plan.kernelConfigs.assign(n.layers().size(), "");
  for (size_t i = 0; i < n.layers().size(); ++i) {
    const Layer& l = n.layers()[i];
    if (l.kind() == LayerKind::kCONSTANT) {
      plan.kernels[i] = "constant";
      continue;
    }
    if (optimize && !config.forcedKernels.count(l.name) &&
        canAliasReshape(n, i, plan.tensorTypes, inArena)) {
      plan.kernels[i] = kReshapeAliasKernel;
      aliasOf[l.outputs[0]] = l.inputs[0];
      say(config, "layer '" + l.name + "': " + kReshapeAliasKernel);
      continue;
    }
    KernelSetup setup = makeKernelSetup(plan, i, shapes);
    auto forced = config.forcedKernels.find(l.name);
    LayerTactic c = chooseLayerTactic(setup, prec.layerPrecision[i], config,
                                      forced == config.forcedKernels.end() ? "" : forced->second, pool);
    plan.kernels[i] = c.kernel;
    plan.kernelConfigs[i] = c.config;
    std::ostringstream m;
    m << "layer '" << l.name << "': " << c.kernel;
    if (!c.config.empty()) m << " [" << c.config << "]";
    if (c.microseconds > 0) m << " (" << c.microseconds << " us, best of " << c.candidates << ")";
    say(config, m.str());
  }

  // 4b. Runs of layers one fused kernel runs faster (CUDA INT8 chains).
  std::vector<FusedRun> fused;
  if (optimize) fused = fuseChains(plan, shapes, config, [&](const std::string& m) { say(config, m); });

  // 5. Memory. A fused run writes its output when its first layer runs, and reads its input
  //    until then: both live across the whole run.
  std::vector<int64_t> bytes(n.nbTensors());
  for (int t = 0; t < n.nbTensors(); ++t)
    bytes[t] = volume(shapes[t]) * static_cast<int64_t>(elementSize(plan.tensorTypes[t]));
  std::vector<std::pair<int, int>> spans;
  for (const FusedRun& r : fused) spans.emplace_back(static_cast<int>(r.first), static_cast<int>(r.last));
  MemoryPlan mem = planMemory(n, bytes, inArena, aliasOf, spans);
  plan.arenaOffsets = mem.offsets;
  plan.arenaBytes = mem.arenaBytes;

  plan.requiredCpuFeatures = requiredFeatures(plan.kernels);
  plan.metadata = {{"engine", std::string("int8rt ") + INT8RT_VERSION_STRING},
                   {"built", timestamp()},
                   {"device", deviceName(plan.device)},
                   {"builder cpu", cpuFeatures().describe()},
                   {"precision", precisionName(config)},
                   {"max batch", std::to_string(plan.maxBatchSize)},
                   {"arena bytes", std::to_string(plan.arenaBytes)}};
  if (plan.device == DeviceType::kCUDA) {
    plan.metadata.push_back({"gpu", cudabridge::deviceName()});
    plan.metadata.push_back({"gpu architecture", "sm_" + std::to_string(plan.cudaSm)});
  }
  for (const auto& kv : scales.metadata) plan.metadata.push_back(kv);
  return plan;
}

namespace {

std::vector<uint8_t> build(const Network& input, const BuilderConfig& config) {
  PlanData plan = buildPlan(input, config, true);
  // Load once here: a plan the runtime would refuse is a builder bug, caught before writing.
  EngineImpl check(plan, "built plan");
  return serializePlan(plan);
}

}  // namespace

Result<std::vector<uint8_t>> buildSerializedNetwork(const Network& network,
                                                     const BuilderConfig& config) {
  return guardResult<std::vector<uint8_t>>([&] { return build(network, config); });
}

}  // namespace int8rt

#include <cstring>

#include "backends/cuda_bridge.h"
#include "builder/memory_planner.h"
#include "core/error.h"
#include "core/file_io.h"
#include "runtime/cpu_backend.h"
#include "runtime/engine_impl.h"
#include "runtime/kernel_setup.h"

namespace int8rt {

KernelSetup makeKernelSetup(const PlanData& plan, size_t i, const std::vector<Shape>& shapes) {
  // Plans before format 3 record no formats: every tensor is linear.
  return kernelSetupOf(plan.network.layers()[i], shapes, plan.tensorTypes, plan.tensorScales,
                       plan.tensorFormats);
}

EngineImpl::EngineImpl(PlanData plan, const std::string& source) : plan_(std::move(plan)) {
  const Network& net = plan_.network;
  Status v = net.validate();
  if (!v) fail(source, ": invalid network in plan: ", v.message());
  maxShapes_ = net.inferShapesForBatch(plan_.maxBatchSize);
  const std::vector<Shape>& shapes = maxShapes_;
  size_t nT = net.nbTensors();
  if (plan_.kernelConfigs.empty()) plan_.kernelConfigs.assign(net.layers().size(), "");

  // Arena offsets must hold every arena tensor at the max batch.
  for (size_t t = 0; t < nT; ++t) {
    int64_t off = plan_.arenaOffsets[t];
    if (off < 0) continue;
    int64_t bytes = volume(shapes[t]) * static_cast<int64_t>(elementSize(plan_.tensorTypes[t]));
    if (off + bytes > plan_.arenaBytes)
      fail(source, ": corrupt plan: tensor '", net.tensor(t).name, "' exceeds the arena");
  }

  // NHWC names the four dims of a rank-4 tensor.
  if (plan_.tensorFormats.empty()) plan_.tensorFormats.assign(nT, TensorFormat::kLINEAR);
  for (size_t t = 0; t < nT; ++t)
    if (plan_.tensorFormats[t] == TensorFormat::kNHWC && shapes[t].size() != 4)
      fail(source, ": corrupt plan: tensor '", net.tensor(t).name, "' of rank ", shapes[t].size(),
           " is stored nhwc");

  // An FP32 tensor with a scale is quantized by its one reader (a fused quantize, plan.h).
  std::vector<int> readers(nT, 0);
  for (const Layer& l : net.layers())
    for (TensorId t : l.inputs) readers[t]++;
  for (size_t t = 0; t < nT; ++t) {
    float s = plan_.tensorScales[t];
    if (plan_.tensorTypes[t] == DataType::kINT8 || s == 0.f) continue;
    if (!(s > 0.f && s < 1e30f) || readers[t] != 1 || plan_.tensorTypes[t] != DataType::kFLOAT)
      fail(source, ": corrupt plan: ", dataTypeName(plan_.tensorTypes[t]), " tensor '",
           net.tensor(t).name, "' has quantize scale ", s, " and ", readers[t], " readers");
  }

  constants_.resize(nT);
  for (const Layer& l : net.layers()) {
    if (l.kind() != LayerKind::kCONSTANT) continue;
    const auto& c = l.as<ConstantParams>();
    auto& buf = constants_[l.outputs[0]];
    buf.resize(c.values.values.size() * sizeof(float));
    std::memcpy(buf.data(), c.values.values.data(), buf.size());
  }
  for (TensorId t : net.inputs()) bindings_.push_back(t);
  for (TensorId t : net.outputs()) bindings_.push_back(t);

  if (plan_.device == DeviceType::kCUDA)
    backend_ = cudabridge::createEngineBackend(*this, source);
  else
    backend_ = std::make_unique<CpuBackend>(*this, source);
}

EngineImpl::~EngineImpl() = default;

std::vector<Shape> EngineImpl::shapesForBatch(int64_t batch) const {
  const Network& net = plan_.network;
  if (!net.hasDynamicBatch()) return net.inferShapesForBatch(1);
  check(batch >= 1 && batch <= plan_.maxBatchSize, "batch size ", batch,
        " is outside the engine's range 1..", plan_.maxBatchSize);
  return net.inferShapesForBatch(batch);
}

// ---- Engine (public face) ----

Engine::Engine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

int Engine::nbBindings() const { return static_cast<int>(impl_->bindings().size()); }

int Engine::bindingIndex(const std::string& name) const {
  const auto& b = impl_->bindings();
  for (size_t i = 0; i < b.size(); ++i)
    if (impl_->network().tensor(b[i]).name == name) return static_cast<int>(i);
  return -1;
}

const std::string& Engine::bindingName(int i) const {
  return impl_->network().tensor(impl_->bindings().at(i)).name;
}

bool Engine::bindingIsInput(int i) const {
  return i < static_cast<int>(impl_->network().inputs().size());
}

Shape Engine::bindingShape(int i) const {
  return impl_->network().symbolicShape(impl_->bindings().at(i));
}

Shape Engine::bindingShapeForBatch(int i, int64_t batch) const {
  return impl_->shapesForBatch(batch).at(impl_->bindings().at(i));
}

int64_t Engine::maxBatchSize() const { return impl_->plan().maxBatchSize; }
DeviceType Engine::device() const { return impl_->plan().device; }

std::vector<LayerInfo> Engine::layerInfo() const {
  std::vector<LayerInfo> out;
  const PlanData& p = impl_->plan();
  for (size_t i = 0; i < p.network.layers().size(); ++i) {
    const Layer& l = p.network.layers()[i];
    LayerInfo info;
    info.name = l.name;
    info.kind = layerKindName(l.kind());
    info.kernel = p.kernels[i];
    info.config = p.kernelConfigs[i];
    info.precision = dataTypeName(impl_->backend().layerPrecision(i));
    for (TensorId t : l.inputs) info.inputs.push_back(p.network.tensor(t).name);
    for (TensorId t : l.outputs) info.outputs.push_back(p.network.tensor(t).name);
    out.push_back(std::move(info));
  }
  return out;
}

std::unique_ptr<ExecutionContext> Engine::createExecutionContext() const {
  return impl_->backend().createExecutionContext(*impl_);
}

std::vector<std::pair<std::string, std::string>> Engine::metadata() const {
  return impl_->plan().metadata;
}

Result<std::unique_ptr<Engine>> deserializeEngine(const std::vector<uint8_t>& bytes,
                                                  const std::string& source) {
  return guardResult<std::unique_ptr<Engine>>([&] {
    auto impl = std::make_unique<EngineImpl>(deserializePlan(bytes, source), source);
    return std::make_unique<Engine>(std::move(impl));
  });
}

Result<std::unique_ptr<Engine>> loadEngineFile(const std::string& path) {
  std::vector<uint8_t> bytes;
  Status s = guard([&] { bytes = readFileBytes(path); });
  if (!s) return s;
  return deserializeEngine(bytes, path);
}

const char* deviceName(DeviceType d) { return d == DeviceType::kCUDA ? "cuda" : "cpu"; }

}  // namespace int8rt

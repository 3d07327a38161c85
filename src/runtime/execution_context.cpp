// CPU execution: the arena and workspace for one run at a time, the shapes for the last
// batch size, and the kernels called layer by layer.
#include <chrono>
#include <cstdlib>
#include <map>

#include "builder/memory_planner.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "runtime/cpu_backend.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {

struct AlignedBuffer {
  void* ptr = nullptr;
  explicit AlignedBuffer(size_t bytes) {
    if (bytes) ptr = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (bytes && !ptr) throw std::bad_alloc();
  }
  ~AlignedBuffer() { std::free(ptr); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
};

int threadsFromEnvironment() {
  const char* v = std::getenv("INT8RT_THREADS");
  return v ? std::atoi(v) : 0;
}

class CpuExecutionContext : public ExecutionContext {
 public:
  CpuExecutionContext(const EngineImpl& engine, const CpuBackend& backend)
      : engine_(engine),
        backend_(backend),
        arena_(static_cast<size_t>(engine.plan().arenaBytes)),
        workspace_(backend.workspaceBytes()),
        pool_(threadsFromEnvironment()) {}

  Status execute(int64_t batch, void* const* bindings) override {
    return guard([&] { run(batch, bindings); });
  }

  Status enqueue(int64_t batch, void* const* bindings, void* /*stream*/) override {
    return execute(batch, bindings);
  }

  Status executeHost(int64_t batch, void* const* hostBindings, double* inferenceMs) override {
    auto start = std::chrono::steady_clock::now();
    Status s = execute(batch, hostBindings);
    if (inferenceMs)
      *inferenceMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return s;
  }

  void setObserver(ITensorObserver* observer) override { observer_ = observer; }

 private:
  const std::vector<Shape>& shapes(int64_t batch) {
    if (batch != cachedBatch_) {
      shapes_ = engine_.shapesForBatch(batch);
      cachedBatch_ = batch;
    }
    return shapes_;
  }

  void observe(TensorId t, const std::vector<Shape>& shapes, void* data) {
    const PlanData& plan = engine_.plan();
    if (!observer_) return;
    const std::string& name = plan.network.tensor(t).name;
    if (plan.tensorTypes[t] == DataType::kFLOAT)
      observer_->observe(name, shapes[t], static_cast<const float*>(data));
    else if (plan.tensorTypes[t] == DataType::kINT8)
      observer_->observeInt8(name, shapes[t], static_cast<const int8_t*>(data), plan.tensorScales[t]);
  }

  void run(int64_t batch, void* const* bindings) {
    check(bindings != nullptr, "execute: bindings are null");
    const PlanData& plan = engine_.plan();
    const Network& net = plan.network;
    const auto& sh = shapes(batch);
    std::vector<void*> ptr(net.nbTensors(), nullptr);
    const auto& b = engine_.bindings();
    for (size_t i = 0; i < b.size(); ++i) {
      check(bindings[i] != nullptr, "execute: binding ", i, " ('", net.tensor(b[i]).name,
            "') is null");
      ptr[b[i]] = bindings[i];
    }
    auto* arena = static_cast<uint8_t*>(arena_.ptr);
    for (int t = 0; t < net.nbTensors(); ++t) {
      if (plan.arenaOffsets[t] >= 0 && !ptr[t]) ptr[t] = arena + plan.arenaOffsets[t];
      if (!engine_.constant(t).empty())
        ptr[t] = const_cast<uint8_t*>(engine_.constant(t).data());
    }
    for (TensorId t : net.inputs()) observe(t, sh, ptr[t]);

    RunArgs args;
    args.pool = &pool_;
    args.workspace = workspace_.ptr;
    for (size_t i = 0; i < net.layers().size(); ++i) {
      const Layer& l = net.layers()[i];
      CpuKernel* k = backend_.kernel(i);
      if (!k) {  // constants are ready; a reshape alias's output is its input's bytes
        if (l.kind() != LayerKind::kCONSTANT)
          for (TensorId t : l.outputs) observe(t, sh, ptr[t]);
        continue;
      }
      args.inputs.clear();
      args.outputs.clear();
      for (TensorId t : l.inputs) args.inputs.push_back({ptr[t], sh[t], plan.tensorTypes[t]});
      for (TensorId t : l.outputs) args.outputs.push_back({ptr[t], sh[t], plan.tensorTypes[t]});
      k->run(args);
      for (TensorId t : l.outputs) observe(t, sh, ptr[t]);
    }
  }

  const EngineImpl& engine_;
  const CpuBackend& backend_;
  AlignedBuffer arena_;
  AlignedBuffer workspace_;
  ThreadPool pool_;
  ITensorObserver* observer_ = nullptr;
  int64_t cachedBatch_ = -1;
  std::vector<Shape> shapes_;
};

}  // namespace

std::unique_ptr<ExecutionContext> makeCpuExecutionContext(const EngineImpl& engine,
                                                          const CpuBackend& backend) {
  return std::make_unique<CpuExecutionContext>(engine, backend);
}

}  // namespace int8rt

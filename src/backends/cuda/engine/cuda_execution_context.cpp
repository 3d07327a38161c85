#include "backends/cuda/engine/cuda_execution_context.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <cstring>

#include "builder/memory_planner.h"
#include "core/error.h"
#include "runtime/engine_impl.h"

namespace int8rt::cuda {

bool cudaGraphsEnabled() {
  const char* v = std::getenv("INT8RT_CUDA_GRAPHS");
  return !(v && std::string(v) == "0");
}

namespace {

size_t bytesOf(const Shape& shape, DataType type) {
  return static_cast<size_t>(volume(shape)) * elementSize(type);
}

// An NHWC tensor's host copy reordered to NCHW (its logical shape), elements of `bytes` bytes:
// observers see every tensor in its shape's order, whatever the engine stored.
void nhwcToNchw(std::vector<uint8_t>& data, const Shape& shape, size_t bytes) {
  const size_t n = shape[0], c = shape[1], hw = shape[2] * shape[3];
  std::vector<uint8_t> out(data.size());
  for (size_t b = 0; b < n; ++b)
    for (size_t p = 0; p < hw; ++p)
      for (size_t k = 0; k < c; ++k)
        std::memcpy(&out[((b * c + k) * hw + p) * bytes], &data[((b * hw + p) * c + k) * bytes], bytes);
  data.swap(out);
}

}  // namespace

CudaExecutionContext::CudaExecutionContext(const EngineImpl& engine, const CudaEngineBackend& backend)
    : engine_(engine),
      backend_(backend),
      arena_(static_cast<size_t>(engine.plan().arenaBytes), "the execution context's arena"),
      workspace_(backend.workspaceBytes(), "the execution context's workspace"),
      stream_(Stream::create("an execution context")),
      start_(Event::create("inference timing")),
      stop_(Event::create("inference timing")),
      lastRun_(Event::create("the end of a run")),
      legacyDone_(Event::create("the legacy stream's work before execute")),
      graphsEnabled_(cudaGraphsEnabled()) {
  // Recorded once so that waiting for "the previous run" before the first run is a no-op.
  checkCuda(cudaEventRecord(lastRun_.get(), stream_.get()), "cudaEventRecord");
}

CudaExecutionContext::~CudaExecutionContext() {
  // Nothing of ours may be in use by the GPU when the buffers are freed.
  if (stream_) cudaStreamSynchronize(stream_.get());
  if (lastRun_) cudaEventSynchronize(lastRun_.get());
  cudaGetLastError();
}

const std::vector<Shape>& CudaExecutionContext::shapes(int64_t batch) {
  if (batch != cachedBatch_) {
    shapes_ = engine_.shapesForBatch(batch);
    cachedBatch_ = batch;
  }
  return shapes_;
}

void CudaExecutionContext::bind(void* const* bindings) {
  check(bindings != nullptr, "execute: bindings are null");
  const PlanData& plan = engine_.plan();
  const Network& net = plan.network;
  const auto& b = engine_.bindings();
  bool same = checkedBindings_.size() == b.size() &&
              std::equal(checkedBindings_.begin(), checkedBindings_.end(), bindings);
  for (size_t i = 0; i < b.size() && !same; ++i) {
    check(bindings[i] != nullptr, "execute: binding ", i, " ('", net.tensor(b[i]).name, "') is null");
    cudaPointerAttributes a{};
    cudaError_t e = cudaPointerGetAttributes(&a, bindings[i]);
    if (e != cudaSuccess || a.type == cudaMemoryTypeUnregistered) {
      cudaGetLastError();
      fail("execute: binding ", i, " ('", net.tensor(b[i]).name,
           "') is not device memory: a CUDA engine's execute() and enqueue() take device "
           "pointers (executeHost() takes host memory)");
    }
  }
  checkedBindings_.assign(bindings, bindings + b.size());
  pointers_.assign(net.nbTensors(), nullptr);
  for (size_t i = 0; i < b.size(); ++i) pointers_[b[i]] = bindings[i];
  auto* arena = arena_.as<uint8_t>();
  for (int t = 0; t < net.nbTensors(); ++t) {
    if (plan.arenaOffsets[t] >= 0 && !pointers_[t]) pointers_[t] = arena + plan.arenaOffsets[t];
    if (void* c = backend_.constant(t)) pointers_[t] = c;
  }
}

void CudaExecutionContext::launchLayer(size_t i, const std::vector<Shape>& sh, cudaStream_t stream) {
  Kernel* k = backend_.kernel(i);
  if (!k) return;  // constants are on the device already
  const PlanData& plan = engine_.plan();
  const Layer& l = plan.network.layers()[i];
  RunArgs args;
  args.stream = stream;
  args.workspace = workspace_.get();
  for (TensorId t : l.inputs) args.inputs.push_back({pointers_[t], sh[t], plan.tensorTypes[t]});
  for (TensorId t : plan.network.layers()[backend_.outputLayer(i)].outputs)
    args.outputs.push_back({pointers_[t], sh[t], plan.tensorTypes[t]});
  try {
    std::lock_guard<std::mutex> lock(backend_.launchMutex());
    k->enqueue(args);
  } catch (const Error& e) {
    fail("layer '", l.name, "' (", backend_.kernelName(i), "): ", e.what());
  }
}

void CudaExecutionContext::launchAll(const std::vector<Shape>& sh, cudaStream_t stream) {
  for (size_t i = 0; i < engine_.network().layers().size(); ++i) launchLayer(i, sh, stream);
}

void CudaExecutionContext::observeTensor(TensorId t, const Shape& shape, cudaStream_t stream) {
  const PlanData& plan = engine_.plan();
  const std::string& name = plan.network.tensor(t).name;
  DataType type = plan.tensorTypes[t];
  const bool nhwc = plan.tensorFormats[t] == TensorFormat::kNHWC;
  if (type == DataType::kFLOAT && observer_->observesDevice() && !nhwc) {
    observer_->observeDevice(name, shape, static_cast<const float*>(pointers_[t]), stream);
    return;
  }
  size_t bytes = bytesOf(shape, type);
  hostCopy_.resize(bytes);
  checkCuda(cudaMemcpyAsync(hostCopy_.data(), pointers_[t], bytes, cudaMemcpyDeviceToHost, stream),
            "copy of tensor '", name, "' to the host for the observer");
  checkCuda(cudaStreamSynchronize(stream), "run up to tensor '", name, "'");
  if (nhwc) nhwcToNchw(hostCopy_, shape, elementSize(type));
  if (type == DataType::kFLOAT) {
    observer_->observe(name, shape, reinterpret_cast<const float*>(hostCopy_.data()));
  } else if (type == DataType::kHALF) {
    std::vector<float> f(static_cast<size_t>(volume(shape)));
    const auto* h = reinterpret_cast<const __half*>(hostCopy_.data());
    for (size_t i = 0; i < f.size(); ++i) f[i] = __half2float(h[i]);
    observer_->observe(name, shape, f.data());
  } else if (type == DataType::kINT8) {
    observer_->observeInt8(name, shape, reinterpret_cast<const int8_t*>(hostCopy_.data()),
                           plan.tensorScales[t]);
  }
}

// Layer by layer, each output shown to the observer as it is produced (no graph: the observer
// runs host code between layers).
void CudaExecutionContext::runObserved(const std::vector<Shape>& sh, cudaStream_t stream) {
  const Network& net = engine_.network();
  for (TensorId t : net.inputs()) observeTensor(t, sh[t], stream);
  for (size_t i = 0; i < net.layers().size(); ++i) {
    launchLayer(i, sh, stream);
    for (TensorId t : net.layers()[i].outputs) observeTensor(t, sh[t], stream);
  }
}

void CudaExecutionContext::run(int64_t batch, void* const* bindings, cudaStream_t stream) {
  const std::vector<Shape>& sh = shapes(batch);
  if (observer_ || !graphsEnabled_) {
    bind(bindings);
    if (observer_)
      runObserved(sh, stream);
    else
      launchAll(sh, stream);
  } else {
    std::vector<void*> key(bindings, bindings + engine_.bindings().size());
    if (!graphs_.has(batch, key)) {
      // A capture changes an executable graph or the pointer table: the previous run (maybe
      // on another stream) must be done with them.
      checkCuda(cudaEventSynchronize(lastRun_.get()), "the previous run");
      bind(bindings);
    }
    cudaGraphExec_t exec =
        graphs_.get(batch, key, stream_.get(), [&](cudaStream_t s) { launchAll(sh, s); });
    checkCuda(cudaGraphLaunch(exec, stream), "launch of the network's CUDA graph");
  }
  checkCuda(cudaEventRecord(lastRun_.get(), stream), "cudaEventRecord after a run");
}

Status CudaExecutionContext::enqueue(int64_t batch, void* const* bindings, void* stream) {
  return guard([&] { run(batch, bindings, static_cast<cudaStream_t>(stream)); });
}

Status CudaExecutionContext::execute(int64_t batch, void* const* bindings) {
  return guard([&] {
    // The caller filled the bindings with plain cudaMemcpy (legacy stream), which may return
    // before its DMA lands; our stream is non-blocking, so wait for that work explicitly, as a
    // synchronous execute() must.
    checkCuda(cudaEventRecord(legacyDone_.get(), cudaStreamLegacy), "cudaEventRecord");
    checkCuda(cudaStreamWaitEvent(stream_.get(), legacyDone_.get(), 0), "cudaStreamWaitEvent");
    run(batch, bindings, stream_.get());
    checkCuda(cudaStreamSynchronize(stream_.get()), "execute");
  });
}

void CudaExecutionContext::allocateStaging() {
  if (!staging_.empty()) return;
  const Network& net = engine_.network();
  for (TensorId t : engine_.bindings()) {
    size_t bytes = bytesOf(engine_.maxShapes()[t], DataType::kFLOAT);
    std::string what = "executeHost's device copy of binding '" + net.tensor(t).name + "'";
    deviceIo_.emplace_back(bytes, what.c_str());
    try {
      staging_.emplace_back(bytes);
    } catch (const Error& e) {
      staging_.clear();
      deviceIo_.clear();
      fail("pinned staging buffer for binding '", net.tensor(t).name, "': ", e.what());
    }
  }
}

Status CudaExecutionContext::executeHost(int64_t batch, void* const* hostBindings,
                                         double* inferenceMs) {
  return guard([&] {
    check(hostBindings != nullptr, "executeHost: bindings are null");
    const std::vector<Shape>& sh = shapes(batch);
    try {
      allocateStaging();
    } catch (const Error&) {
      staging_.clear();
      deviceIo_.clear();
      throw;
    }
    const Network& net = engine_.network();
    const auto& b = engine_.bindings();
    size_t nIn = net.inputs().size();
    cudaStream_t s = stream_.get();
    std::vector<void*> device(b.size());
    for (size_t i = 0; i < b.size(); ++i) {
      check(hostBindings[i] != nullptr, "executeHost: binding ", i, " ('", net.tensor(b[i]).name,
            "') is null");
      device[i] = deviceIo_[i].get();
    }
    // The staging buffers may still feed the previous run's copies.
    checkCuda(cudaStreamSynchronize(s), "the previous run");
    for (size_t i = 0; i < nIn; ++i) {
      size_t bytes = bytesOf(sh[b[i]], DataType::kFLOAT);
      std::memcpy(staging_[i].get(), hostBindings[i], bytes);
      checkCuda(cudaMemcpyAsync(device[i], staging_[i].get(), bytes, cudaMemcpyHostToDevice, s),
                "copy of input '", net.tensor(b[i]).name, "' to the device");
    }
    checkCuda(cudaEventRecord(start_.get(), s), "cudaEventRecord");
    run(batch, device.data(), s);
    checkCuda(cudaEventRecord(stop_.get(), s), "cudaEventRecord");
    for (size_t i = nIn; i < b.size(); ++i)
      checkCuda(cudaMemcpyAsync(staging_[i].get(), device[i], bytesOf(sh[b[i]], DataType::kFLOAT),
                                cudaMemcpyDeviceToHost, s),
                "copy of output '", net.tensor(b[i]).name, "' to the host");
    checkCuda(cudaStreamSynchronize(s), "executeHost");
    for (size_t i = nIn; i < b.size(); ++i)
      std::memcpy(hostBindings[i], staging_[i].get(), bytesOf(sh[b[i]], DataType::kFLOAT));
    if (inferenceMs) {
      float ms = 0;
      checkCuda(cudaEventElapsedTime(&ms, start_.get(), stop_.get()), "cudaEventElapsedTime");
      *inferenceMs = ms;
    }
  });
}

}  // namespace int8rt::cuda

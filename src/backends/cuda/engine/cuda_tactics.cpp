// Tactic selection on the GPU: each supported candidate in each of its configurations is
// created, run once (warm-up: lazy module loading, caches), then timed with CUDA events on
// random device data at the max batch. Each sample averages a few back-to-back launches (one
// launch of a small layer is near the event resolution); the median of the samples is kept.
// The launches are captured once into a CUDA graph and the samples are its replays, because
// execution contexts run the network as a graph (cuda_graph_cache.h): host-side work per call
// (a library's argument checks and descriptor setup) then costs nothing, and a kernel that is
// fast only without it must not win. Where capture fails the launches are timed directly.
#include <cuda_fp16.h>

#include <algorithm>
#include <functional>
#include <cstring>
#include <random>

#include "backends/cuda/cuda_kernel.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/engine/cuda_handles.h"
#include "backends/cuda/engine/cuda_tactics.h"
#include "builder/memory_planner.h"
#include "core/error.h"

namespace int8rt::cuda {

namespace {

constexpr int kLaunchesPerSample = 8;

DeviceBuffer randomDeviceTensor(const Shape& shape, DataType type, std::mt19937& rng) {
  size_t n = static_cast<size_t>(volume(shape));
  std::vector<uint8_t> host(n * elementSize(type));
  std::uniform_real_distribution<float> uf(-1.f, 1.f);
  std::uniform_int_distribution<int> ui(-127, 127);
  for (size_t i = 0; i < n; ++i) {
    if (type == DataType::kFLOAT) {
      float v = uf(rng);
      std::memcpy(&host[i * 4], &v, 4);
    } else if (type == DataType::kHALF) {
      __half h = __float2half(uf(rng));
      std::memcpy(&host[i * 2], &h, 2);
    } else if (type == DataType::kINT8) {
      host[i] = static_cast<uint8_t>(static_cast<int8_t>(ui(rng)));
    }
  }
  DeviceBuffer buf(host.size(), "tactic timing input");
  buf.upload(host.data(), host.size());
  return buf;
}

struct TimingData {
  std::vector<DeviceBuffer> inputs, outputs;
  RunArgs args;

  TimingData(const KernelSetup& s, cudaStream_t stream) {
    std::mt19937 rng(7);
    for (size_t i = 0; i < s.inputShapes.size(); ++i) {
      inputs.push_back(randomDeviceTensor(s.inputShapes[i], s.inputTypes[i], rng));
      args.inputs.push_back({inputs.back().get(), s.inputShapes[i], s.inputTypes[i]});
    }
    for (size_t i = 0; i < s.outputShapes.size(); ++i) {
      outputs.emplace_back(volume(s.outputShapes[i]) * elementSize(s.outputTypes[i]),
                           "tactic timing output");
      args.outputs.push_back({outputs.back().get(), s.outputShapes[i], s.outputTypes[i]});
    }
    args.stream = stream;
  }
};

// kLaunchesPerSample calls of `enqueue` captured into an instantiated graph, or an empty
// handle where they cannot be captured (the capture is then ended and its error cleared).
GraphExecHandle captureLaunches(const std::function<void()>& enqueue, cudaStream_t stream) {
  if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
    cudaGetLastError();
    return {};
  }
  bool enqueued = true;
  try {
    for (int r = 0; r < kLaunchesPerSample; ++r) enqueue();
  } catch (const Error&) {
    enqueued = false;
  }
  cudaGraph_t captured = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &captured);
  const GraphHandle graph(captured);
  cudaGraphExec_t exec = nullptr;
  if (enqueued && ended == cudaSuccess && graph &&
      cudaGraphInstantiate(&exec, graph.get(), 0) != cudaSuccess)
    exec = nullptr;
  cudaGetLastError();  // a failed capture is not an error of the next tactic
  return GraphExecHandle(exec);
}

double timeKernel(Kernel& k, TimingData& data, int iterations, cudaStream_t stream) {
  DeviceBuffer workspace(k.workspaceBytes(), "tactic timing workspace");
  data.args.workspace = workspace.get();
  return timeLaunches([&] { k.enqueue(data.args); }, iterations, stream);
}

}  // namespace

double timeLaunches(const std::function<void()>& enqueue, int iterations, cudaStream_t stream) {
  enqueue();
  checkCuda(cudaStreamSynchronize(stream), "warm-up run");
  const GraphExecHandle graph = captureLaunches(enqueue, stream);
  if (graph) {
    checkCuda(cudaGraphLaunch(graph.get(), stream), "tactic timing graph warm-up");
    checkCuda(cudaStreamSynchronize(stream), "tactic timing graph warm-up");
  }
  Event start = Event::create("tactic timing"), stop = Event::create("tactic timing");
  std::vector<double> samples;
  for (int it = 0; it < std::max(1, iterations); ++it) {
    checkCuda(cudaEventRecord(start.get(), stream), "cudaEventRecord");
    if (graph)
      checkCuda(cudaGraphLaunch(graph.get(), stream), "tactic timing graph replay");
    else
      for (int r = 0; r < kLaunchesPerSample; ++r) enqueue();
    checkCuda(cudaEventRecord(stop.get(), stream), "cudaEventRecord");
    checkCuda(cudaEventSynchronize(stop.get()), "timed runs");
    float ms = 0;
    checkCuda(cudaEventElapsedTime(&ms, start.get(), stop.get()), "cudaEventElapsedTime");
    samples.push_back(1000.0 * ms / kLaunchesPerSample);
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

DeviceBuffer randomTimingTensor(const Shape& shape, DataType type, uint32_t seed) {
  std::mt19937 rng(seed);
  return randomDeviceTensor(shape, type, rng);
}

cudabridge::CudaTactic chooseCudaTactic(const KernelSetup& setup, DataType precision,
                                        int timingIterations, const std::string& forced,
                                        bool alwaysTime) {
  const DeviceInfo& device = requireDevice();
  const Layer& l = *setup.layer;
  std::vector<const Candidate*> candidates;
  if (!forced.empty()) {
    const Candidate* k = findKernel(forced);
    check(k != nullptr, "layer '", l.name, "': forced kernel '", forced, "' is not a CUDA kernel",
          findCpuKernel(forced) ? " (it is a CPU kernel)" : "");
    check(k->kind == l.kind() && accepts(*k, setup, device), "layer '", l.name,
          "': forced kernel '", forced, "' cannot run this layer");
    candidates.push_back(k);
  } else {
    for (const Candidate& k : registry())
      if (k.kind == l.kind() && k.precision == precision && accepts(k, setup, device))
        candidates.push_back(&k);
    // Reformats (FP32 <-> FP16, quantize) may be registered under any precision.
    if (candidates.empty() && l.kind() == LayerKind::kIDENTITY)
      for (const Candidate& k : registry())
        if (k.kind == l.kind() && accepts(k, setup, device)) candidates.push_back(&k);
  }
  check(!candidates.empty(), "layer '", l.name, "' (", layerKindName(l.kind()), "): no ",
        dataTypeName(precision), " CUDA kernel supports it on ", device.name);

  std::vector<std::pair<const Candidate*, std::string>> tactics;
  for (const Candidate* c : candidates)
    for (std::string& config : configsOf(*c, setup, device)) tactics.emplace_back(c, std::move(config));
  cudabridge::CudaTactic choice{tactics[0].first->name, tactics[0].second, 0,
                                static_cast<int>(tactics.size())};
  if ((tactics.size() == 1 && !alwaysTime) || timingIterations <= 0) return choice;

  Stream stream = Stream::create("tactic timing");
  TimingData data(setup, stream.get());
  double best = 1e300;
  std::string lastError;
  for (const auto& [c, config] : tactics) {
    try {
      std::unique_ptr<Kernel> kernel = c->create(setup, config);
      double us = timeKernel(*kernel, data, timingIterations, stream.get());
      if (us < best) {
        best = us;
        choice.kernel = c->name;
        choice.config = config;
        choice.microseconds = us;
      }
    } catch (const Error& e) {
      // A configuration that cannot run here (too much shared memory, no cuBLASLt algorithm)
      // loses; a sticky device error would fail the next candidate too and end the build.
      lastError = std::string(c->name) + " [" + config + "]: " + e.what();
      cudaStreamSynchronize(stream.get());
      cudaGetLastError();
    }
  }
  check(best < 1e300, "layer '", l.name, "': every CUDA tactic failed; last: ", lastError);
  return choice;
}

}  // namespace int8rt::cuda

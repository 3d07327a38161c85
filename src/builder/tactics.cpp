#include "builder/tactics.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "builder/memory_planner.h"
#include "core/error.h"

namespace int8rt {

namespace {

// Buffers of random data shaped like the setup, for timing only.
struct TimingBuffers {
  std::vector<std::vector<uint8_t>> inputs, outputs;
  std::vector<uint8_t> workspace;
  RunArgs args;

  TimingBuffers(const KernelSetup& s, size_t workspaceBytes, ThreadPool& pool) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uf(-1.f, 1.f);
    std::uniform_int_distribution<int> ui(-100, 100);
    auto make = [&](const Shape& shape, DataType type, bool fill) {
      std::vector<uint8_t> buf(volume(shape) * elementSize(type) + 64);
      if (fill && type == DataType::kFLOAT) {
        auto* f = reinterpret_cast<float*>(buf.data());
        for (int64_t i = 0; i < volume(shape); ++i) f[i] = uf(rng);
      } else if (fill) {
        for (auto& b : buf) b = static_cast<uint8_t>(ui(rng));
      }
      return buf;
    };
    for (size_t i = 0; i < s.inputShapes.size(); ++i)
      inputs.push_back(make(s.inputShapes[i], s.inputTypes[i], true));
    for (size_t i = 0; i < s.outputShapes.size(); ++i)
      outputs.push_back(make(s.outputShapes[i], s.outputTypes[i], false));
    workspace.resize(workspaceBytes + 64);
    for (size_t i = 0; i < inputs.size(); ++i)
      args.inputs.push_back({inputs[i].data(), s.inputShapes[i], s.inputTypes[i]});
    for (size_t i = 0; i < outputs.size(); ++i)
      args.outputs.push_back({outputs[i].data(), s.outputShapes[i], s.outputTypes[i]});
    args.pool = &pool;
    // Kernels may use aligned loads on the workspace: align it to 64 bytes.
    auto addr = reinterpret_cast<uintptr_t>(workspace.data());
    args.workspace = workspace.data() + ((64 - addr % 64) % 64);
  }
};

double timeKernel(CpuKernel& k, const KernelSetup& setup, int iterations, ThreadPool& pool) {
  TimingBuffers buf(setup, k.workspaceBytes(), pool);
  k.run(buf.args);  // warm-up: caches, page faults
  double best = 1e300;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    k.run(buf.args);
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return best;
}

}  // namespace

TacticChoice chooseTactic(const KernelSetup& setup, DataType precision, int timingIterations,
                          const std::string& forced, ThreadPool& pool) {
  const Layer& l = *setup.layer;
  const CpuFeatures& cpu = cpuFeatures();
  if (!forced.empty()) {
    const KernelCandidate* k = findCpuKernel(forced);
    check(k != nullptr, "layer '", l.name, "': forced kernel '", forced, "' does not exist");
    check(k->kind == l.kind() && k->supports(setup, cpu), "layer '", l.name, "': forced kernel '",
          forced, "' cannot run this layer");
    return {k, 0, 1};
  }
  std::vector<const KernelCandidate*> candidates;
  for (const KernelCandidate& k : cpuKernelRegistry())
    if (k.kind == l.kind() && k.precision == precision && k.supports(setup, cpu))
      candidates.push_back(&k);
  check(!candidates.empty(), "layer '", l.name, "' (", layerKindName(l.kind()), "): no ",
        dataTypeName(precision), " kernel supports it");
  // The scalar reference is the oracle and the fallback, never the fastest: time it only when
  // it is the sole candidate (this keeps builds fast).
  auto isRef = [](const KernelCandidate* k) { return std::string(k->name).ends_with("_ref"); };
  if (std::any_of(candidates.begin(), candidates.end(), [&](auto* k) { return !isRef(k); }))
    std::erase_if(candidates, isRef);
  TacticChoice choice{candidates[0], 0, static_cast<int>(candidates.size())};
  if (candidates.size() == 1 || timingIterations <= 0) return choice;
  double best = 1e300;
  for (const KernelCandidate* k : candidates) {
    auto kernel = k->create(setup);
    double us = timeKernel(*kernel, setup, timingIterations, pool);
    if (us < best) {
      best = us;
      choice.kernel = k;
      choice.microseconds = us;
    }
  }
  return choice;
}

}  // namespace int8rt

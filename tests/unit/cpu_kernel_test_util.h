// Helpers for the CPU kernel tests: build a one-layer setup, run a named kernel on given inputs
// at a run batch below the setup batch, fill tensors with random never-zero values, compare.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "int8rt/network.h"

namespace int8rt::cpu::test {

inline Layer makeLayer(LayerParams params, int nbInputs, const std::string& name = "layer") {
  Layer l;
  l.name = name;
  l.params = std::move(params);
  for (int i = 0; i < nbInputs; ++i) l.inputs.push_back(i);
  l.outputs.push_back(nbInputs);
  return l;
}

// Uniform in +-[0.1, 1]: never zero, so a kernel that skips a term cannot pass by luck.
inline std::vector<float> randomValues(int64_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(0.1f, 1.f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = scale * (sign(rng) ? mag(rng) : -mag(rng));
  return v;
}

inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline Shape withBatch(Shape s, int64_t n) {
  s[0] = n;
  return s;
}

inline KernelSetup makeSetup(const Layer& layer, const std::vector<Shape>& inputShapes) {
  KernelSetup s;
  s.layer = &layer;
  s.inputShapes = inputShapes;
  s.outputShapes = inferLayerShapes(layer, inputShapes);
  s.inputTypes.assign(inputShapes.size(), DataType::kFLOAT);
  s.outputTypes.assign(s.outputShapes.size(), DataType::kFLOAT);
  s.inputScales.assign(inputShapes.size(), 0.f);
  s.outputScales.assign(s.outputShapes.size(), 0.f);
  return s;
}

// Creates kernel `name` for the layer at setupShapes and runs it at runShapes (same rank; the
// batch may be smaller). The output starts as NaN so that unwritten elements fail comparisons.
inline std::vector<float> runKernel(const std::string& name, const Layer& layer,
                                    const std::vector<Shape>& setupShapes,
                                    const std::vector<Shape>& runShapes,
                                    const std::vector<std::vector<float>>& inputs,
                                    ThreadPool* pool = nullptr, Shape* outShape = nullptr) {
  const KernelCandidate* k = findCpuKernel(name);
  if (!k) {
    ADD_FAILURE() << "no kernel named " << name;
    return {};
  }
  KernelSetup setup = makeSetup(layer, setupShapes);
  if (!k->supports(setup, cpuFeatures())) {
    ADD_FAILURE() << name << " does not support layer " << layer.name;
    return {};
  }
  std::unique_ptr<CpuKernel> kernel = k->create(setup);
  Shape out = inferLayerShapes(layer, runShapes).at(0);
  std::vector<float> y(static_cast<size_t>(count(out)), NAN);
  std::vector<uint8_t> workspace(kernel->workspaceBytes() + 64);
  RunArgs args;
  for (size_t i = 0; i < inputs.size(); ++i)
    args.inputs.push_back({const_cast<float*>(inputs[i].data()), runShapes[i], DataType::kFLOAT});
  args.outputs.push_back({y.data(), out, DataType::kFLOAT});
  args.pool = pool;
  args.workspace = workspace.data();
  kernel->run(args);
  if (outShape) *outShape = out;
  return y;
}

// Every element within atol + rtol * |expected|; reports the first few mismatches.
inline ::testing::AssertionResult allNear(const std::vector<float>& actual,
                                          const std::vector<float>& expected, float atol,
                                          float rtol = 0.f) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << "sizes differ: " << actual.size() << " vs " << expected.size();
  int bad = 0;
  ::testing::AssertionResult r = ::testing::AssertionFailure();
  for (size_t i = 0; i < actual.size(); ++i) {
    const float tol = atol + rtol * std::fabs(expected[i]);
    if (!(std::fabs(actual[i] - expected[i]) <= tol)) {
      if (bad < 5) r << "[" << i << "] " << actual[i] << " vs " << expected[i] << "; ";
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return r << bad << " of " << actual.size() << " differ";
}

}  // namespace int8rt::cpu::test

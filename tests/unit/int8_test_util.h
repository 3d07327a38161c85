// Helpers for the INT8 kernel tests: one-layer setups with INT8/FP32 types and scales, running a
// named INT8 candidate on raw bytes at a batch below the setup's, random int8 data, comparisons.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/int8/int8_kernels.h"
#include "backends/cpu/kernel.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "int8rt/network.h"

namespace int8rt::cpu::int8test {

inline const KernelCandidate* findInt8Kernel(const std::string& name) {
  static const std::vector<KernelCandidate> all = [] {
    std::vector<KernelCandidate> v;
    appendInt8Kernels(v);
    return v;
  }();
  for (const auto& k : all)
    if (name == k.name) return &k;
  return nullptr;
}

inline bool haveAvx2() { return cpuFeatures().avx2 && cpuFeatures().fma; }

#define INT8_REQUIRE_AVX2() \
  if (!::int8rt::cpu::int8test::haveAvx2()) GTEST_SKIP() << "CPU has no AVX2/FMA"

inline Layer makeLayer(LayerParams params, int nbInputs, const std::string& name = "layer") {
  Layer l;
  l.name = name;
  l.params = std::move(params);
  for (int i = 0; i < nbInputs; ++i) l.inputs.push_back(i);
  l.outputs.push_back(nbInputs);
  return l;
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

// INT8 inputs with the given scales; output INT8 with outScale, or FP32 when outScale == 0.
inline KernelSetup makeSetup(const Layer& layer, const std::vector<Shape>& inputShapes,
                             const std::vector<float>& inScales, float outScale) {
  KernelSetup s;
  s.layer = &layer;
  s.inputShapes = inputShapes;
  s.outputShapes = inferLayerShapes(layer, inputShapes);
  s.inputTypes.assign(inputShapes.size(), DataType::kINT8);
  s.inputScales = inScales;
  s.outputTypes = {outScale > 0.f ? DataType::kINT8 : DataType::kFLOAT};
  s.outputScales = {outScale};
  return s;
}

struct Tensor8 {
  Shape shape;
  DataType type = DataType::kINT8;
  std::vector<uint8_t> bytes;  // raw storage (int8 or float)
  const int8_t* i8() const { return reinterpret_cast<const int8_t*>(bytes.data()); }
  const float* f32() const { return reinterpret_cast<const float*>(bytes.data()); }
  std::vector<int8_t> asInt8() const { return std::vector<int8_t>(i8(), i8() + count(shape)); }
  std::vector<float> asFloat() const { return std::vector<float>(f32(), f32() + count(shape)); }
};

inline Tensor8 int8Tensor(const Shape& s, const std::vector<int8_t>& v) {
  Tensor8 t;
  t.shape = s;
  t.bytes.assign(reinterpret_cast<const uint8_t*>(v.data()),
                 reinterpret_cast<const uint8_t*>(v.data()) + v.size());
  return t;
}

inline Tensor8 floatTensor(const Shape& s, const std::vector<float>& v) {
  Tensor8 t;
  t.shape = s;
  t.type = DataType::kFLOAT;
  t.bytes.resize(v.size() * sizeof(float));
  std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}

// Creates kernel `name` for `setup` and runs it on `inputs` (their shapes are the run shapes).
// The output is pre-filled with a pattern so that unwritten elements show up.
inline Tensor8 runInt8Kernel(const std::string& name, const KernelSetup& setup,
                             const std::vector<Tensor8>& inputs, ThreadPool* pool = nullptr) {
  Tensor8 out;
  const KernelCandidate* k = findInt8Kernel(name);
  if (!k) {
    ADD_FAILURE() << "no INT8 kernel named " << name;
    return out;
  }
  EXPECT_EQ(k->precision, DataType::kINT8);
  if (!k->supports(setup, cpuFeatures())) {
    ADD_FAILURE() << name << " does not support layer " << setup.layer->name;
    return out;
  }
  std::unique_ptr<CpuKernel> kernel = k->create(setup);
  std::vector<Shape> runShapes;
  for (const auto& t : inputs) runShapes.push_back(t.shape);
  out.shape = inferLayerShapes(*setup.layer, runShapes).at(0);
  out.type = setup.outputTypes[0];
  const size_t elem = out.type == DataType::kINT8 ? 1 : sizeof(float);
  out.bytes.assign(static_cast<size_t>(count(out.shape)) * elem, 0x5a);
  std::vector<uint8_t> ws(kernel->workspaceBytes() + 128);
  void* wsAligned = ws.data() + (64 - reinterpret_cast<uintptr_t>(ws.data()) % 64) % 64;
  RunArgs args;
  for (const auto& t : inputs)
    args.inputs.push_back({const_cast<uint8_t*>(t.bytes.data()), t.shape, t.type});
  args.outputs.push_back({out.bytes.data(), out.shape, out.type});
  args.pool = pool;
  args.workspace = wsAligned;
  kernel->run(args);
  return out;
}

// Random int8 values in [lo, hi], never 0 (a skipped term cannot pass by luck).
inline std::vector<int8_t> randomInt8(int64_t n, uint32_t seed, int lo = -128, int hi = 127) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(static_cast<size_t>(n));
  for (auto& x : v) {
    int t;
    do t = d(rng);
    while (t == 0);
    x = static_cast<int8_t>(t);
  }
  return v;
}

inline std::vector<float> randomFloats(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    do x = d(rng);
    while (x == 0.f);
  }
  return v;
}

// Byte-identical outputs; reports the first mismatches with both values.
inline ::testing::AssertionResult sameBytes(const Tensor8& a, const Tensor8& b) {
  if (a.shape != b.shape || a.type != b.type || a.bytes.size() != b.bytes.size())
    return ::testing::AssertionFailure() << "shapes or types differ";
  ::testing::AssertionResult r = ::testing::AssertionFailure();
  int bad = 0;
  const int64_t n = count(a.shape);
  for (int64_t i = 0; i < n; ++i) {
    bool eq;
    double va, vb;
    if (a.type == DataType::kINT8) {
      va = a.i8()[i], vb = b.i8()[i];
      eq = a.i8()[i] == b.i8()[i];
    } else {
      va = a.f32()[i], vb = b.f32()[i];
      eq = std::memcmp(a.f32() + i, b.f32() + i, 4) == 0;
    }
    if (!eq && bad++ < 6) r << "[" << i << "] " << va << " vs " << vb << "; ";
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return r << bad << " of " << n << " differ";
}

}  // namespace int8rt::cpu::int8test

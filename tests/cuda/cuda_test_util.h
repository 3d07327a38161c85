// Helpers for the CUDA kernel tests: run one CUDA kernel and its CPU oracle on the same host
// tensors and compare. Every test starts with I8RT_REQUIRE_GPU(), which skips with the reason
// on a machine without a GPU (CI); `ctest -L cuda` runs them on the device.
#pragma once
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/cuda_kernel.h"
#include "backends/cuda/device_buffer.h"
#include "builder/memory_planner.h"
#include "unit/cpu_kernel_test_util.h"

#define I8RT_REQUIRE_GPU()                                                 \
  do {                                                                     \
    const ::int8rt::cuda::DeviceInfo& d_ = ::int8rt::cuda::currentDevice(); \
    if (!d_.present) GTEST_SKIP() << d_.absentReason;                      \
  } while (0)

namespace int8rt::cuda::test {

inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// A host tensor of any engine type; values() reads it as float (INT8: the integer q).
struct HostTensor {
  Shape shape;
  DataType type = DataType::kFLOAT;
  std::vector<uint8_t> bytes;

  HostTensor() = default;
  HostTensor(Shape s, DataType t) : shape(std::move(s)), type(t) {
    bytes.resize(static_cast<size_t>(count(shape)) * elementSize(type));
  }
  int64_t size() const { return count(shape); }
  std::vector<float> values() const {
    std::vector<float> v(static_cast<size_t>(size()));
    for (size_t i = 0; i < v.size(); ++i) {
      if (type == DataType::kFLOAT) std::memcpy(&v[i], &bytes[i * 4], 4);
      if (type == DataType::kINT8) v[i] = static_cast<int8_t>(bytes[i]);
      if (type == DataType::kHALF) {
        __half h;
        std::memcpy(&h, &bytes[i * 2], 2);
        v[i] = __half2float(h);
      }
    }
    return v;
  }
  // Stores v (rounded to half, or to the nearest int8 with saturation) in this tensor's type.
  void setValues(const std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (type == DataType::kFLOAT) std::memcpy(&bytes[i * 4], &v[i], 4);
      if (type == DataType::kINT8)
        bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(std::fmax(-128.f, std::fmin(127.f, std::nearbyint(v[i])))));
      if (type == DataType::kHALF) {
        __half h = __float2half(v[i]);
        std::memcpy(&bytes[i * 2], &h, 2);
      }
    }
  }
};

// Never zero: FP32/FP16 uniform in +-[0.1, 1] * scale; INT8 uniform in [-128, 127] minus 0.
inline HostTensor randomTensor(const Shape& shape, DataType type, uint32_t seed, float scale = 1.f) {
  HostTensor t(shape, type);
  std::mt19937 rng(seed);
  std::vector<float> v(static_cast<size_t>(t.size()));
  if (type == DataType::kINT8) {
    std::uniform_int_distribution<int> q(-128, 126);
    for (float& x : v) {
      int r = q(rng);
      x = static_cast<float>(r >= 0 ? r + 1 : r);
    }
  } else {
    std::uniform_real_distribution<float> mag(0.1f, 1.f);
    std::bernoulli_distribution sign(0.5);
    for (float& x : v) x = scale * (sign(rng) ? mag(rng) : -mag(rng));
  }
  t.setValues(v);
  return t;
}

// Runs CUDA kernel `name` (configuration `config`) created for `setup` on `inputs` (their shapes
// are the run's: the batch may be below the setup's). The outputs are poisoned before the run
// (0xFF: NaN in FP32/FP16, -1 in INT8) and, for INT8 outputs, run a second time poisoned 0x00:
// an element the kernel does not write then differs between the runs and fails the test.
inline std::vector<HostTensor> runCuda(const std::string& name, const std::string& config,
                                       const KernelSetup& setup,
                                       const std::vector<HostTensor>& inputs) {
  const Candidate* c = findKernel(name);
  if (!c) {
    ADD_FAILURE() << "no CUDA kernel named " << name;
    return {};
  }
  if (!accepts(*c, setup, currentDevice())) {
    ADD_FAILURE() << name << " does not support layer " << setup.layer->name;
    return {};
  }
  std::unique_ptr<Kernel> k = c->create(setup, config);
  std::vector<Shape> runIn;
  for (const HostTensor& t : inputs) runIn.push_back(t.shape);
  std::vector<Shape> runOut = inferLayerShapes(*setup.layer, runIn);

  std::vector<DeviceBuffer> in, out;
  RunArgs args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.emplace_back(inputs[i].bytes.size() + 1, "test input");
    in.back().upload(inputs[i].bytes.data(), inputs[i].bytes.size());
    args.inputs.push_back({in.back().get(), inputs[i].shape, inputs[i].type});
  }
  std::vector<HostTensor> result;
  for (size_t i = 0; i < runOut.size(); ++i) {
    result.emplace_back(runOut[i], setup.outputTypes[i]);
    out.emplace_back(result.back().bytes.size() + 1, "test output");
    args.outputs.push_back({out.back().get(), runOut[i], setup.outputTypes[i]});
  }
  DeviceBuffer ws(k->workspaceBytes(), "test workspace");
  args.workspace = ws.get();
  cudaStream_t stream;
  checkCuda(cudaStreamCreate(&stream), "cudaStreamCreate");
  args.stream = stream;
  bool anyInt8 = false;
  for (DataType t : setup.outputTypes) anyInt8 |= t == DataType::kINT8;
  for (int pass = 0; pass < (anyInt8 ? 2 : 1); ++pass) {
    for (DeviceBuffer& b : out) checkCuda(cudaMemset(b.get(), pass == 0 ? 0xFF : 0x00, b.bytes()), "poison");
    k->enqueue(args);
    checkCuda(cudaStreamSynchronize(stream), "kernel ", name);
    for (size_t i = 0; i < out.size(); ++i) {
      std::vector<uint8_t> got(result[i].bytes.size());
      checkCuda(cudaMemcpy(got.data(), out[i].get(), got.size(), cudaMemcpyDeviceToHost), "download");
      if (pass == 1 && got != result[i].bytes)
        ADD_FAILURE() << name << ": output " << i << " has elements the kernel did not write";
      result[i].bytes = std::move(got);
    }
  }
  cudaStreamDestroy(stream);
  return result;
}

// Runs CPU kernel `name` (the oracle) for the same setup. FP16 tensors are handed to it as FP32
// (the CPU has no FP16 kernels): the oracle computes in float on the half-rounded inputs.
inline std::vector<HostTensor> runCpu(const std::string& name, KernelSetup setup,
                                      const std::vector<HostTensor>& inputs) {
  const KernelCandidate* k = findCpuKernel(name);
  if (!k) {
    ADD_FAILURE() << "no CPU kernel named " << name;
    return {};
  }
  for (DataType& t : setup.inputTypes) if (t == DataType::kHALF) t = DataType::kFLOAT;
  for (DataType& t : setup.outputTypes) if (t == DataType::kHALF) t = DataType::kFLOAT;
  if (!k->supports(setup, cpuFeatures())) {
    ADD_FAILURE() << name << " does not support layer " << setup.layer->name;
    return {};
  }
  std::unique_ptr<CpuKernel> kernel = k->create(setup);
  std::vector<HostTensor> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].type == DataType::kHALF) {
      HostTensor f(inputs[i].shape, DataType::kFLOAT);
      f.setValues(inputs[i].values());
      in.push_back(std::move(f));
    } else {
      in.push_back(inputs[i]);
    }
  }
  std::vector<Shape> runIn;
  for (const HostTensor& t : in) runIn.push_back(t.shape);
  std::vector<Shape> runOut = inferLayerShapes(*setup.layer, runIn);
  std::vector<HostTensor> out;
  std::vector<uint8_t> workspace(kernel->workspaceBytes() + 64);
  ::int8rt::RunArgs args;
  for (HostTensor& t : in) args.inputs.push_back({t.bytes.data(), t.shape, t.type});
  for (size_t i = 0; i < runOut.size(); ++i) out.emplace_back(runOut[i], setup.outputTypes[i]);
  for (HostTensor& t : out) args.outputs.push_back({t.bytes.data(), t.shape, t.type});
  args.workspace = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(workspace.data()) + 63) & ~uintptr_t(63));
  kernel->run(args);
  return out;
}

// Every element within atol + rtol * |expected| (NaN never passes): the CPU tests' check.
using ::int8rt::cpu::test::allNear;

}  // namespace int8rt::cuda::test

// The CPU kernel interface and registry. Per layer kind, an ordered list of candidates (fast
// first, the scalar reference last and always present); the builder times the supported ones
// and records the winner's name in the plan.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "int8rt/network.h"
#include "int8rt/tensor_format.h"

namespace int8rt {

// What a kernel is created for: the layer (after fusion), its shapes at the max batch, and the
// data type and INT8 scale (amax / 127) of each input and output.
struct KernelSetup {
  const Layer* layer = nullptr;
  std::vector<Shape> inputShapes;
  std::vector<Shape> outputShapes;
  std::vector<DataType> inputTypes;
  std::vector<DataType> outputTypes;
  std::vector<float> inputScales;   // meaningful where the type is kINT8
  std::vector<float> outputScales;
  // Memory format of each input and output; empty (or shorter) means kLINEAR. CPU setups are
  // always linear; CUDA candidates declare the formats they take (cuda::Candidate::formats).
  std::vector<TensorFormat> inputFormats;
  std::vector<TensorFormat> outputFormats;
  TensorFormat inputFormat(size_t i) const {
    return i < inputFormats.size() ? inputFormats[i] : TensorFormat::kLINEAR;
  }
  TensorFormat outputFormat(size_t i) const {
    return i < outputFormats.size() ? outputFormats[i] : TensorFormat::kLINEAR;
  }
};

struct TensorRef {
  void* data = nullptr;
  Shape shape;  // actual shape of this run (batch may be below the max)
  DataType type = DataType::kFLOAT;
  // Shallow constness, like a pointer: kernels get `const RunArgs&` yet write their outputs.
  float* f32() const { return static_cast<float*>(data); }
  int8_t* i8() const { return static_cast<int8_t*>(data); }
};

struct RunArgs {
  std::vector<TensorRef> inputs;
  std::vector<TensorRef> outputs;
  ThreadPool* pool = nullptr;
  void* workspace = nullptr;  // workspaceBytes() bytes, 64-byte aligned
};

class CpuKernel {
 public:
  virtual ~CpuKernel() = default;
  // Scratch memory needed for a run at the setup's (max) shapes.
  virtual size_t workspaceBytes() const { return 0; }
  virtual void run(const RunArgs& args) = 0;
};

struct KernelCandidate {
  const char* name;  // says everything: "conv2d_fp32_im2col_gemm_6x16_avx2"
  LayerKind kind;
  DataType precision;  // the compute precision: kFLOAT or kINT8
  bool (*supports)(const KernelSetup& setup, const CpuFeatures& cpu);
  std::unique_ptr<CpuKernel> (*create)(const KernelSetup& setup);
};

// All candidates, fast ones first per kind, the reference ("<kind>_ref") last.
const std::vector<KernelCandidate>& cpuKernelRegistry();
const KernelCandidate* findCpuKernel(const std::string& name);  // nullptr when unknown

}  // namespace int8rt

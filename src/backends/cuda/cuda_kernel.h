// The CUDA kernel interface and registry, the GPU twin of backends/cpu/kernel.h. A kernel is
// created from the same KernelSetup as a CPU kernel (layer after fusion, shapes at the max
// batch, type, INT8 scale and memory format of every tensor); tensors are in device memory, of
// type kFLOAT, kHALF or kINT8 and format kLINEAR (NCHW) or kNHWC as the setup says. The CPU
// reference of the same layer is the oracle.
#pragma once
#include <cuda_runtime_api.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"
#include "backends/cuda/cuda_device.h"

namespace int8rt::cuda {

struct RunArgs {
  std::vector<TensorRef> inputs;   // device pointers, actual shapes (batch may be below the max)
  std::vector<TensorRef> outputs;
  void* workspace = nullptr;       // workspaceBytes() bytes of device memory, 256-byte aligned
  cudaStream_t stream = nullptr;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Device scratch memory needed for a run at the setup's (max) shapes.
  virtual size_t workspaceBytes() const { return 0; }
  // Enqueues the layer on args.stream. Must not synchronize, allocate or free: contexts capture
  // the whole network into a CUDA graph. Launch errors are checked (checkLaunch) and thrown.
  virtual void enqueue(const RunArgs& args) = 0;
};

// The tensor formats a candidate takes, checked by accepts() before its supports(): a kernel
// that says nothing is kLinearOnly, so none can read an NHWC tensor as NCHW by omission.
enum class FormatRule : uint8_t {
  kLinearOnly,   // every input and output kLINEAR (the default)
  kNhwcOnly,     // every input and output kNHWC
  kSameFormat,   // any format, all inputs and outputs the same one (supports() may narrow it)
  kOwnCheck,     // supports() checks the formats itself (layout reformats)
};

struct Candidate {
  const char* name;     // unique across CPU and CUDA: "cuda_conv2d_int8_imma_implicit_gemm"
  LayerKind kind;
  DataType precision;   // compute precision: kFLOAT, kHALF or kINT8
  bool (*supports)(const KernelSetup& setup, const DeviceInfo& device);
  // The configurations the builder times (tile shapes, a cuBLASLt algorithm...), each a short
  // string that create() parses back; null means one configuration, "". The winner's string is
  // stored in the plan beside the kernel name.
  std::vector<std::string> (*configs)(const KernelSetup& setup, const DeviceInfo& device);
  // Uploads weights (quantized / converted as the precision needs) and prepares the launch.
  // Throws int8rt::Error for a config string it cannot parse (a corrupt plan).
  std::unique_ptr<Kernel> (*create)(const KernelSetup& setup, const std::string& config);
  FormatRule formats = FormatRule::kLinearOnly;
  // Where the candidate depends on a library loaded at run time (cuDNN): "" when it is usable
  // here, else one line saying why not, for the error of a plan that names it. Null: always "".
  const std::string& (*unavailableReason)() = nullptr;
};

// Whether the setup's tensor formats are ones the rule allows.
bool formatsAllowed(FormatRule rule, const KernelSetup& setup);
// The one question every caller asks of a candidate: its formats rule, then its supports().
bool accepts(const Candidate& c, const KernelSetup& setup, const DeviceInfo& device);

// Every CUDA candidate, fastest first within a layer kind and precision.
const std::vector<Candidate>& registry();
const Candidate* findKernel(const std::string& name);  // nullptr when unknown

// The candidates' configurations, or {""} when the candidate has none.
std::vector<std::string> configsOf(const Candidate& c, const KernelSetup& setup,
                                   const DeviceInfo& device);

}  // namespace int8rt::cuda

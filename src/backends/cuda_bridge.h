// What the device-independent code (builder, runtime, CLI) may ask of the CUDA backend. The
// CUDA build implements it in src/backends/cuda/, a build without CUDA in src/backends/no_cuda/
// (every answer there is "this build has no CUDA backend"), so no other file needs #ifdefs.
// Nothing here names a CUDA type: this header is included by code compiled without CUDA.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt {
class EngineBackend;
class EngineImpl;
}  // namespace int8rt

namespace int8rt::cudabridge {

bool built();                     // this binary contains the CUDA backend
std::string unavailableReason();  // "" when a GPU can run engines, else one line saying why
bool hasFastFp16();               // compute capability >= 5.3 (TensorRT's rule)
bool hasFastInt8();               // compute capability >= 6.1 (dp4a; IMMA from 7.5)

// The current GPU; only meaningful when unavailableReason() is "".
int deviceSm();                   // 90 for sm_90
std::string deviceName();         // "NVIDIA H100 80GB HBM3"

// The CUDA backend of an engine loaded from a CUDA plan: checks the GPU and its architecture
// against the plan, creates every kernel with its configuration, uploads the constants.
// Throws int8rt::Error "<source>: <reason>".
std::unique_ptr<EngineBackend> createEngineBackend(const EngineImpl& engine,
                                                   const std::string& source);

// Precision assignment: whether a CUDA kernel of `precision` exists for a layer kind, and
// whether one supports a layer with the types and shapes of `setup` on this GPU.
bool hasKernels(LayerKind kind, DataType precision);
bool someKernelSupports(const KernelSetup& setup, DataType precision);

// Tactic selection on the GPU: every supported candidate of `precision` in every configuration,
// timed with CUDA events on random device data (`setup` is at the max batch). `forced` names a
// kernel to take without timing ("" for none). Identity layers (reformats) accept a kernel of
// any precision when none of `precision` supports them. alwaysTime: time the winner even when
// it is the only tactic (the layout pass compares sums of layer times).
struct CudaTactic {
  std::string kernel;
  std::string config;
  double microseconds = 0;  // the winner's time (0 when not timed)
  int candidates = 0;       // kernel x configuration pairs considered
};
CudaTactic chooseTactic(const KernelSetup& setup, DataType precision, int timingIterations,
                        const std::string& forced, bool alwaysTime = false);

// A run of consecutive layers (setups at the max batch, each layer reading the one before) as
// one fused kernel, kChainKernel (backends/cuda/chain/): `rejection` says why it cannot run
// them ("" when it can); otherwise the best configuration's time and, in the same way, the time
// of the run's own kernels (kernels[i] with configs[i]; reshape_alias launches nothing) as one
// CUDA graph, so that the builder keeps the faster.
inline constexpr const char* kChainKernel = "cuda_int8_chain";
struct CudaChain {
  std::string rejection;
  std::string config;
  double chainMicroseconds = 0, layersMicroseconds = 0;
};
CudaChain timeChain(const std::vector<KernelSetup>& layers, const std::vector<std::string>& kernels,
                    const std::vector<std::string>& configs, int timingIterations);

}  // namespace int8rt::cudabridge

// The plan file: what the builder decided, in a versioned, checksummed container.
//   bytes 0-7   magic "I8RTPLAN"
//   u32         format version (kPlanFormatVersion)
//   u32         engine version that wrote it (INT8RT_VERSION_NUMBER)
//   u64         payload size
//   u32         CRC-32 of the three fields above and the payload
//   payload     archive of PlanData (see plan.cpp)
// Readers check all of it before use: a corrupt, truncated or foreign plan is a clear error.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/network.h"

namespace int8rt {

// 2: per-layer kernel configurations and the CUDA architecture, appended after the metadata;
//    ConvolutionParams::fusedMaxPool after the convolution's activation; builder fusions
//    (an FP32 tensor's quantize scale, reshape aliases: see PlanData).
// 3: per-tensor memory formats (tensorFormats), appended after the CUDA architecture;
//    FullyConnectedParams::fusedSoftmax after the layer's activation.
// Version 1 plans (CPU only) still load: their configurations are empty, sm is 0, no fusions;
// version 1 and 2 plans are all kLINEAR.
constexpr uint32_t kPlanFormatVersion = 3;

// The kernel name of a Shuffle layer that is a pure reshape whose output shares its input's
// arena memory (same offset): nothing runs for it. See plan/reshape_alias.h.
inline constexpr const char* kReshapeAliasKernel = "reshape_alias";

// Fused runs of layers (CUDA: cuda_int8_chain): the run's first layer names the fused kernel
// with configuration "<kernel's own configuration>,layers=N", and the N - 1 layers after it
// name kChainMemberKernel; nothing runs for them, and their outputs except the last are never
// written (the first layer's kernel writes the last member's output).
inline constexpr const char* kChainMemberKernel = "chain_member";

struct PlanData {
  DeviceType device = DeviceType::kCPU;
  std::string requiredCpuFeatures;  // e.g. "avx2 fma": the loader refuses a CPU without them
  int64_t maxBatchSize = 1;
  // The optimized network in canonical order: inputs first, then layers; tensor ids follow.
  Network network;
  std::vector<std::string> kernels;      // chosen kernel per layer
  std::vector<DataType> tensorTypes;     // per tensor
  // Per tensor: an INT8 tensor's scale (amax/127). An FP32 tensor has 0, except one that an
  // INT8 layer reads directly and quantizes as it loads it (the builder fused the quantize
  // reformat away): its scale is the one to quantize with, and that layer is its only reader.
  // Its FP32 values are what observers see; only the reading layer's KernelSetup gets the scale.
  std::vector<float> tensorScales;
  std::vector<int64_t> arenaOffsets;     // per tensor: byte offset in the arena, -1 = not in it
  int64_t arenaBytes = 0;
  std::vector<std::pair<std::string, std::string>> metadata;  // free-form, shown by inspect
  // Per layer: the chosen kernel's configuration (cuda::Candidate::configs; "" for CPU kernels).
  std::vector<std::string> kernelConfigs;
  // CUDA plans: compute capability the kernels were chosen on (90 = sm_90); 0 for CPU plans.
  int32_t cudaSm = 0;
  // Per tensor: its memory format (int8rt/tensor_format.h). Bindings are kLINEAR; CPU plans are
  // all kLINEAR. Empty means all kLINEAR (the loader fills it in).
  std::vector<TensorFormat> tensorFormats;
};

// formatVersion: the newest by default; 1 writes what format 1 could say (tests of old-plan
// loading), refusing plans that need more.
std::vector<uint8_t> serializePlan(const PlanData& plan, uint32_t formatVersion = kPlanFormatVersion);
// Throws int8rt::Error "<source>: <reason>" on any problem.
PlanData deserializePlan(const std::vector<uint8_t>& bytes, const std::string& source);

// Rebuilds `net` with inputs first and layers in order, dropping layers that no output needs.
// tensorMap (optional): old tensor id -> new id, -1 for tensors dropped.
Network canonicalizeNetwork(const Network& net, std::vector<TensorId>* tensorMap = nullptr);

}  // namespace int8rt

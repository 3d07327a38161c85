// Builder: turns a Network into a serialized plan for one device and set of precisions.
// Steps: validate, fold/fuse, calibrate (INT8), assign precision per layer, time kernel
// candidates per layer (tactics), plan memory, serialize.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"
#include "int8rt/tensor_format.h"

namespace int8rt {

class IInt8Calibrator;

enum class DeviceType : uint8_t { kCPU = 0, kCUDA = 1 };
const char* deviceName(DeviceType d);

struct BuilderConfig {
  int64_t maxBatchSize = 1;
  bool fp16 = false;
  bool int8 = false;
  IInt8Calibrator* calibrator = nullptr;  // INT8: the source of activation scales
  // Per-layer precision overrides by layer name (kFLOAT or kINT8 on the CPU).
  std::map<std::string, DataType> layerPrecision;
  // Debug: force a kernel by name for a layer ("layer name" -> "kernel name").
  std::map<std::string, std::string> forcedKernels;
  DeviceType device = DeviceType::kCPU;
  int timingIterations = 3;  // per tactic candidate; 0 skips timing and takes the first candidate
  int threads = 0;           // 0 = all cores
  // Memory layout of the tensors between bindings (CUDA builds; see tensor_format.h).
  LayoutPolicy layout = LayoutPolicy::kAUTO;
  std::function<void(const std::string&)> log;  // progress and warnings; null = silent
};

// Whether the machine that builds can run a precision fast (TensorRT's platformHasFast*).
bool platformHasFastFp16(DeviceType device = DeviceType::kCPU);
bool platformHasFastInt8(DeviceType device = DeviceType::kCPU);

// Builds and serializes. The message of a failed Status names the layer or tensor at fault.
Result<std::vector<uint8_t>> buildSerializedNetwork(const Network& network,
                                                     const BuilderConfig& config);

}  // namespace int8rt

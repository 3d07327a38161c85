// What every own INT8 fully connected kernel prepares in create(): the weights quantized per
// output channel exactly as the CPU INT8 kernels do (weight_quant.h, host copy for the kernel's
// own packing) and the epilogue constants (int8_layer.h) uploaded to the device.
#pragma once
#include <string>

#include "backends/cpu/int8/weight_quant.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/gemm/fc_common.h"
#include "backends/cuda/gemm/gemm_kernels.h"

namespace int8rt::cuda {

struct FcInt8Constants {
  cpu::QuantizedWeights weights;  // host, [k][c]
  DeviceBuffer mult, bias;        // per output channel
  DeviceInt8Epilogue epi;         // points into mult and bias
};

inline FcInt8Constants makeFcInt8Constants(const KernelSetup& s, const FcDims& dims,
                                           const std::string& name) {
  const auto& p = s.layer->as<FullyConnectedParams>();
  FcInt8Constants c;
  c.weights = cpu::quantizeWeightsPerChannel(p.weights.values.data(), dims.k, dims.c);
  const cpu::i8::EpilogueParams ep =
      cpu::i8::makeEpilogueParams(s, c.weights.scales, p.bias, p.activation, name);
  c.mult = DeviceBuffer(ep.mult.size() * sizeof(float), "fully connected INT8 multipliers");
  c.mult.upload(ep.mult.data(), c.mult.bytes());
  c.bias = DeviceBuffer(ep.bias.size() * sizeof(float), "fully connected INT8 bias");
  c.bias.upload(ep.bias.data(), c.bias.bytes());
  c.epi = {c.mult.as<float>(), c.bias.as<float>(), toDevice(ep.act), ep.outInt8, ep.outInvScale};
  return c;
}

}  // namespace int8rt::cuda

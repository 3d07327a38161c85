// cuda_int8_chain: a run of INT8 layers as one kernel (chain_params.h). The builder offers it
// for a run that chainRejection() accepts, times it against the run's own kernels and keeps
// the faster; the plan names it on the run's first layer with the run's length, and the other
// layers of the run as chain members (plan.h, kChainMemberKernel).
#include "backends/cuda/chain/chain_kernel_host.h"

#include <cstring>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/chain/chain_launch.h"
#include "backends/cuda/chain/chain_setup.h"
#include "backends/cuda/device_buffer.h"
#include "core/error.h"

namespace int8rt::cuda::chain {

namespace {

class ChainKernel final : public Kernel {
 public:
  ChainKernel(const std::vector<KernelSetup>& layers, const std::string& config)
      : plan_(planChain(layers, config)),
        name_(layers.front().layer->name + " .. " + layers.back().layer->name) {
    const KernelSetup& first = layers.front();
    const KernelSetup& last = layers.back();
    maxBatch_ = first.inputShapes[0][0];
    inPerImage_ = cpu::product(first.inputShapes[0], 1, first.inputShapes[0].size());
    outPerImage_ = cpu::product(last.outputShapes[0], 1, last.outputShapes[0].size());
    weights_ = DeviceBuffer(plan_.weights.size(), "chain weights");
    weights_.upload(plan_.weights.data(), plan_.weights.size());
    taps_ = DeviceBuffer(std::max<size_t>(1, plan_.taps.size()) * sizeof(uint16_t), "chain tap tables");
    if (!plan_.taps.empty()) taps_.upload(plan_.taps.data(), plan_.taps.size() * sizeof(uint16_t));
    consts_ = DeviceBuffer(plan_.consts.size() * sizeof(float), "chain epilogue constants");
    consts_.upload(plan_.consts.data(), plan_.consts.size() * sizeof(float));
    ChainLaunch& l = plan_.launch;
    for (int s = 0; s < l.nConv; ++s) {
      l.conv[s].weights = weights_.as<int8_t>() + plan_.convWeights[s];
      l.conv[s].taps = taps_.as<uint16_t>() + plan_.convTaps[s];
      l.conv[s].consts = consts_.as<float>() + plan_.convConsts[s];
    }
    for (int f = 0; f < l.nFc; ++f) {
      l.fc[f].weights = weights_.as<int8_t>() + plan_.fcWeights[f];
      l.fc[f].consts = consts_.as<float>() + plan_.fcConsts[f];
    }
    // The stages' fields, read from shared memory by the kernel (ChainLaunch::deviceCopy).
    std::vector<unsigned char> copy(static_cast<size_t>(l.launchBytes), 0);
    std::memcpy(copy.data(), &l, sizeof(ChainLaunch));
    launchCopy_ = DeviceBuffer(copy.size(), "chain launch copy");
    launchCopy_.upload(copy.data(), copy.size());
    l.deviceCopy = launchCopy_.as<unsigned char>();
    check(prepareChain(l.smemBytes) >= 1, "cuda_int8_chain: ", l.smemBytes,
          " bytes of shared memory per CTA do not fit an SM");
    if (l.cluster > 1)
      check(maxActiveClusters(l) >= 1, "cuda_int8_chain: a cluster of ", l.cluster,
            " CTAs cannot be scheduled on this GPU");
  }

  void enqueue(const RunArgs& a) override {
    const Shape& xs = a.inputs.at(0).shape;
    const Shape& ys = a.outputs.at(0).shape;
    check(!xs.empty() && !ys.empty() && xs[0] == ys[0] && xs[0] >= 0 && xs[0] <= maxBatch_ &&
              cpu::product(xs, 1, xs.size()) == inPerImage_ &&
              cpu::product(ys, 1, ys.size()) == outPerImage_,
          "chain '", name_, "': run shapes ", cpu::shapeText(xs), " -> ", cpu::shapeText(ys),
          " do not match the chain");
    ChainLaunch l = plan_.launch;
    l.x = a.inputs[0].data;
    l.y = a.outputs[0].data;
    l.batch = static_cast<int>(xs[0]);
    launchChain(l, a.stream);
  }

 private:
  ChainPlan plan_;
  std::string name_;
  int64_t maxBatch_ = 0, inPerImage_ = 0, outPerImage_ = 0;
  DeviceBuffer weights_, taps_, consts_, launchCopy_;
};

}  // namespace

std::unique_ptr<Kernel> createChainKernel(const std::vector<KernelSetup>& layers, const std::string& config) {
  return std::make_unique<ChainKernel>(layers, config);
}

}  // namespace int8rt::cuda::chain

// A small INT8-capable network and an in-memory calibrator for the tests of calibration,
// INT8 observation and per-layer comparison: data [N,1,8,8] -> conv1 (4 maps 3x3) -> relu1 ->
// pool1 (max 2x2) -> ip1 (10) -> prob (softmax).
#pragma once
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/network.h"

namespace int8rt::int8net {

inline Weights randomWeights(size_t n, unsigned seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  Weights w;
  for (size_t i = 0; i < n; ++i) w.values.push_back(u(rng));
  return w;
}

inline std::unique_ptr<Network> smallNet() {
  auto net = std::make_unique<Network>();
  net->name = "small";
  TensorId x = net->addInput("data", DataType::kFLOAT, {-1, 1, 8, 8});
  Layer& conv = net->addConvolution(x, 4, {3, 3}, randomWeights(36, 1, 0.5f), randomWeights(4, 2, 0.1f));
  conv.name = "conv1";
  net->tensor(conv.output()).name = "conv1";
  Layer& relu = net->addActivation(conv.output(), ActivationType::kRELU);
  relu.name = "relu1";
  net->tensor(relu.output()).name = "relu1";
  Layer& pool = net->addPooling(relu.output(), PoolingType::kMAX, {2, 2});
  pool.name = "pool1";
  net->tensor(pool.output()).name = "pool1";
  Layer& ip = net->addFullyConnected(pool.output(), 10, randomWeights(360, 3, 0.3f), randomWeights(10, 4, 0.1f));
  ip.name = "ip1";
  net->tensor(ip.output()).name = "ip1";
  Layer& prob = net->addSoftMax(ip.output(), 1);
  prob.name = "prob";
  net->tensor(prob.output()).name = "prob";
  net->markOutput(prob.output());
  return net;
}

// `count` batches of `batchSize` random images in [0, 1).
inline std::vector<std::vector<float>> randomBatches(int count, int batchSize, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<std::vector<float>> out(count, std::vector<float>(size_t(batchSize) * 64));
  for (auto& b : out)
    for (float& v : b) v = u(rng);
  return out;
}

// Serves in-memory batches of the single input; the cache lives in a string.
class MemoryCalibrator : public IInt8EntropyCalibrator2 {
 public:
  MemoryCalibrator(std::vector<std::vector<float>> batches, int batchSize)
      : batches_(std::move(batches)), batchSize_(batchSize) {}
  int getBatchSize() const override { return batchSize_; }
  bool getBatch(void* bindings[], const char* names[], int nbBindings) override {
    if (next_ >= batches_.size()) return false;
    bindings[0] = batches_[next_++].data();
    ++served;
    return true;
  }
  const void* readCalibrationCache(size_t& length) override {
    length = cache.size();
    return cache.empty() ? nullptr : cache.data();
  }
  void writeCalibrationCache(const void* ptr, size_t length) override {
    cache.assign(static_cast<const char*>(ptr), length);
    ++writes;
  }
  bool rewind() override {
    next_ = 0;
    return true;
  }
  std::string cacheName() const override { return "memory cache"; }

  std::string cache;
  int served = 0, writes = 0;

 private:
  std::vector<std::vector<float>> batches_;
  int batchSize_;
  size_t next_ = 0;
};

}  // namespace int8rt::int8net

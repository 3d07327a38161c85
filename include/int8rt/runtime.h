// Runtime: deserialize a plan into an Engine (immutable, weights packed) and run it through
// ExecutionContexts (per-thread buffers). Bindings are the engine's inputs then outputs, FP32.
// An Engine may be used from several threads at once; an ExecutionContext by one at a time
// (a CUDA context: one run in flight at a time, since its arena holds the run's tensors).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

class ExecutionContext;
class EngineImpl;

// Sees the tensors of a run as they are produced, network inputs first (calibration,
// per-layer diagnostics). Data is valid only during the call.
class ITensorObserver {
 public:
  virtual ~ITensorObserver() = default;
  // Every tensor the engine stores in FP32.
  virtual void observe(const std::string& tensorName, const Shape& shape, const float* data) = 0;
  // Every tensor an INT8 engine stores in INT8: real value = q * scale. Ignored unless
  // overridden, so that observers which only want FP32 data (calibration) need not care.
  virtual void observeInt8(const std::string& tensorName, const Shape& shape, const int8_t* data,
                           float scale) {}
  // A CUDA engine shows its FP32 tensors in device memory through observeDevice() when this
  // returns true (calibration on the GPU: histograms built where the data is); otherwise it
  // copies each tensor to the host and calls observe(). `stream` is the cudaStream_t the data
  // was produced on; work enqueued on it sees the data complete.
  virtual bool observesDevice() const { return false; }
  virtual void observeDevice(const std::string& tensorName, const Shape& shape,
                             const float* deviceData, void* stream) {}
};

struct LayerInfo {
  std::string name;
  std::string kind;
  std::string kernel;     // chosen tactic
  std::string config;     // its configuration (CUDA kernels: tile shape, algorithm); "" if none
  std::string precision;  // compute precision: "fp32", "fp16", "int8"
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

class Engine {
 public:
  ~Engine();
  int nbBindings() const;
  int bindingIndex(const std::string& name) const;  // -1 when absent
  const std::string& bindingName(int i) const;
  bool bindingIsInput(int i) const;
  Shape bindingShape(int i) const;  // at batch -1 where dynamic
  Shape bindingShapeForBatch(int i, int64_t batch) const;
  int64_t maxBatchSize() const;
  DeviceType device() const;
  std::vector<LayerInfo> layerInfo() const;
  std::vector<std::pair<std::string, std::string>> metadata() const;  // plan header fields

  std::unique_ptr<ExecutionContext> createExecutionContext() const;

  explicit Engine(std::unique_ptr<EngineImpl> impl);
  const EngineImpl& impl() const { return *impl_; }

 private:
  std::unique_ptr<EngineImpl> impl_;
};

class ExecutionContext {
 public:
  virtual ~ExecutionContext() = default;
  // Runs `batch` samples and returns when done; bindings[i] points to binding i's FP32 data
  // (batch-major): host memory for a CPU engine, device memory for a CUDA engine (TensorRT's
  // rule).
  virtual Status execute(int64_t batch, void* const* bindings) = 0;
  // Enqueues the run on `stream` (a cudaStream_t; null = the default stream) and returns; the
  // bindings must stay valid until the stream reaches this point. A CPU engine runs it at once.
  virtual Status enqueue(int64_t batch, void* const* bindings, void* stream) = 0;
  // Host data in and out for any engine: a CUDA context copies through its pinned staging
  // buffers. When `inferenceMs` is given it receives the time of the inference alone (CUDA
  // events around it on the GPU, copies excluded; wall time on the CPU).
  virtual Status executeHost(int64_t batch, void* const* hostBindings,
                             double* inferenceMs = nullptr) = 0;
  // Every tensor of subsequent runs is shown to the observer (null to stop): FP32 tensors
  // through observe(), INT8 tensors through observeInt8().
  virtual void setObserver(ITensorObserver* observer) = 0;
};

// Reads and validates a plan; the error names the file when `source` is given.
Result<std::unique_ptr<Engine>> deserializeEngine(const std::vector<uint8_t>& plan,
                                                  const std::string& source = "plan");
Result<std::unique_ptr<Engine>> loadEngineFile(const std::string& path);

}  // namespace int8rt

// Helpers for the CUDA engine tests (whole networks built, serialized and loaded): the committed
// LeNet and building or loading a plan with any failure reported as a test failure, so each
// test can go on to compare what it has.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/parsers.h"
#include "int8rt/runtime.h"

namespace int8rt::cuda::test {

// An environment variable set for one scope (a builder or context option read from the
// environment), unset when the scope ends, also when an assertion leaves it early.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

// models/lenet/lenet.onnx below INT8RT_SOURCE_DIR (ctest sets it; else the working directory).
inline std::unique_ptr<Network> lenet() {
  const char* dir = std::getenv("INT8RT_SOURCE_DIR");
  auto net = parseOnnx(std::string(dir ? dir : ".") + "/models/lenet/lenet.onnx");
  if (!net.isOk()) ADD_FAILURE() << net.status().message();
  return net.isOk() ? std::move(net.value()) : nullptr;
}

// The serialized plan, or no bytes after a failure that names `what`.
inline std::vector<uint8_t> buildPlanOrFail(const Network& net, const BuilderConfig& config,
                                            const std::string& what) {
  auto bytes = buildSerializedNetwork(net, config);
  if (!bytes.isOk()) {
    ADD_FAILURE() << what << ": " << bytes.status().message();
    return {};
  }
  return bytes.value();
}

// The engine of a plan, or nullptr after a failure; planName names the plan in errors.
inline std::unique_ptr<Engine> loadEngine(const std::vector<uint8_t>& bytes, const std::string& planName) {
  auto e = deserializeEngine(bytes, planName);
  if (!e.isOk()) ADD_FAILURE() << e.status().message();
  return e.isOk() ? std::move(e.value()) : nullptr;
}

}  // namespace int8rt::cuda::test

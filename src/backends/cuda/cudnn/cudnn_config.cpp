#include "backends/cuda/cudnn/cudnn_config.h"

#include "core/error.h"

namespace int8rt::cuda {

namespace {

const char* mathName(CudnnMath m) { return m == CudnnMath::kTensor ? "tensor" : "fma"; }

[[noreturn]] void bad(const std::string& text, const std::string& layer, const char* why) {
  fail("layer '", layer, "': cuDNN configuration '", text, "' is invalid: ", why,
       " (expected 'algo=<0..", kCudnnFwdAlgoCount - 1, ">,math=<fma|tensor>')");
}

}  // namespace

bool operator==(const CudnnConvConfig& a, const CudnnConvConfig& b) {
  return a.algo == b.algo && a.math == b.math;
}

std::string formatCudnnConvConfig(const CudnnConvConfig& c) {
  return "algo=" + std::to_string(c.algo) + ",math=" + mathName(c.math);
}

CudnnConvConfig parseCudnnConvConfig(const std::string& text, const std::string& layer) {
  const std::string algoKey = "algo=", mathKey = ",math=";
  if (text.compare(0, algoKey.size(), algoKey) != 0) bad(text, layer, "no 'algo='");
  size_t pos = algoKey.size();
  // One decimal digit: the algorithms are 0..7, and "01" or "+1" are not what format writes.
  if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') bad(text, layer, "no algorithm number");
  CudnnConvConfig c;
  c.algo = text[pos++] - '0';
  if (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') bad(text, layer, "algorithm out of range");
  if (c.algo >= kCudnnFwdAlgoCount) bad(text, layer, "algorithm out of range");
  if (text.compare(pos, mathKey.size(), mathKey) != 0) bad(text, layer, "no ',math='");
  const std::string math = text.substr(pos + mathKey.size());
  if (math == "fma")
    c.math = CudnnMath::kFma;
  else if (math == "tensor")
    c.math = CudnnMath::kTensor;
  else
    bad(text, layer, "unknown math type");
  return c;
}

}  // namespace int8rt::cuda

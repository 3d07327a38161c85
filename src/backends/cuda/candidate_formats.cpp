// The central tensor-format check of the CUDA candidates (cuda_kernel.h: FormatRule).
#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda {

namespace {

// Every input and output format, in order (missing entries are kLINEAR).
std::vector<TensorFormat> formatsOf(const KernelSetup& s) {
  std::vector<TensorFormat> f;
  for (size_t i = 0; i < s.inputShapes.size(); ++i) f.push_back(s.inputFormat(i));
  for (size_t i = 0; i < s.outputShapes.size(); ++i) f.push_back(s.outputFormat(i));
  return f;
}

bool all(const std::vector<TensorFormat>& v, TensorFormat f) {
  for (TensorFormat x : v)
    if (x != f) return false;
  return true;
}

}  // namespace

bool formatsAllowed(FormatRule rule, const KernelSetup& s) {
  const std::vector<TensorFormat> f = formatsOf(s);
  switch (rule) {
    case FormatRule::kLinearOnly: return all(f, TensorFormat::kLINEAR);
    case FormatRule::kNhwcOnly: return all(f, TensorFormat::kNHWC);
    case FormatRule::kSameFormat: return f.empty() || all(f, f[0]);
    case FormatRule::kOwnCheck: return true;
  }
  return false;
}

bool accepts(const Candidate& c, const KernelSetup& s, const DeviceInfo& device) {
  return formatsAllowed(c.formats, s) && c.supports(s, device);
}

}  // namespace int8rt::cuda

// The CUDA kernel registry: every group's candidates, checked once for duplicate names.
#include <algorithm>
#include <set>

#include "backends/cuda/candidates.h"
#include "core/error.h"

namespace int8rt::cuda {

namespace {

std::vector<Candidate> buildRegistry() {
  std::vector<Candidate> all;
  // cuDNN's candidates come after the own ones of the same kind (the stable sort below keeps
  // that), so an untimed build (timingIterations 0) still takes the own kernel first.
  for (auto* group : {convolutionCandidates, gemmCandidates, poolingCandidates,
                      pointwiseCandidates, dataMovementCandidates, normalizationCandidates,
#ifdef INT8RT_HAVE_CUDNN_HEADERS
                      cudnnConvolutionCandidates,
#endif
                     }) {
    std::vector<Candidate> list = group();
    all.insert(all.end(), list.begin(), list.end());
  }
  std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return static_cast<int>(a.kind) < static_cast<int>(b.kind);
  });
  std::set<std::string> names;
  for (const Candidate& c : all) {
    if (!names.insert(c.name).second)
      fail("internal error: CUDA kernel '", c.name, "' registered twice");
    if (findCpuKernel(c.name))
      fail("internal error: CUDA kernel '", c.name, "' has the name of a CPU kernel");
  }
  return all;
}

}  // namespace

const std::vector<Candidate>& registry() {
  static const std::vector<Candidate> all = buildRegistry();
  return all;
}

const Candidate* findKernel(const std::string& name) {
  for (const Candidate& c : registry())
    if (name == c.name) return &c;
  return nullptr;
}

std::vector<std::string> configsOf(const Candidate& c, const KernelSetup& setup,
                                   const DeviceInfo& device) {
  if (!c.configs) return {""};
  std::vector<std::string> v = c.configs(setup, device);
  if (v.empty()) v.push_back("");
  return v;
}

}  // namespace int8rt::cuda

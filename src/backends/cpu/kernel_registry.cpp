// The CPU kernel registry: every candidate, fast ones first per layer kind, the reference last.
// To add kernels, declare their candidates function in candidates.h and add one line below.
#include <algorithm>
#include <set>
#include <string>

#include "backends/cpu/candidates.h"
#include "backends/cpu/int8/int8_kernels.h"
#include "backends/cpu/kernel.h"
#include "core/error.h"

namespace int8rt {

namespace {

std::vector<KernelCandidate> buildRegistry() {
  std::vector<KernelCandidate> all;
  auto add = [&](const std::vector<KernelCandidate>& list) {
    all.insert(all.end(), list.begin(), list.end());
  };
  // Order matters within a kind: without timing the builder takes the first supported
  // candidate, so the fastest come first and the references last.
  // FP32, AVX2 + FMA
  add(cpu::conv2dAvx2Candidates());
  add(cpu::fullyConnectedAvx2Candidates());
  add(cpu::pooling2dAvx2Candidates());
  add(cpu::elementWiseAvx2Candidates());
  add(cpu::activationAvx2Candidates());
  // INT8: exact AVX2 and scalar reference kernels (src/backends/cpu/int8/).
  cpu::appendInt8Kernels(all);
  // FP32 scalar references: one per kind, always last.
  add(cpu::convolutionRefCandidates());
  add(cpu::poolingRefCandidates());
  add(cpu::fullyConnectedRefCandidates());
  add(cpu::matMulRefCandidates());
  add(cpu::activationRefCandidates());
  add(cpu::softMaxRefCandidates());
  add(cpu::elementWiseRefCandidates());
  add(cpu::concatenationRefCandidates());
  add(cpu::scaleRefCandidates());
  add(cpu::preluRefCandidates());
  add(cpu::lrnRefCandidates());
  add(cpu::shuffleRefCandidates());
  add(cpu::paddingRefCandidates());
  add(cpu::constantRefCandidates());
  add(cpu::identityRefCandidates());

  // Grouped by kind for readable listings; stable, so the order above holds within a kind.
  std::stable_sort(all.begin(), all.end(), [](const KernelCandidate& a, const KernelCandidate& b) {
    return static_cast<int>(a.kind) < static_cast<int>(b.kind);
  });

  std::set<std::string> names;
  for (const KernelCandidate& c : all)
    if (!names.insert(c.name).second)
      fail("internal error: CPU kernel '", c.name, "' registered twice");
  for (int k = 0; k < static_cast<int>(LayerKind::kCOUNT); ++k) {
    auto last = std::find_if(all.rbegin(), all.rend(), [&](const KernelCandidate& c) {
      return static_cast<int>(c.kind) == k;
    });
    if (last == all.rend() || std::string(last->name).find("_ref") == std::string::npos)
      fail("internal error: layer kind ", layerKindName(static_cast<LayerKind>(k)),
           " has no reference CPU kernel last in the registry");
  }
  return all;
}

}  // namespace

const std::vector<KernelCandidate>& cpuKernelRegistry() {
  static const std::vector<KernelCandidate> registry = buildRegistry();
  return registry;
}

const KernelCandidate* findCpuKernel(const std::string& name) {
  for (const KernelCandidate& c : cpuKernelRegistry())
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace int8rt

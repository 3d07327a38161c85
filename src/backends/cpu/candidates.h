// Each kernel file exports one function returning its candidates; kernel_registry.cpp lists
// them, so adding a kernel (an INT8 one, say) is one declaration here and one line there.
#pragma once
#include <memory>
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt::cpu {

// Scalar references, one per layer kind ("<kind>_ref"): the oracle every fast kernel is tested
// against, and the fallback that supports every valid FP32 layer.
std::vector<KernelCandidate> convolutionRefCandidates();
std::vector<KernelCandidate> poolingRefCandidates();
std::vector<KernelCandidate> fullyConnectedRefCandidates();
std::vector<KernelCandidate> matMulRefCandidates();
std::vector<KernelCandidate> activationRefCandidates();
std::vector<KernelCandidate> softMaxRefCandidates();
std::vector<KernelCandidate> elementWiseRefCandidates();
std::vector<KernelCandidate> concatenationRefCandidates();
std::vector<KernelCandidate> scaleRefCandidates();
std::vector<KernelCandidate> preluRefCandidates();
std::vector<KernelCandidate> lrnRefCandidates();
std::vector<KernelCandidate> shuffleRefCandidates();
std::vector<KernelCandidate> paddingRefCandidates();
std::vector<KernelCandidate> constantRefCandidates();
std::vector<KernelCandidate> identityRefCandidates();

// AVX2/FMA FP32 kernels (supports() checks cpu.avx2 && cpu.fma).
std::vector<KernelCandidate> conv2dAvx2Candidates();
std::vector<KernelCandidate> fullyConnectedAvx2Candidates();
std::vector<KernelCandidate> pooling2dAvx2Candidates();
std::vector<KernelCandidate> elementWiseAvx2Candidates();
std::vector<KernelCandidate> activationAvx2Candidates();

// A reference kernel that a fast kernel delegates to for run-time shapes outside its fast path.
std::unique_ptr<CpuKernel> createElementWiseRef(const KernelSetup& setup);

}  // namespace int8rt::cpu

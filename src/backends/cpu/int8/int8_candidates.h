// The INT8 candidate lists, one function per kernel file; int8_kernels.cpp orders them.
#pragma once
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt::cpu {

std::vector<KernelCandidate> convolutionInt8RefCandidates();
std::vector<KernelCandidate> convolutionInt8GemmCandidates();
std::vector<KernelCandidate> fullyConnectedInt8RefCandidates();
std::vector<KernelCandidate> fullyConnectedInt8GemmCandidates();
std::vector<KernelCandidate> poolingInt8RefCandidates();
std::vector<KernelCandidate> poolingInt8Avx2Candidates();
std::vector<KernelCandidate> shuffleInt8RefCandidates();
std::vector<KernelCandidate> concatenationInt8RefCandidates();
std::vector<KernelCandidate> identityInt8RefCandidates();

}  // namespace int8rt::cpu

// The INT8 candidate lists, one function per kernel file; int8_kernels.cpp orders them.
#pragma once
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt::cpu {

// AVX-512 VNNI convolution and fully connected (conv_int8_vnni.cpp, fc_int8_vnni.cpp): they
// come before the AVX2 ones of their kinds.
std::vector<KernelCandidate> int8Avx512VnniCandidates();
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

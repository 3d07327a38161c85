// The INT8 CPU kernels (CONTRACTS §2): conv / FC with int32 accumulation and a fused float
// epilogue, and the INT8 forms of pooling, shuffle, concatenation and identity.
#pragma once
#include <vector>

#include "backends/cpu/kernel.h"

namespace int8rt::cpu {

// Appends every INT8 candidate (precision kINT8), per layer kind fast first and the scalar
// reference ("..._int8_ref") last. The registry calls this once.
void appendInt8Kernels(std::vector<KernelCandidate>& out);

}  // namespace int8rt::cpu

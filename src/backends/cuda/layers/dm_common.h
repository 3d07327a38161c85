// Shared pieces of the data-movement kernels: launch sizing, setup checks and the group's
// candidate lists (data_movement.cu joins them into dataMovementCandidates()).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/cuda/cuda_kernel.h"

namespace int8rt::cuda::dm {

constexpr int kThreads = 256;

// Grid-stride launches: enough blocks for the work, at most a few waves of the device (more
// blocks only add scheduling; each thread then loops). Computed in create().
inline unsigned gridFor(int64_t work, int wavesCap = 4) {
  const DeviceInfo& d = currentDevice();
  const int64_t sms = d.multiprocessors > 0 ? d.multiprocessors : 132;
  const int64_t cap = sms * (2048 / kThreads) * wavesCap;
  const int64_t need = (work + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(need, cap)));
}

inline bool validScale(float s) { return std::isfinite(s) && s > 0.f; }

inline int elementBytes(DataType t) {
  return t == DataType::kHALF ? 2 : t == DataType::kINT8 ? 1 : 4;
}

inline bool isKind(const KernelSetup& s, LayerKind k) {
  return s.layer != nullptr && s.layer->kind() == k;
}

// One output; every input and the output of type t; INT8 needs valid scales, all equal to the
// output's (the CPU INT8 concat / shuffle rule: these kernels move bytes, never rescale).
inline bool uniformTypes(const KernelSetup& s, DataType t) {
  if (s.inputShapes.empty() || s.inputTypes.size() != s.inputShapes.size()) return false;
  if (s.outputTypes.size() != 1 || s.outputShapes.size() != 1 || s.outputTypes[0] != t) return false;
  for (DataType d : s.inputTypes)
    if (d != t) return false;
  if (t == DataType::kINT8) {
    if (s.inputScales.size() != s.inputTypes.size() || s.outputScales.size() != 1) return false;
    if (!validScale(s.outputScales[0])) return false;
    for (float x : s.inputScales)
      if (x != s.outputScales[0]) return false;
  }
  return t == DataType::kFLOAT || t == DataType::kHALF || t == DataType::kINT8;
}

inline bool sameShapes(const std::vector<TensorRef>& run, const std::vector<Shape>& setup) {
  if (run.size() != setup.size()) return false;
  for (size_t i = 0; i < run.size(); ++i)
    if (run[i].shape != setup[i]) return false;
  return true;
}

std::vector<Candidate> identityCandidates();
std::vector<Candidate> concatenationCandidates();
std::vector<Candidate> shuffleCandidates();
std::vector<Candidate> paddingCandidates();
std::vector<Candidate> layoutCandidates();  // dm_layout.cu: NCHW <-> NHWC reformats

}  // namespace int8rt::cuda::dm

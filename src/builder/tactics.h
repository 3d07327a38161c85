// Tactic selection: for one layer, the kernel candidates that support it, timed on random data
// at the max batch; the fastest wins. The reference kernel is always among the candidates.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "backends/cpu/kernel.h"

namespace int8rt {

struct TacticChoice {
  const KernelCandidate* kernel = nullptr;
  double microseconds = 0;  // measured time of the winner (0 when not timed)
  int candidates = 0;
};

// precision: the compute precision wanted (kFLOAT or kINT8). forced: a kernel name or empty.
TacticChoice chooseTactic(const KernelSetup& setup, DataType precision, int timingIterations,
                          const std::string& forced, ThreadPool& pool);

}  // namespace int8rt

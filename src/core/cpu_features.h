// CPU features detected at run time; kernels are dispatched on these, never on compile flags.
#pragma once
#include <string>

namespace int8rt {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vnni = false;
  bool avxvnni = false;
  std::string describe() const;  // "avx2 fma f16c"
};

const CpuFeatures& cpuFeatures();  // detected once

}  // namespace int8rt

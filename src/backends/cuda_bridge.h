// What the device-independent code (builder, runtime, CLI) may ask of the CUDA backend. The
// CUDA build implements it in src/backends/cuda/, a build without CUDA in src/backends/no_cuda/
// (every answer there is "this build has no CUDA backend"), so no other file needs #ifdefs.
#pragma once
#include <string>

namespace int8rt::cudabridge {

bool built();                     // this binary contains the CUDA backend
std::string unavailableReason();  // "" when a GPU can run engines, else one line saying why
bool hasFastFp16();               // compute capability >= 5.3 (TensorRT's rule)
bool hasFastInt8();               // compute capability >= 6.1 (dp4a; IMMA from 7.5)

}  // namespace int8rt::cudabridge

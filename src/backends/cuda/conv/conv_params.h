// The plain-data description of one 2-D convolution launch, shared by the host side (C++20,
// conv_candidates.cpp) and the kernels (.cu, C++17): only ints, floats and pointers, no STL.
// The GEMM view: M = output channels of a group, N = batch * OH * OW, K = C/groups * R * S.
#pragma once
#include <cstdint>

namespace int8rt::cuda::conv {

// Fused activation, mirrored from int8rt::ActivationType (same numbering; checked on the host).
struct ConvActivation {
  int type = 0;  // int8rt::ActivationType as int
  float alpha = 0.f, beta = 0.f;
  // NONE, RELU, LEAKY_RELU and CLIP as one branch-free form with the CPU's bits:
  // y = x >= 0 ? x : slope * x; y = y > lo ? y : lo; y = y < hi ? y : hi.
  bool linear = false;
  float slope = 1.f, lo = 0.f, hi = 0.f;
};

struct ConvGeometry {
  int c = 0, h = 0, w = 0;      // input channels and plane
  int k = 0, oh = 0, ow = 0;    // output channels and plane
  int groups = 1;
  int cg = 0, kg = 0;           // channels and outputs per group
  int reduction = 0;            // cg * R * S: the GEMM K
  int reductionPadded = 0;      // rounded up to the kernels' k tile (32); padded taps are zero
  int mPadded = 0;              // kg rounded up to 128: weight rows past kg are zero
  int strideH = 1, strideW = 1;
  int padH = 0, padW = 0;       // begin pads (end pads only shape OH/OW)
};

// One reduction index r = (c * R + kr) * S + ks, precomputed on the host so that the kernels
// never divide by R or S: the input offset relative to the window origin of a column, and the
// tap's row/column displacement (for the bounds check). Padded taps have dy = kNoTap.
struct ConvTap {
  int offset;  // c * H * W + dy * W + dx
  int dyDx;    // dy << 16 | dx (both < 2^15); dy == kNoTap marks a zero tap
};
constexpr int kNoTap = 0x4000;

// Per-output-channel epilogue constants in device memory. FP32/FP16 kernels: y = acc + bias;
// INT8: y = fmaf(float(acc), mult[k], bias[k]) (the CPU Int8Epilogue). Then the activation; an
// INT8 output is requantizeValue(y, outInvScale).
struct ConvEpilogue {
  const float* mult = nullptr;  // [K] (INT8 only)
  const float* bias = nullptr;  // [K], zeros when the layer has none
  ConvActivation act;
  bool outInt8 = false;
  float outInvScale = 1.f;
};

// Everything a launch needs. Weights are packed per kernel (see each launcher).
struct ConvLaunch {
  ConvGeometry geo;
  ConvEpilogue epi;
  const ConvTap* taps = nullptr;  // [reductionPadded]
  const void* weights = nullptr;
  const void* x = nullptr;
  void* y = nullptr;
  int batch = 0;  // the run's batch
};

}  // namespace int8rt::cuda::conv

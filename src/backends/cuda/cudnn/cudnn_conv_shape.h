// A 2-D convolution as cuDNN's legacy API describes it (host only, no cudnn.h: unit-testable).
// cuDNN pads each spatial dimension symmetrically, so a layer whose end padding differs from
// its begin padding is accepted only where that changes no output size (the extra end rows
// and columns would be skipped by the stride anyway, or lie past the last window); the values
// are then the same, since every padded position reads zero either way.
#pragma once
#include "backends/cpu/kernel.h"

namespace int8rt::cuda {

struct CudnnConvShape {
  int n = 0, c = 0, h = 0, w = 0;  // the input at the setup's (max) batch
  int k = 0, r = 0, s = 0;         // filters: k of c/groups channels, r x s
  int oh = 0, ow = 0;              // the layer's output plane
  int groups = 1;
  int padH = 0, padW = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
};

// Whether a setup that conv::supportedConv2d() accepts is one cuDNN computes as the layer does:
// padBegin on both sides gives the layer's output plane.
bool cudnnPaddingFits(const KernelSetup& s);

// The shape of a setup that supportedConv2d() and cudnnPaddingFits() accept (throws otherwise).
CudnnConvShape cudnnConvShape(const KernelSetup& s);

}  // namespace int8rt::cuda

// Turning 8-bit images into the float NCHW batches a network reads: out = (pixel - mean) * scale,
// as Caffe's data layer does it, with an optional channel reorder (e.g. RGB files for a BGR model).
#pragma once
#include <cstdint>
#include <vector>

#include "data/idx.h"

namespace int8rt {

struct PreprocessOptions {
  // Double precision so a scale typed as 0.00392156862745098 (1/255) stays exact enough that
  // 255 maps to 1.0f; Caffe's LeNet used 1/256 = 0.00390625.
  double scale = 1.0 / 256.0;
  double mean = 0.0;              // in pixel units, subtracted before scaling
  std::vector<int> channelOrder;  // output channel k reads input channel channelOrder[k];
                                  // empty keeps the stored order
};

// `count` images of `channels` x `height` x `width` stored interleaved (HWC, the layout of image
// decoders; channels = 1 for idx) become planar NCHW floats in `out` (count*C*H*W values).
// Throws Error when channelOrder is not a permutation of 0..channels-1.
void preprocessImages(const uint8_t* pixels, int count, int channels, int height, int width,
                      const PreprocessOptions& options, float* out);

// Images [first, first + count) of an idx set as NCHW floats with C = 1.
std::vector<float> preprocessIdx(const IdxImages& images, int first, int count,
                                 const PreprocessOptions& options);

}  // namespace int8rt

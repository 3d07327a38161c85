// Pixel preprocessing; see preprocess.h for the formula and layouts.
#include "data/preprocess.h"

#include <algorithm>

#include "core/error.h"

namespace int8rt {

void preprocessImages(const uint8_t* pixels, int count, int channels, int height, int width,
                      const PreprocessOptions& options, float* out) {
  check(count >= 0 && channels > 0 && height > 0 && width > 0, "preprocess: bad image dims ",
        count, "x", channels, "x", height, "x", width);
  std::vector<int> order = options.channelOrder;
  if (order.empty()) {
    order.resize(size_t(channels));
    for (int k = 0; k < channels; ++k) order[size_t(k)] = k;
  }
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  bool permutation = int(sorted.size()) == channels;
  for (int k = 0; permutation && k < channels; ++k) permutation = sorted[size_t(k)] == k;
  check(permutation, "preprocess: channel order must be a permutation of 0..", channels - 1,
        " for ", channels, "-channel images");

  // A 256-entry table: every pixel value maps the same way, computed once in double.
  float table[256];
  for (int v = 0; v < 256; ++v) table[v] = float((double(v) - options.mean) * options.scale);

  const size_t plane = size_t(height) * size_t(width);
  for (int n = 0; n < count; ++n) {
    const uint8_t* src = pixels + size_t(n) * plane * size_t(channels);
    float* dst = out + size_t(n) * plane * size_t(channels);
    for (int k = 0; k < channels; ++k) {
      const int from = order[size_t(k)];
      float* plane_out = dst + size_t(k) * plane;
      for (size_t i = 0; i < plane; ++i) plane_out[i] = table[src[i * size_t(channels) + from]];
    }
  }
}

std::vector<float> preprocessIdx(const IdxImages& images, int first, int count,
                                 const PreprocessOptions& options) {
  check(first >= 0 && count >= 0 && int64_t(first) + count <= images.count,
        "preprocess: images ", first, "..", int64_t(first) + count - 1, " out of range: the set has ",
        images.count);
  std::vector<float> out(size_t(count) * size_t(images.rows) * size_t(images.cols));
  preprocessImages(images.image(first), count, 1, images.rows, images.cols, options, out.data());
  return out;
}

}  // namespace int8rt

// Preprocessing: (pixel - mean) * scale, HWC to NCHW with channel reordering, range checks.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/preprocess.h"

namespace int8rt {
namespace {

TEST(DataPreprocess, DefaultScaleIsCaffeLeNets) {
  IdxImages im;
  im.count = 2, im.rows = 1, im.cols = 3;
  im.pixels = {0, 128, 255, 1, 2, 3};
  std::vector<float> out = preprocessIdx(im, 0, 2, PreprocessOptions{});
  EXPECT_EQ(out, (std::vector<float>{0.f, 0.5f, 255.f / 256.f, 1.f / 256.f, 2.f / 256.f,
                                     3.f / 256.f}));
  EXPECT_EQ(preprocessIdx(im, 1, 1, PreprocessOptions{}),
            (std::vector<float>{1.f / 256.f, 2.f / 256.f, 3.f / 256.f}));
}

TEST(DataPreprocess, ScaleOneOver255MapsWhiteToOne) {
  const uint8_t px[3] = {0, 51, 255};
  PreprocessOptions o;
  o.scale = 0.00392156862745098;  // 1/255 as one would type it
  float out[3];
  preprocessImages(px, 1, 1, 1, 3, o, out);
  EXPECT_EQ(out[0], 0.f);
  EXPECT_EQ(out[1], 0.2f);
  EXPECT_EQ(out[2], 1.f);
}

TEST(DataPreprocess, MeanIsSubtractedBeforeScaling) {
  const uint8_t px[2] = {100, 200};
  PreprocessOptions o;
  o.scale = 0.5;
  o.mean = 127.5;
  float out[2];
  preprocessImages(px, 1, 1, 1, 2, o, out);
  EXPECT_EQ(out[0], -13.75f);
  EXPECT_EQ(out[1], 36.25f);
}

TEST(DataPreprocess, InterleavedColourBecomesPlanarInTheRequestedOrder) {
  // Two 1x2 RGB images, stored R,G,B per pixel.
  const uint8_t px[12] = {10, 20, 30, 11, 21, 31, 40, 50, 60, 41, 51, 61};
  PreprocessOptions o;
  o.scale = 1.0;
  float out[12];
  preprocessImages(px, 2, 3, 1, 2, o, out);
  EXPECT_EQ(std::vector<float>(out, out + 12),
            (std::vector<float>{10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61}));
  o.channelOrder = {2, 1, 0};  // RGB file, BGR network
  preprocessImages(px, 2, 3, 1, 2, o, out);
  EXPECT_EQ(std::vector<float>(out, out + 12),
            (std::vector<float>{30, 31, 20, 21, 10, 11, 60, 61, 50, 51, 40, 41}));
}

TEST(DataPreprocess, RejectsBadChannelOrderAndRange) {
  const uint8_t px[3] = {1, 2, 3};
  float out[3];
  PreprocessOptions o;
  o.channelOrder = {0, 0, 1};
  EXPECT_THROW(preprocessImages(px, 1, 3, 1, 1, o, out), Error);
  o.channelOrder = {0, 1};
  EXPECT_THROW(preprocessImages(px, 1, 3, 1, 1, o, out), Error);
  IdxImages im;
  im.count = 2, im.rows = 1, im.cols = 1;
  im.pixels = {1, 2};
  EXPECT_THROW(preprocessIdx(im, 1, 2, PreprocessOptions{}), Error);
  EXPECT_THROW(preprocessIdx(im, -1, 1, PreprocessOptions{}), Error);
}

}  // namespace
}  // namespace int8rt

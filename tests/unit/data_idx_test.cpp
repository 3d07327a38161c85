// idx reading (MNIST format), plain and gzip-compressed, with the corrupt cases reported clearly.
// Small idx files are written here; gzip versions are made with zlib's gzopen/gzwrite.
#include <gtest/gtest.h>
#include <zlib.h>

#include <functional>

#include "core/error.h"
#include "core/file_io.h"
#include "data/gzip.h"
#include "data/idx.h"
#include "unit/data_test_util.h"

namespace int8rt {
namespace {

using testing::appendBE32;
using testing::ScratchDir;
using testing::writeRaw;

std::vector<uint8_t> idxImagesBytes(uint32_t count, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> b;
  appendBE32(b, 0x00000803);
  for (uint32_t d : {count, rows, cols}) appendBE32(b, d);
  for (uint32_t i = 0; i < count * rows * cols; ++i) b.push_back(uint8_t(i * 7 + 3));
  return b;
}

std::vector<uint8_t> idxLabelsBytes(uint32_t count) {
  std::vector<uint8_t> b;
  appendBE32(b, 0x00000801);
  appendBE32(b, count);
  for (uint32_t i = 0; i < count; ++i) b.push_back(uint8_t(i % 10));
  return b;
}

void writeGzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expectError(const std::function<void()>& f, const std::string& path,
                 const std::string& reason) {
  std::string m = errorOf(f);
  EXPECT_NE(m.find(path), std::string::npos) << "message: '" << m << "'";
  EXPECT_NE(m.find(reason), std::string::npos) << "message: '" << m << "'";
}

TEST(IdxReader, PlainImagesAndLabels) {
  ScratchDir dir;
  std::vector<uint8_t> img = idxImagesBytes(5, 4, 3);
  writeRaw(dir.file("images"), img);
  writeRaw(dir.file("labels"), idxLabelsBytes(5));
  IdxImages im = readIdxImages(dir.file("images"));
  EXPECT_EQ(im.count, 5);
  EXPECT_EQ(im.rows, 4);
  EXPECT_EQ(im.cols, 3);
  ASSERT_EQ(im.pixels.size(), 60u);
  EXPECT_EQ(std::vector<uint8_t>(im.pixels), std::vector<uint8_t>(img.begin() + 16, img.end()));
  EXPECT_EQ(im.image(2)[0], uint8_t(24 * 7 + 3));
  EXPECT_EQ(readIdxLabels(dir.file("labels")), (std::vector<uint8_t>{0, 1, 2, 3, 4}));
}

TEST(IdxReader, GzipReadsTheSameAsPlain) {
  ScratchDir dir;
  writeRaw(dir.file("plain"), idxImagesBytes(6, 5, 5));
  writeGzip(dir.file("images.gz"), idxImagesBytes(6, 5, 5));
  writeGzip(dir.file("labels.gz"), idxLabelsBytes(6));
  EXPECT_EQ(readIdxImages(dir.file("images.gz")).pixels, readIdxImages(dir.file("plain")).pixels);
  EXPECT_EQ(readIdxLabels(dir.file("labels.gz")).size(), 6u);
}

TEST(IdxReader, CompressionIsDetectedByContentNotName) {
  ScratchDir dir;
  writeGzip(dir.file("labels.idx"), idxLabelsBytes(4));  // gzip without .gz
  writeRaw(dir.file("labels.gz"), idxLabelsBytes(4));    // plain named .gz
  EXPECT_EQ(readIdxLabels(dir.file("labels.idx")), (std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(readIdxLabels(dir.file("labels.gz")), (std::vector<uint8_t>{0, 1, 2, 3}));
}

TEST(IdxReader, ConcatenatedGzipMembersAreAllRead) {
  ScratchDir dir;
  std::vector<uint8_t> whole = idxLabelsBytes(50);
  writeGzip(dir.file("a.gz"), {whole.begin(), whole.begin() + 20});
  writeGzip(dir.file("b.gz"), {whole.begin() + 20, whole.end()});
  std::vector<uint8_t> joined = readFileBytes(dir.file("a.gz"));
  std::vector<uint8_t> second = readFileBytes(dir.file("b.gz"));
  joined.insert(joined.end(), second.begin(), second.end());
  writeRaw(dir.file("ab.gz"), joined);
  EXPECT_EQ(readIdxLabels(dir.file("ab.gz")).size(), 50u);
}

TEST(IdxReader, WrongMagicSaysWhatWasExpected) {
  ScratchDir dir;
  writeRaw(dir.file("labels"), idxLabelsBytes(3));
  expectError([&] { readIdxImages(dir.file("labels")); }, dir.file("labels"),
              "bad idx magic 0x00000801, expected 0x00000803");
  writeRaw(dir.file("text"), {'h', 'e', 'l', 'l', 'o', '\n'});
  expectError([&] { readIdxLabels(dir.file("text")); }, dir.file("text"), "bad idx magic");
}

TEST(IdxReader, TruncatedPlainFiles) {
  ScratchDir dir;
  writeRaw(dir.file("tiny"), {0, 0});
  expectError([&] { readIdxLabels(dir.file("tiny")); }, dir.file("tiny"), "truncated");
  std::vector<uint8_t> img = idxImagesBytes(3, 4, 4);
  writeRaw(dir.file("header"), {img.begin(), img.begin() + 10});
  expectError([&] { readIdxImages(dir.file("header")); }, dir.file("header"),
              "truncated idx header");
  writeRaw(dir.file("data"), {img.begin(), img.end() - 1});
  expectError([&] { readIdxImages(dir.file("data")); }, dir.file("data"),
              "dims need 48 bytes of data, the file has 47");
}

TEST(IdxReader, TrailingBytesAndBadDims) {
  ScratchDir dir;
  std::vector<uint8_t> img = idxImagesBytes(2, 3, 3);
  img.push_back(0);
  writeRaw(dir.file("trail"), img);
  expectError([&] { readIdxImages(dir.file("trail")); }, dir.file("trail"), "1 trailing bytes");
  std::vector<uint8_t> zero;
  appendBE32(zero, 0x00000803);
  for (uint32_t d : {0u, 28u, 28u}) appendBE32(zero, d);
  writeRaw(dir.file("zero"), zero);
  expectError([&] { readIdxImages(dir.file("zero")); }, dir.file("zero"), "bad idx dim 0");
  std::vector<uint8_t> huge;
  appendBE32(huge, 0x00000803);
  for (uint32_t d : {0x7fffffffu, 0x7fffffffu, 0x7fffffffu}) appendBE32(huge, d);
  writeRaw(dir.file("huge"), huge);
  expectError([&] { readIdxImages(dir.file("huge")); }, dir.file("huge"), "truncated");
}

TEST(IdxReader, TruncatedGzip) {
  ScratchDir dir;
  writeGzip(dir.file("full.gz"), idxImagesBytes(20, 28, 28));
  std::vector<uint8_t> gz = readFileBytes(dir.file("full.gz"));
  writeRaw(dir.file("cut.gz"), {gz.begin(), gz.begin() + gz.size() / 2});
  expectError([&] { readIdxImages(dir.file("cut.gz")); }, dir.file("cut.gz"),
              "truncated gzip data");
  // Only the 8-byte trailer (CRC-32 and size) missing: the data is complete but unverified.
  writeRaw(dir.file("notrailer.gz"), {gz.begin(), gz.end() - 8});
  expectError([&] { readIdxImages(dir.file("notrailer.gz")); }, dir.file("notrailer.gz"),
              "truncated gzip data");
}

TEST(IdxReader, CorruptGzip) {
  ScratchDir dir;
  writeGzip(dir.file("full.gz"), idxImagesBytes(20, 28, 28));
  std::vector<uint8_t> gz = readFileBytes(dir.file("full.gz"));
  // A wrong CRC-32 in the trailer: inflate finishes the data, then rejects the check value.
  std::vector<uint8_t> badCrc = gz;
  badCrc[badCrc.size() - 8] ^= 0xff;
  writeRaw(dir.file("crc.gz"), badCrc);
  expectError([&] { readIdxImages(dir.file("crc.gz")); }, dir.file("crc.gz"),
              "corrupt gzip data");
  // Bytes after the last member that do not start another one.
  std::vector<uint8_t> trailing = gz;
  trailing.push_back(0);
  writeRaw(dir.file("trailing.gz"), trailing);
  expectError([&] { readIdxImages(dir.file("trailing.gz")); }, dir.file("trailing.gz"),
              "1 bytes of trailing garbage after the gzip data");
  // A gzip magic followed by garbage.
  writeRaw(dir.file("junk.gz"), {0x1f, 0x8b, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42});
  expectError([&] { readIdxImages(dir.file("junk.gz")); }, dir.file("junk.gz"), "gzip data");
}

TEST(IdxReader, FashionMnistFromDebianIfInstalled) {
  const std::string labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  if (!fileExists(labels) || !fileExists(images))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  std::vector<uint8_t> l = readIdxLabels(labels);
  ASSERT_EQ(l.size(), 10000u);
  EXPECT_EQ(l[0], 9);  // the first test image is an ankle boot
  IdxImages im = readIdxImages(images);
  EXPECT_EQ(im.count, 10000);
  EXPECT_EQ(im.rows, 28);
  EXPECT_EQ(im.cols, 28);
}

}  // namespace
}  // namespace int8rt

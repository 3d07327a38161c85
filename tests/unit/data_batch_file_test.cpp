// Batch files (CONTRACTS.md §5): round trips, the exact byte layout, and one test per way a file
// can be corrupt, each checking that the error names the file and the reason.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/file_io.h"
#include "data/batch_stream.h"
#include "unit/data_test_util.h"

namespace int8rt {
namespace {

using testing::appendLE32;
using testing::ScratchDir;
using testing::writeRaw;

BatchFile makeBatch(int n, int c, int h, int w, bool labels) {
  BatchFile b;
  b.n = n, b.c = c, b.h = h, b.w = w;
  for (int i = 0; i < n * c * h * w; ++i) b.data.push_back(0.25f * float(i) - 3.0f);
  if (labels)
    for (int i = 0; i < n; ++i) b.labels.push_back(float(i % 10));
  return b;
}

// A raw file: the header, `floats` float32 zeros, then `extraBytes` more bytes.
std::vector<uint8_t> rawBatch(int32_t n, int32_t c, int32_t h, int32_t w, size_t floats,
                              size_t extraBytes = 0) {
  std::vector<uint8_t> bytes;
  for (int32_t d : {n, c, h, w}) appendLE32(bytes, uint32_t(d));
  bytes.resize(bytes.size() + 4 * floats + extraBytes, 0);
  return bytes;
}

// Expects readBatchFile(path) to throw an Error whose message holds the path and `reason`.
void expectReadError(const std::string& path, const std::string& reason) {
  try {
    readBatchFile(path);
    FAIL() << "no error for " << path;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find(reason), std::string::npos) << m;
  }
}

TEST(DataBatchFile, RoundTripWithLabels) {
  ScratchDir dir;
  BatchFile in = makeBatch(3, 2, 4, 5, true);
  writeBatchFile(dir.file("batch0"), in);
  BatchFile out = readBatchFile(dir.file("batch0"));
  EXPECT_EQ(out.n, 3);
  EXPECT_EQ(out.c, 2);
  EXPECT_EQ(out.h, 4);
  EXPECT_EQ(out.w, 5);
  EXPECT_EQ(out.data, in.data);
  EXPECT_EQ(out.labels, in.labels);
}

TEST(DataBatchFile, RoundTripWithoutLabels) {
  ScratchDir dir;
  BatchFile in = makeBatch(4, 1, 3, 3, false);
  writeBatchFile(dir.file("batch0"), in);
  BatchFile out = readBatchFile(dir.file("batch0"));
  EXPECT_EQ(out.data, in.data);
  EXPECT_TRUE(out.labels.empty());
}

TEST(DataBatchFile, LayoutIsLittleEndianHeaderDataLabels) {
  ScratchDir dir;
  BatchFile in = makeBatch(2, 1, 1, 3, true);
  writeBatchFile(dir.file("b"), in);
  std::vector<uint8_t> bytes = readFileBytes(dir.file("b"));
  ASSERT_EQ(bytes.size(), 16u + 4 * 6 + 4 * 2);
  const uint8_t header[16] = {2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0};
  EXPECT_EQ(std::memcmp(bytes.data(), header, 16), 0);
  // -3.0f is 0xc0400000: low byte first on disk.
  const uint8_t firstFloat[4] = {0x00, 0x00, 0x40, 0xc0};
  EXPECT_EQ(std::memcmp(bytes.data() + 16, firstFloat, 4), 0);
  // The second label, 1.0f = 0x3f800000, is the file's last four bytes.
  const uint8_t lastLabel[4] = {0x00, 0x00, 0x80, 0x3f};
  EXPECT_EQ(std::memcmp(bytes.data() + bytes.size() - 4, lastLabel, 4), 0);
}

TEST(DataBatchFile, WriteLeavesNoTemporaryFiles) {
  ScratchDir dir;
  writeBatchFile(dir.file("batch0"), makeBatch(2, 1, 2, 2, true));
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "batch0");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(DataBatchFile, MissingFileIsAnError) {
  ScratchDir dir;
  expectReadError(dir.file("batch0"), "cannot open");
}

TEST(DataBatchFile, TruncatedHeader) {
  ScratchDir dir;
  writeRaw(dir.file("empty"), {});
  expectReadError(dir.file("empty"), "truncated");
  writeRaw(dir.file("short"), {1, 0, 0, 0, 1, 0, 0, 0, 28, 0});
  expectReadError(dir.file("short"), "truncated");
}

TEST(DataBatchFile, NegativeOrZeroDims) {
  ScratchDir dir;
  writeRaw(dir.file("neg"), rawBatch(2, -1, 28, 28, 0));
  expectReadError(dir.file("neg"), "bad dims");
  writeRaw(dir.file("zeroN"), rawBatch(0, 1, 28, 28, 0));
  expectReadError(dir.file("zeroN"), "must be positive");
  writeRaw(dir.file("zeroW"), rawBatch(1, 1, 28, 0, 0));
  expectReadError(dir.file("zeroW"), "bad dims");
}

TEST(DataBatchFile, HugeDimsDoNotWrapAround) {
  ScratchDir dir;
  // 2^31-1 in every dim: the product overflows 64 bits; it must not wrap to a small size.
  writeRaw(dir.file("huge"), rawBatch(0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 4));
  expectReadError(dir.file("huge"), "too large");
  // 65536^2 * 4 = 2^34 bytes: fits 64 bits, far more than the file has.
  writeRaw(dir.file("big"), rawBatch(65536, 1, 65536, 1, 4));
  expectReadError(dir.file("big"), "truncated");
}

TEST(DataBatchFile, TruncatedData) {
  ScratchDir dir;
  writeRaw(dir.file("batch3"), rawBatch(2, 1, 2, 2, 7));  // needs 8 floats
  expectReadError(dir.file("batch3"), "truncated batch file");
}

TEST(DataBatchFile, SizeMatchingNeitherWithNorWithoutLabels) {
  ScratchDir dir;
  writeRaw(dir.file("partial"), rawBatch(2, 1, 2, 2, 8, 5));  // 5 of 8 label bytes
  expectReadError(dir.file("partial"), "truncated labels");
  writeRaw(dir.file("onelabel"), rawBatch(2, 1, 2, 2, 9));  // 1 of 2 labels
  expectReadError(dir.file("onelabel"), "truncated labels");
}

TEST(DataBatchFile, TrailingBytes) {
  ScratchDir dir;
  writeRaw(dir.file("trail"), rawBatch(2, 1, 2, 2, 10, 3));
  expectReadError(dir.file("trail"), "3 trailing bytes");
}

TEST(DataBatchFile, WriteRejectsInconsistentBatch) {
  ScratchDir dir;
  BatchFile b = makeBatch(2, 1, 2, 2, true);
  b.data.pop_back();
  EXPECT_THROW(writeBatchFile(dir.file("x"), b), Error);
  b = makeBatch(2, 1, 2, 2, true);
  b.labels.push_back(1);
  EXPECT_THROW(writeBatchFile(dir.file("x"), b), Error);
  b = makeBatch(2, 1, 2, 2, false);
  b.n = 0;
  EXPECT_THROW(writeBatchFile(dir.file("x"), b), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x")));
}

TEST(DataBatchFile, CountBatchFilesStopsAtTheFirstGap) {
  ScratchDir dir;
  EXPECT_EQ(countBatchFiles(dir.path()), 0);
  for (int i : {0, 1, 2, 4}) writeBatchFile(batchFilePath(dir.path(), i), makeBatch(1, 1, 1, 1, false));
  EXPECT_EQ(batchFilePath(dir.path(), 2), dir.path() + "/batch2");
  EXPECT_EQ(countBatchFiles(dir.path()), 3);
}

}  // namespace
}  // namespace int8rt

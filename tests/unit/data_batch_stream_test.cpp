// BatchStream (CONTRACTS.md §5): batches straddle files of any size, skip does not count toward
// maxBatches, reset rewinds, and inconsistent directories are errors naming the bad file.
// Every pixel of image i holds the value i, so a batch's contents say which images it holds.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "data/batch_stream.h"
#include "unit/data_test_util.h"

namespace int8rt {
namespace {

using testing::ScratchDir;

constexpr int kC = 1, kH = 2, kW = 3;  // 6 floats per image

// Writes files batch0.. with the given image counts; image i (counted across files) has every
// pixel equal to i and label i % 10.
void writeFiles(const std::string& dir, const std::vector<int>& sizes, bool labels = true) {
  int image = 0;
  for (size_t f = 0; f < sizes.size(); ++f) {
    BatchFile b;
    b.n = sizes[f], b.c = kC, b.h = kH, b.w = kW;
    for (int i = 0; i < b.n; ++i, ++image) {
      b.data.insert(b.data.end(), size_t(kC * kH * kW), float(image));
      if (labels) b.labels.push_back(float(image % 10));
    }
    writeBatchFile(batchFilePath(dir, int(f)), b);
  }
}

// Checks that the current batch holds images first, first+1, ...
void expectBatchStartsAt(const BatchStream& s, int first) {
  const int size = s.getImageSize();
  for (int i = 0; i < s.getBatchSize(); ++i) {
    for (int j = 0; j < size; ++j) {
      ASSERT_EQ(s.getBatch()[i * size + j], float(first + i)) << "image " << i << " float " << j;
    }
    if (s.hasLabels()) {
      EXPECT_EQ(s.getLabels()[i], float((first + i) % 10));
    }
  }
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BatchStream, StraddlesFilesOfSevenWithBatchFive) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7, 7});  // 21 images: four full batches of 5, one image left over
  BatchStream s(dir.path(), 5, 0);
  EXPECT_EQ(s.getDims(), (std::vector<int>{5, kC, kH, kW}));
  EXPECT_EQ(s.getImageSize(), kC * kH * kW);
  EXPECT_TRUE(s.hasLabels());
  for (int b = 0; b < 4; ++b) {
    ASSERT_TRUE(s.next()) << "batch " << b;
    expectBatchStartsAt(s, 5 * b);
    EXPECT_EQ(s.getBatchesRead(), b + 1);
  }
  EXPECT_FALSE(s.next());  // a partial last batch is never served
  EXPECT_EQ(s.getBatchesRead(), 4);
  EXPECT_FALSE(s.next());
}

TEST(BatchStream, FilesOfDifferentSizesAndBatchLargerThanAFile) {
  ScratchDir dir;
  writeFiles(dir.path(), {3, 1, 11, 2});  // 17 images
  BatchStream s(dir.path(), 8, -1);
  EXPECT_EQ(s.totalImages(), 17);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 0);  // takes all of batch0 and batch1 and 4 of batch2
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 8);
  EXPECT_FALSE(s.next());
}

TEST(BatchStream, BatchBiggerThanEverythingServesNothing) {
  ScratchDir dir;
  writeFiles(dir.path(), {4, 4});
  BatchStream s(dir.path(), 9, 0);
  EXPECT_FALSE(s.next());
  EXPECT_EQ(s.getBatchesRead(), 0);
}

TEST(BatchStream, MaxBatchesStopsTheStream) {
  ScratchDir dir;
  writeFiles(dir.path(), {10, 10, 10});
  BatchStream s(dir.path(), 4, 3);
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 8);
  EXPECT_FALSE(s.next());  // 7 batches of images remain, but the limit is reached
  EXPECT_EQ(s.getBatchesRead(), 3);
}

TEST(BatchStream, SkipDoesNotCountTowardMaxBatches) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7, 7});
  BatchStream s(dir.path(), 5, 2);
  s.skip(2);
  EXPECT_EQ(s.getBatchesRead(), 0);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 10);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 15);
  EXPECT_EQ(s.getBatchesRead(), 2);
  EXPECT_FALSE(s.next());
}

TEST(BatchStream, SkipAfterReadingContinuesFromThere) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7, 7, 7});
  BatchStream s(dir.path(), 3, 0);
  ASSERT_TRUE(s.next());  // images 0..2
  s.skip(3);              // skips 3..11, crossing into batch1
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 12);
  EXPECT_EQ(s.getBatchesRead(), 2);
}

TEST(BatchStream, ResetRewindsThenSkips) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7, 7});
  BatchStream s(dir.path(), 5, 0);
  while (s.next()) {
  }
  EXPECT_EQ(s.getBatchesRead(), 4);
  s.reset(0);
  EXPECT_EQ(s.getBatchesRead(), 0);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 0);
  s.reset(3);
  EXPECT_EQ(s.getBatchesRead(), 0);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 15);
  EXPECT_FALSE(s.next());
}

TEST(BatchStream, SkipPastTheEndExhaustsUntilReset) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7});
  BatchStream s(dir.path(), 5, 0);
  s.skip(100);
  EXPECT_FALSE(s.next());
  s.reset(1);
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 5);
}

TEST(BatchStream, WorksWithoutLabels) {
  ScratchDir dir;
  writeFiles(dir.path(), {7, 7}, false);
  BatchStream s(dir.path(), 5, 0);
  EXPECT_FALSE(s.hasLabels());
  EXPECT_EQ(s.getLabels(), nullptr);
  ASSERT_TRUE(s.next());
  ASSERT_TRUE(s.next());
  expectBatchStartsAt(s, 5);
  EXPECT_FALSE(s.next());
}

TEST(BatchStream, MissingDirectoryOrBatch0IsAnError) {
  ScratchDir dir;
  std::string m = errorOf([&] { BatchStream(dir.path(), 5, 0); });
  EXPECT_NE(m.find("no batch0"), std::string::npos) << m;
  EXPECT_NE(m.find(dir.path()), std::string::npos) << m;
  m = errorOf([&] { BatchStream(dir.file("nowhere"), 5, 0); });
  EXPECT_NE(m.find("nowhere"), std::string::npos) << m;
  writeFiles(dir.path(), {3});
  EXPECT_THROW(BatchStream(dir.path(), 0, 0), Error);
}

TEST(BatchStream, InconsistentDimsNameTheFile) {
  ScratchDir dir;
  writeFiles(dir.path(), {4, 4});
  BatchFile odd;
  odd.n = 4, odd.c = kC, odd.h = kH + 1, odd.w = kW;
  odd.data.assign(size_t(4 * kC * (kH + 1) * kW), 0.f);
  odd.labels.assign(4, 0.f);
  writeBatchFile(batchFilePath(dir.path(), 2), odd);
  BatchStream s(dir.path(), 4, 0);
  ASSERT_TRUE(s.next());
  ASSERT_TRUE(s.next());
  std::string m = errorOf([&] { s.next(); });
  EXPECT_NE(m.find(batchFilePath(dir.path(), 2)), std::string::npos) << m;
  EXPECT_NE(m.find("differ from batch0"), std::string::npos) << m;
}

TEST(BatchStream, LabelsInSomeFilesOnlyIsAnError) {
  ScratchDir dir;
  writeFiles(dir.path(), {4});
  BatchFile bare;
  bare.n = 4, bare.c = kC, bare.h = kH, bare.w = kW;
  bare.data.assign(size_t(4 * kC * kH * kW), 0.f);
  writeBatchFile(batchFilePath(dir.path(), 1), bare);
  BatchStream s(dir.path(), 3, 0);
  ASSERT_TRUE(s.next());
  std::string m = errorOf([&] { s.next(); });
  EXPECT_NE(m.find("batch1: has no labels"), std::string::npos) << m;
}

TEST(BatchStream, CorruptFileMidStreamIsAnErrorNotAnEnd) {
  ScratchDir dir;
  writeFiles(dir.path(), {4});
  testing::writeRaw(batchFilePath(dir.path(), 1), {4, 0, 0, 0, 1, 0});
  BatchStream s(dir.path(), 4, 0);
  ASSERT_TRUE(s.next());
  std::string m = errorOf([&] { s.next(); });
  EXPECT_NE(m.find("batch1: truncated"), std::string::npos) << m;
}

}  // namespace
}  // namespace int8rt

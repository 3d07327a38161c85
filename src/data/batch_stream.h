// Batch files and BatchStream exactly as CONTRACTS.md §5: binary little-endian files
// `<dir>/batch0`, `batch1`, ... holding int32 N,C,H,W, then N*C*H*W float32, then optionally N
// float32 labels. The stream serves batches of any size; a batch may straddle two files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace int8rt {

struct BatchFile {
  int32_t n = 0, c = 0, h = 0, w = 0;
  std::vector<float> data;    // n*c*h*w
  std::vector<float> labels;  // n, or empty when the file has none
};

// Throws int8rt::Error naming the file on truncation, bad dims or trailing garbage.
BatchFile readBatchFile(const std::string& path);
// Writes atomically (temporary name, then rename). labels may be empty.
void writeBatchFile(const std::string& path, const BatchFile& batch);

// "<dir>/batch<index>": the one place that spells the naming scheme.
std::string batchFilePath(const std::string& dir, int index);
// How many files batch0, batch1, ... exist without a gap (what a BatchStream would see).
int countBatchFiles(const std::string& dir);

class BatchStream {
 public:
  // Reads `<dir>/batch0`, `batch1`, ... lazily. maxBatches <= 0: until the files run out.
  // Throws when dir has no batch0 or a file is corrupt; files must all share C, H, W and all
  // carry labels or all lack them.
  BatchStream(const std::string& dir, int batchSize, int maxBatches);

  bool next();            // false after maxBatches batches or when the files run out
  void skip(int count);   // skips batches without counting them toward maxBatches
  void reset(int firstBatch);  // rewinds, then skips firstBatch
  const float* getBatch() const { return batch_.data(); }
  // nullptr when the files carry no labels.
  const float* getLabels() const { return hasLabels_ ? labels_.data() : nullptr; }
  bool hasLabels() const { return hasLabels_; }
  int getBatchSize() const { return batchSize_; }
  int getBatchesRead() const { return batchesRead_; }
  int getImageSize() const { return c_ * h_ * w_; }  // floats per image
  std::vector<int> getDims() const { return {batchSize_, c_, h_, w_}; }  // N = batch size
  int64_t totalImages() const;  // images in all files (reads every header once)

 private:
  // Copies the next batchSize images into batch_, crossing files as needed; false when the
  // files run out before the batch is full (a partial last batch is never served).
  bool fill();
  // Makes sure file_ has an unread image, loading following files; false when none is left.
  bool ensureImage();
  bool loadFile(int index);  // false when the file does not exist; throws when it is bad

  std::string dir_;
  int batchSize_, maxBatches_;
  int batchesRead_ = 0;
  int c_ = 0, h_ = 0, w_ = 0;
  bool hasLabels_ = false;
  BatchFile file_;
  int fileIndex_ = -1;   // index of the file held in file_, -1 before the first
  int64_t filePos_ = 0;  // next unread image in file_
  bool exhausted_ = false;  // a missing file was hit: nothing more to serve until reset()
  std::vector<float> batch_, labels_;
};

}  // namespace int8rt

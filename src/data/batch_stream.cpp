// BatchStream: serves fixed-size batches from batch files whose own N may differ from the batch
// size, the way TensorRT's sample BatchStream does (CONTRACTS.md §5).
#include "data/batch_stream.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/file_io.h"

namespace int8rt {

BatchStream::BatchStream(const std::string& dir, int batchSize, int maxBatches)
    : dir_(dir), batchSize_(batchSize), maxBatches_(maxBatches) {
  check(batchSize > 0, dir, ": batch size must be positive, got ", batchSize);
  check(isDirectory(dir), dir, ": not a directory of batch files");
  check(fileExists(batchFilePath(dir, 0)), dir, ": no batch0 file");
  // batch0 fixes the image dims and whether labels exist; every later file must agree.
  BatchFile first = readBatchFile(batchFilePath(dir, 0));
  c_ = first.c;
  h_ = first.h;
  w_ = first.w;
  hasLabels_ = !first.labels.empty();
  file_ = std::move(first);
  fileIndex_ = 0;
  batch_.resize(size_t(batchSize_) * size_t(getImageSize()));
  if (hasLabels_) labels_.resize(size_t(batchSize_));
}

bool BatchStream::loadFile(int index) {
  const std::string path = batchFilePath(dir_, index);
  if (!fileExists(path)) return false;
  BatchFile f = readBatchFile(path);
  if (f.c != c_ || f.h != h_ || f.w != w_)
    fail(path, ": image dims ", f.c, "x", f.h, "x", f.w, " differ from batch0's ", c_, "x", h_,
         "x", w_);
  if (f.labels.empty() == hasLabels_)
    fail(path, hasLabels_ ? ": has no labels but batch0 has" : ": has labels but batch0 has none");
  file_ = std::move(f);
  fileIndex_ = index;
  filePos_ = 0;
  return true;
}

bool BatchStream::ensureImage() {
  while (!exhausted_ && filePos_ >= file_.n) {
    if (!loadFile(fileIndex_ + 1)) exhausted_ = true;
  }
  return !exhausted_;
}

bool BatchStream::fill() {
  const size_t imageSize = size_t(getImageSize());
  int64_t done = 0;
  while (done < batchSize_) {
    if (!ensureImage()) return false;
    const int64_t take = std::min<int64_t>(batchSize_ - done, file_.n - filePos_);
    std::copy_n(file_.data.begin() + filePos_ * imageSize, take * imageSize,
                batch_.begin() + done * imageSize);
    if (hasLabels_)
      std::copy_n(file_.labels.begin() + filePos_, take, labels_.begin() + done);
    filePos_ += take;
    done += take;
  }
  return true;
}

bool BatchStream::next() {
  if (maxBatches_ > 0 && batchesRead_ >= maxBatches_) return false;
  if (!fill()) return false;
  ++batchesRead_;
  return true;
}

void BatchStream::skip(int count) {
  // Moves the read position only: no copying, and batchesRead_ is left alone by design.
  int64_t remaining = int64_t(std::max(count, 0)) * batchSize_;
  while (remaining > 0 && ensureImage()) {
    const int64_t take = std::min<int64_t>(remaining, file_.n - filePos_);
    filePos_ += take;
    remaining -= take;
  }
}

void BatchStream::reset(int firstBatch) {
  batchesRead_ = 0;
  exhausted_ = false;
  if (fileIndex_ != 0) {
    // batch0 existed when the stream was made; if it is gone now, that is an error, not an end.
    check(loadFile(0), batchFilePath(dir_, 0), ": disappeared while the stream was in use");
  }
  filePos_ = 0;
  skip(firstBatch);
}

int64_t BatchStream::totalImages() const {
  int64_t total = 0;
  for (int i = 0;; ++i) {
    const std::string path = batchFilePath(dir_, i);
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) break;
    uint8_t header[4];
    const bool ok = std::fread(header, 1, 4, f) == 4;
    std::fclose(f);
    check(ok, path, ": truncated batch file: no N in the header");
    // N is the first little-endian int32 of the header.
    const int32_t n = int32_t(uint32_t(header[0]) | uint32_t(header[1]) << 8 |
                              uint32_t(header[2]) << 16 | uint32_t(header[3]) << 24);
    check(n > 0, path, ": bad dims: N = ", n, " must be positive");
    total += n;
  }
  return total;
}

}  // namespace int8rt

// Scoring an engine on labelled batches (CONTRACTS.md §6): top-1, top-5 and inference time.
// Top-k: an image scores when the number of classes whose probability is >= the true class's
// (the true class included) is <= k.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "data/batch_stream.h"
#include "int8rt/runtime.h"

namespace int8rt {

struct ScoreResult {
  int64_t images = 0;
  int64_t batches = 0;
  int64_t top1 = 0;
  int64_t top5 = 0;
  double totalMs = 0;  // inference only (executeHost's inferenceMs: no reading or copying of batches)
  double top1Rate() const { return images ? double(top1) / images : 0; }
  double top5Rate() const { return images ? double(top5) / images : 0; }
  double msPerImage() const { return images ? totalMs / images : 0; }
  double msPerBatch() const { return batches ? totalMs / batches : 0; }
};

// Whether the true class ranks within the top k of `scores` (ties count against it).
bool inTopK(const float* scores, int classes, int label, int k);

// Runs up to nbBatches batches from the stream's current position through the engine's first
// input, scoring its first output. progress(batchIndex) is called after each batch.
ScoreResult scoreEngine(const Engine& engine, ExecutionContext& context, BatchStream& stream,
                        int nbBatches, const std::function<void(int)>& progress = nullptr);

}  // namespace int8rt

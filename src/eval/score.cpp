#include "eval/score.h"

#include <cmath>

#include "core/error.h"

namespace int8rt {

bool inTopK(const float* scores, int classes, int label, int k) {
  if (label < 0 || label >= classes) return false;
  float truth = scores[label];
  int atLeast = 0;
  for (int c = 0; c < classes; ++c) atLeast += scores[c] >= truth;
  return atLeast <= k;
}

ScoreResult scoreEngine(const Engine& engine, ExecutionContext& context, BatchStream& stream,
                        int nbBatches, const std::function<void(int)>& progress) {
  check(engine.nbBindings() >= 2 && engine.bindingIsInput(0), "engine has no input and output");
  int outBinding = -1;
  for (int i = 0; i < engine.nbBindings() && outBinding < 0; ++i)
    if (!engine.bindingIsInput(i)) outBinding = i;
  int64_t batch = stream.getBatchSize();
  Shape inShape = engine.bindingShapeForBatch(0, batch);
  Shape outShape = engine.bindingShapeForBatch(outBinding, batch);
  check(volume(inShape) == batch * stream.getImageSize(), "batches hold ",
        stream.getImageSize(), " values per image but the network input '",
        engine.bindingName(0), "' is ", shapeToString(inShape));
  check(stream.hasLabels(), "batches have no labels to score against");
  int classes = static_cast<int>(volume(outShape) / batch);
  std::vector<float> input(volume(inShape)), output(volume(outShape));
  // Extra outputs (networks with several) get buffers too; only the first one is scored.
  std::vector<std::vector<float>> extra;
  std::vector<void*> bindings(engine.nbBindings(), nullptr);
  bindings[0] = input.data();
  bindings[outBinding] = output.data();
  for (int i = 0; i < engine.nbBindings(); ++i)
    if (!bindings[i]) bindings[i] = extra.emplace_back(volume(engine.bindingShapeForBatch(i, batch))).data();
  ScoreResult r;
  for (int b = 0; b < nbBatches && stream.next(); ++b) {
    std::copy(stream.getBatch(), stream.getBatch() + input.size(), input.begin());
    // Host batches for any engine: a CUDA context copies through its pinned staging buffers
    // and reports the inference alone (CUDA events), a CPU context its wall time.
    double inferenceMs = 0;
    Status s = context.executeHost(batch, bindings.data(), &inferenceMs);
    check(s.isOk(), s.message());
    r.totalMs += inferenceMs;
    const float* labels = stream.getLabels();
    for (int64_t n = 0; n < batch; ++n) {
      int label = static_cast<int>(std::lround(labels[n]));
      const float* scores = output.data() + n * classes;
      r.top1 += inTopK(scores, classes, label, 1);
      r.top5 += inTopK(scores, classes, label, 5);
    }
    r.images += batch;
    r.batches++;
    if (progress) progress(b);
  }
  return r;
}

}  // namespace int8rt

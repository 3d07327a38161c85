// calibration_table: `make demo`'s second table. Calibrates LeNet with every calibration
// algorithm on the sample's calibration data (batches 0..9 of 50: 500 training images), builds
// an INT8 engine with each, and scores it on the 10,000 Fashion-MNIST test images (batches
// 600..699 of 100), next to the FP32 engine.
//
//   calibration_table [DATA_DIR]     (default data/int8/fashion, from scripts/prepare_fashion.sh)
//
// Calibration time is the builder's calibration step alone (bench_common.h: TimedCalibrator);
// build time is the whole build, tactic timing included; ms/image is the scoring pass's
// inference time (batch 100, threads: INT8RT_THREADS or all cores).
#include <chrono>
#include <cstdio>

#include "bench_common.h"
#include "data/batch_stream.h"
#include "eval/score.h"

namespace int8rt::bench {
namespace {

constexpr int kTestBatch = 100, kTestFirst = 600, kTestBatches = 100;

struct Row {
  std::string name;
  ScoreResult score;
  double calibrationSeconds = -1, buildSeconds = 0;
};

Row measure(const FashionData& data, const Network& net, const char* name,
            TimedCalibrator* calibrator) {
  Row row;
  row.name = name;
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Engine> engine = buildEngine(net, kTestBatch, calibrator, 0);
  row.buildSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (calibrator) row.calibrationSeconds = calibrator->seconds();
  auto context = engine->createExecutionContext();
  BatchStream test(data.batches(), kTestBatch, kTestBatches);
  test.reset(kTestFirst);
  row.score = scoreEngine(*engine, *context, test, kTestBatches);
  if (row.score.images != int64_t(kTestBatch) * kTestBatches)
    die(data.batches() + ": expected 10,000 test images in batch600..batch699");
  return row;
}

void print(const Row& r, const Row& fp32) {
  std::printf("%-15s %7.4f %7.4f ", r.name.c_str(), r.score.top1Rate(), r.score.top5Rate());
  if (r.calibrationSeconds >= 0)  // an INT8 row
    std::printf("%+10.2f %10.3f", 100.0 * (r.score.top1Rate() - fp32.score.top1Rate()),
                r.calibrationSeconds);
  else
    std::printf("%10s %10s", "-", "-");
  std::printf(" %8.2f %9.5f\n", r.buildSeconds, r.score.msPerImage());
  std::fflush(stdout);
}

}  // namespace
}  // namespace int8rt::bench

int main(int argc, char** argv) {
  using namespace int8rt;
  using namespace int8rt::bench;
  FashionData data;
  if (argc > 2 || (argc == 2 && std::string(argv[1]).rfind("-", 0) == 0)) {
    std::fprintf(stderr, "usage: calibration_table [DATA_DIR]   (default %s)\n", data.dir.c_str());
    return 2;
  }
  if (argc == 2) data.dir = argv[1];
  std::unique_ptr<Network> net = data.network();

  std::printf("INT8 calibration algorithms: LeNet, calibrated on 500 training images (batches 0..9 "
              "of 50),\nscored on the 10,000 Fashion-MNIST test images (batches 600..699 of 100)\n");
  std::printf("%-15s %7s %7s %10s %10s %8s %9s\n", "algorithm", "top-1", "top-5", "vs FP32 pt",
              "calib s", "build s", "ms/image");
  const Row fp32 = measure(data, *net, "fp32 (none)", nullptr);
  print(fp32, fp32);
  // The order of the table: TensorRT's algorithms (its default first), then int8rt's own.
  for (CalibrationAlgo algo : {CalibrationAlgo::kENTROPY_CALIBRATION_2, CalibrationAlgo::kENTROPY_CALIBRATION,
                               CalibrationAlgo::kMINMAX_CALIBRATION, CalibrationAlgo::kLEGACY_CALIBRATION,
                               CalibrationAlgo::kPERCENTILE, CalibrationAlgo::kMSE,
                               CalibrationAlgo::kENTROPY_GLOBAL}) {
    std::unique_ptr<TimedCalibrator> calibrator = fashionCalibrator(data, algo);
    print(measure(data, *net, calibrationAlgoName(algo), calibrator.get()), fp32);
  }
  return 0;
}

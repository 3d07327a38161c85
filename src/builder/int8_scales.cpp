// INT8 scales for the builder: from the calibrator's cache or a calibration run of the FP32
// network (calibrate_network.cpp), then user dynamic ranges on top.
#include <sstream>

#include "builder/calibrate_network.h"
#include "builder/precision.h"
#include "core/error.h"

namespace int8rt {

TensorScales obtainInt8Scales(const Network& net, const BuilderConfig& config) {
  TensorScales out;
  bool anyUserRange = false;
  for (int t = 0; t < net.nbTensors(); ++t) anyUserRange |= net.tensor(t).dynamicRange >= 0;

  if (config.calibrator) {
    CalibrateOptions options;
    options.threads = config.threads;
    options.log = config.log;
    options.device = config.device;  // calibrate on the GPU for a CUDA build
    CalibrationReport r = calibrateCanonical(net, *config.calibrator, options);
    for (const TensorCalibration& t : r.tensors) out.amax[t.name] = t.amax;
    std::ostringstream how;
    how << calibrationAlgoCacheName(r.algo);
    if (r.fromCache) how << " (from " << config.calibrator->cacheName() << ")";
    else how << " (" << r.batches << " batches of " << r.batchSize << ", " << r.seconds << " s)";
    out.metadata.push_back({"calibration", how.str()});
  } else {
    check(anyUserRange, "INT8 build needs a calibrator, a calibration cache or dynamic ranges");
    out.metadata.push_back({"calibration", "user dynamic ranges"});
  }
  for (int t = 0; t < net.nbTensors(); ++t)
    if (net.tensor(t).dynamicRange >= 0) out.amax[net.tensor(t).name] = net.tensor(t).dynamicRange;
  return out;
}

}  // namespace int8rt

#include "builder/precision.h"

#include "core/error.h"

namespace int8rt {

PrecisionAssignment assignPrecisions(const Network& net, const BuilderConfig& config,
                                     const TensorScales& scales) {
  PrecisionAssignment a;
  a.network = net;
  a.layerPrecision.assign(net.layers().size(), DataType::kFLOAT);
  a.tensorTypes.assign(net.nbTensors(), DataType::kFLOAT);
  a.tensorScales.assign(net.nbTensors(), 0.f);
  for (const auto& [name, type] : config.layerPrecision) {
    bool found = false;
    for (const Layer& l : net.layers()) found |= l.name == name;
    check(found, "layer precision override: no layer named '", name, "' after optimization");
  }
  return a;
}

TensorScales obtainInt8Scales(const Network&, const BuilderConfig&) {
  fail("INT8 builds are not available yet");
}

}  // namespace int8rt

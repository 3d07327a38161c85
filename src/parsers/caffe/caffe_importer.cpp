#include "parsers/caffe/caffe_importer.h"

#include <filesystem>
#include <type_traits>
#include <unordered_set>

#include "core/error.h"
#include "int8rt/parsers.h"
#include "parsers/caffe/caffe_files.h"
#include "parsers/caffe/caffe_layers.h"
#include "parsers/caffe/caffe_upgrade.h"

namespace int8rt {

namespace caffe_import {

namespace {

// Caffe's NetStateRule test against the state of a deploy net: phase TEST, level 0, no stages.
bool ruleMetInDeploy(const caffe::NetStateRule& r) {
  if (r.has_phase() && r.phase() != caffe::TEST) return false;
  if (r.has_min_level() && r.min_level() > 0) return false;
  if (r.has_max_level() && r.max_level() < 0) return false;
  return r.stage_size() == 0;  // a required stage is never present; not_stage never excludes
}

// As Caffe filters a net: with include rules, a layer needs one of them met; otherwise any
// met exclude rule drops it.
bool inDeployNet(const caffe::LayerParameter& l) {
  if (l.include_size() > 0) {
    for (const auto& r : l.include())
      if (ruleMetInDeploy(r)) return true;
    return false;
  }
  for (const auto& r : l.exclude())
    if (ruleMetInDeploy(r)) return false;
  return true;
}

std::vector<caffe::LayerParameter> deployLayers(const caffe::NetParameter& def) {
  std::vector<caffe::LayerParameter> out;
  for (const auto& l : def.layer())
    if (inDeployNet(l)) out.push_back(l);
  for (const auto& v1 : def.layers()) {
    caffe::LayerParameter l = upgradeV1Layer(v1);
    if (inDeployNet(l)) out.push_back(std::move(l));
  }
  return out;
}

// Tops that no layer reads are what the deploy net computes for its user.
void markOutputs(Network& net, const ImportContext& ctx) {
  std::unordered_set<TensorId> consumed;
  for (const Layer& l : net.layers()) consumed.insert(l.inputs.begin(), l.inputs.end());
  for (const auto& [name, t] : ctx.boundBlobs())
    if (!consumed.count(t) && !net.tensor(t).isInput) net.markOutput(t);
}

// Without a caffemodel the layers were built with zero placeholders (for shape inference while
// importing); the network promised to the caller has no weights at all.
void clearPlaceholderWeights(Network& net, const std::vector<size_t>& layers) {
  for (size_t i : layers) {
    std::visit(
        [](auto& p) {
          using P = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<P, ConvolutionParams> ||
                        std::is_same_v<P, FullyConnectedParams>) {
            p.weights = {};
            p.bias = {};
          } else if constexpr (std::is_same_v<P, ScaleParams>) {
            p.scale = {};
            p.shift = {};
          } else if constexpr (std::is_same_v<P, PReLUParams>) {
            p.slope = {};
          } else if constexpr (std::is_same_v<P, ConstantParams>) {
            p.values = {};
          }
        },
        net.layers()[i].params);
  }
}

void importLayer(ImportContext& ctx, const caffe::LayerParameter& l) {
  if (isTrainingOnlyLayer(l.type())) return;
  LayerImporter importer = findLayerImporter(l.type());
  check(importer != nullptr, "unsupported layer type '", l.type(), "'");
  importer(ctx, l);
}

}  // namespace

std::unique_ptr<Network> importNetwork(const caffe::NetParameter& def,
                                       const std::string& definitionName,
                                       const WeightStore* weights) {
  check(def.layer_size() == 0 || def.layers_size() == 0, definitionName,
        ": mixes `layer` and legacy `layers` definitions");
  auto net = std::make_unique<Network>();
  net->name = def.name().empty() ? std::filesystem::path(definitionName).stem().string()
                                 : def.name();
  ImportContext ctx(*net, weights);
  try {
    importLegacyInputs(ctx, def);
  } catch (const Error& e) {
    fail(definitionName, ": ", e.what());
  }
  std::vector<caffe::LayerParameter> layers = deployLayers(def);
  check(!layers.empty() || def.input_size() > 0, definitionName, ": the network has no layers");
  for (const auto& l : layers) {
    try {
      importLayer(ctx, l);
    } catch (const Error& e) {
      fail(definitionName, ": layer '", l.name(), "' (", l.type(), "): ", e.what());
    }
  }
  check(!net->inputs().empty(), definitionName,
        ": the network declares no inputs (no Input layer, input fields or shaped data layer)");
  markOutputs(*net, ctx);
  check(!net->outputs().empty(), definitionName, ": the network computes nothing (no outputs)");
  if (!weights) clearPlaceholderWeights(*net, ctx.weightedLayers());
  return net;
}

}  // namespace caffe_import

Result<std::unique_ptr<Network>> parseCaffe(const std::string& prototxtPath,
                                            const std::string& weightsPath) {
  return guardResult<std::unique_ptr<Network>>([&] {
    caffe::NetParameter def = caffe_import::readPrototxt(prototxtPath);
    std::unique_ptr<caffe_import::WeightStore> weights;
    if (!weightsPath.empty())
      weights = std::make_unique<caffe_import::WeightStore>(
          caffe_import::readCaffemodel(weightsPath), weightsPath);
    return caffe_import::importNetwork(def, prototxtPath, weights.get());
  });
}

}  // namespace int8rt

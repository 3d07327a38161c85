// FP16 precision decisions with a made-up kernel catalog (no GPU needed): FP16 layers get FP16
// tensors, reformats sit at every type boundary, bindings stay FP32 under their own names.
#include <gtest/gtest.h>

#include "builder/precision.h"
#include "test_random.h"

namespace int8rt {
namespace {

// x -> fc ("fc_out") -> softmax ("prob", the output).
Network smallNet() {
  Network net;
  TensorId x = net.addInput("x", DataType::kFLOAT, {-1, 3});
  Layer& f = net.addFullyConnected(x, 4, Weights{testing_util::randomFloats(12, 1)}, Weights{});
  f.name = "fc";
  net.tensor(f.output()).name = "fc_out";
  Layer& s = net.addSoftMax(f.output(), 1);
  s.name = "softmax";
  net.tensor(s.output()).name = "prob";
  net.markOutput(s.output());
  return net;
}

// FP16 kernels for the given kinds; INT8 for none.
KernelCatalog halfFor(std::vector<LayerKind> kinds) {
  auto has = [kinds](LayerKind k, DataType p) {
    return p == DataType::kHALF && std::find(kinds.begin(), kinds.end(), k) != kinds.end();
  };
  return {has, [has](const KernelSetup& s, DataType p) {
            for (DataType t : s.inputTypes) if (t != DataType::kHALF) return false;
            for (DataType t : s.outputTypes) if (t != DataType::kHALF) return false;
            return has(s.layer->kind(), p);
          }};
}

struct View {
  const PrecisionAssignment& a;
  const Layer& layer(const std::string& name) const {
    for (const Layer& l : a.network.layers())
      if (l.name == name) return l;
    ADD_FAILURE() << "no layer " << name;
    return a.network.layers()[0];
  }
  DataType precision(const std::string& name) const {
    for (size_t i = 0; i < a.network.layers().size(); ++i)
      if (a.network.layers()[i].name == name) return a.layerPrecision[i];
    return DataType::kINT32;
  }
  std::string tensorName(TensorId t) const { return a.network.tensor(t).name; }
  DataType type(TensorId t) const { return a.tensorTypes[t]; }
};

TEST(PrecisionFp16, ReformatsAtTypeBoundaries) {
  Network net = smallNet();
  BuilderConfig config;
  config.fp16 = true;
  PrecisionAssignment a = assignPrecisions(net, config, {}, halfFor({LayerKind::kFULLY_CONNECTED}));
  View v{a};
  ASSERT_EQ(a.network.layers().size(), 4u);  // to fp16, fc, to fp32, softmax
  EXPECT_EQ(v.precision("fc"), DataType::kHALF);
  EXPECT_EQ(v.precision("softmax"), DataType::kFLOAT);
  const Layer& fc = v.layer("fc");
  EXPECT_EQ(v.tensorName(fc.inputs[0]), "x (fp16)");
  EXPECT_EQ(v.type(fc.inputs[0]), DataType::kHALF);
  EXPECT_EQ(v.type(fc.output()), DataType::kHALF);
  const Layer& sm = v.layer("softmax");
  EXPECT_EQ(v.tensorName(sm.inputs[0]), "fc_out (fp32)");
  EXPECT_EQ(v.type(sm.inputs[0]), DataType::kFLOAT);
  EXPECT_EQ(v.layer("x (to fp16)").kind(), LayerKind::kIDENTITY);
  EXPECT_EQ(v.precision("x (to fp16)"), DataType::kHALF);
  // Bindings: FP32, original names.
  EXPECT_EQ(v.type(a.network.inputs()[0]), DataType::kFLOAT);
  ASSERT_EQ(a.network.outputs().size(), 1u);
  EXPECT_EQ(v.tensorName(a.network.outputs()[0]), "prob");
  EXPECT_EQ(v.type(a.network.outputs()[0]), DataType::kFLOAT);
  EXPECT_EQ(a.tensorTypes.size(), static_cast<size_t>(a.network.nbTensors()));
  EXPECT_TRUE(a.network.validate().isOk());
}

TEST(PrecisionFp16, OutputMadeInFp16IsConvertedUnderItsName) {
  Network net = smallNet();
  BuilderConfig config;
  config.fp16 = true;
  PrecisionAssignment a = assignPrecisions(
      net, config, {}, halfFor({LayerKind::kFULLY_CONNECTED, LayerKind::kSOFTMAX}));
  View v{a};
  ASSERT_EQ(a.network.layers().size(), 4u);  // to fp16, fc, softmax, prob to fp32
  EXPECT_EQ(v.precision("softmax"), DataType::kHALF);
  EXPECT_EQ(v.tensorName(v.layer("softmax").output()), "prob (fp16)");
  const Layer& out = v.layer("prob (to fp32)");
  EXPECT_EQ(v.tensorName(out.output()), "prob");
  EXPECT_EQ(v.type(out.output()), DataType::kFLOAT);
  ASSERT_EQ(a.network.outputs().size(), 1u);
  EXPECT_EQ(a.network.outputs()[0], out.output());
  EXPECT_TRUE(a.network.validate().isOk());
}

TEST(PrecisionFp16, ForcedFp32LayerStaysFp32) {
  Network net = smallNet();
  BuilderConfig config;
  config.fp16 = true;
  config.layerPrecision["fc"] = DataType::kFLOAT;
  PrecisionAssignment a = assignPrecisions(
      net, config, {}, halfFor({LayerKind::kFULLY_CONNECTED, LayerKind::kSOFTMAX}));
  View v{a};
  EXPECT_EQ(v.precision("fc"), DataType::kFLOAT);
  EXPECT_EQ(v.precision("softmax"), DataType::kHALF);
  EXPECT_EQ(v.tensorName(v.layer("softmax").inputs[0]), "fc_out (fp16)");
}

}  // namespace
}  // namespace int8rt

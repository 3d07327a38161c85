// ONNX importer: graph-level behaviour (order, initializers, dynamic batch, shape arithmetic,
// outputs, data types) and error messages.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "int8rt/parsers.h"
#include "onnx_test_util.h"
#include "parsers/onnx/onnx_error.h"

namespace int8rt {
namespace {

using testing_util::layersOfKind;
using testing_util::OnnxModel;
using testing_util::producer;
using testing_util::TempFile;

// Shape(x)[0] of a dynamic input feeding a Reshape: the batch must stay dynamic.
TEST(OnnxGraph, DynamicBatchSurvivesShapeGatherUnsqueezeConcatReshape) {
  OnnxModel m(13);
  m.input("x", {-1, 3, 4, 4});
  m.initInt64("zero", {}, {0});
  m.initInt64("axes", {1}, {0});
  m.initInt64("minus1", {1}, {-1});
  m.node("Shape", {"x"}, {"shape"});
  m.node("Gather", {"shape", "zero"}, {"batch"});
  m.node("Unsqueeze", {"batch", "axes"}, {"batch1d"});
  OnnxModel::attr(m.node("Concat", {"batch1d", "minus1"}, {"target"}), "axis", 0);
  m.node("Reshape", {"x", "target"}, {"y"}, "flatten");
  m.output("y");
  auto net = m.import();
  EXPECT_TRUE(net->hasDynamicBatch());
  ASSERT_EQ(net->layers().size(), 1u);  // all shape arithmetic folded away
  const auto& p = producer(*net, "y")->as<ShuffleParams>();
  EXPECT_EQ(p.reshapeDims, (Shape{0, 48}));  // the batch copied, the rest known
  EXPECT_EQ(net->inferShapesForBatch(5)[net->findTensor("y")], (Shape{5, 48}));
  EXPECT_EQ(net->symbolicShape(net->findTensor("y")), (Shape{-1, 48}));
}

// batch * k in the target, not at the batch's position: becomes the single -1.
TEST(OnnxGraph, DynamicBatchMultipleOfBatchBecomesMinusOne) {
  OnnxModel m(13);
  m.input("x", {-1, 2, 6});
  m.initInt64("idx", {2}, {0, 1});
  m.initInt64("six", {1}, {6});
  m.node("Shape", {"x"}, {"s"});
  m.node("Gather", {"s", "idx"}, {"nc"});            // [N, 2]
  m.node("Slice", {"nc", "zero1", "one1"}, {"n"});   // [N]
  m.initInt64("zero1", {1}, {0});
  m.initInt64("one1", {1}, {1});
  m.initInt64("two", {1}, {2});
  m.node("Mul", {"n", "two"}, {"n2"});               // [2N]
  OnnxModel::attr(m.node("Concat", {"n2", "six"}, {"target"}), "axis", 0);
  m.node("Reshape", {"x", "target"}, {"y"});
  m.output("y");
  auto net = m.import();
  EXPECT_EQ(producer(*net, "y")->as<ShuffleParams>().reshapeDims, (Shape{-1, 6}));
  EXPECT_EQ(net->inferShapesForBatch(3)[net->findTensor("y")], (Shape{6, 6}));
}

TEST(OnnxGraph, BatchArithmeticThatCannotStaySymbolicIsAClearError) {
  OnnxModel m(13);
  m.input("x", {-1, 4});
  m.initInt64("zero", {1}, {0});
  m.initInt64("one", {1}, {1});
  m.initInt64("rest", {1}, {-1});
  m.node("Shape", {"x"}, {"s"});
  m.node("Gather", {"s", "zero"}, {"n"});
  m.node("Add", {"n", "one"}, {"n_plus_1"}, "grow");
  OnnxModel::attr(m.node("Concat", {"n_plus_1", "rest"}, {"target"}), "axis", 0);
  m.node("Reshape", {"x", "target"}, {"y"});
  m.output("y");
  EXPECT_EQ(m.importError(), "test.onnx: node 'grow' (Add): N + 1 depends on the dynamic batch in "
                             "a way int8rt cannot keep symbolic");
}

TEST(OnnxGraph, DynamicBatchFlattenAndFullyConnected) {
  OnnxModel m(11);
  m.input("x", {-1, 2, 3, 3});
  m.node("Flatten", {"x"}, {"f"});
  m.initRandom("W", {18, 5}, 21);
  m.node("MatMul", {"f", "W"}, {"y"});
  m.output("y");
  auto net = m.import();
  EXPECT_EQ(producer(*net, "f")->as<ShuffleParams>().reshapeDims, (Shape{0, 18}));
  EXPECT_EQ(producer(*net, "y")->kind(), LayerKind::kFULLY_CONNECTED);
  EXPECT_EQ(net->inferShapesForBatch(4)[net->findTensor("y")], (Shape{4, 5}));
}

TEST(OnnxGraph, InputDimZeroOrMinusOneAtDim0IsTheDynamicBatch) {
  for (int64_t d : {0, -1}) {
    OnnxModel m(13);
    auto& in = m.input("x", {1, 3});
    in.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_value(d);
    m.node("Relu", {"x"}, {"y"});
    m.output("y");
    auto net = m.import();
    EXPECT_EQ(net->tensor(net->inputs()[0]).shape, (Shape{-1, 3}));
  }
  OnnxModel m(13);
  m.input("x", {2, -1});  // symbolic non-batch dim
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  EXPECT_NE(m.importError().find("only dim 0 (the batch) may be dynamic"), std::string::npos)
      << m.importError();
}

TEST(OnnxGraph, ShuffledNodesAreSortedTopologically) {
  OnnxModel m(13);
  m.input("x", {2, 3});
  m.node("Sigmoid", {"b"}, {"c"}, "third");
  m.node("Tanh", {"a"}, {"b"}, "second");
  m.node("Relu", {"x"}, {"a"}, "first");
  m.output("c");
  auto net = m.import();
  ASSERT_EQ(net->layers().size(), 3u);
  EXPECT_EQ(net->layers()[0].name, "first");
  EXPECT_EQ(net->layers()[1].name, "second");
  EXPECT_EQ(net->layers()[2].name, "third");
  EXPECT_TRUE(net->validate().isOk());
}

TEST(OnnxGraph, CycleIsAnErrorNamingANode) {
  OnnxModel m(13);
  m.input("x", {2});
  m.node("Add", {"x", "b"}, {"a"}, "n1");
  m.node("Relu", {"a"}, {"b"}, "n2");
  m.output("b");
  std::string e = m.importError();
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  EXPECT_NE(e.find("test.onnx: node 'n1' (Add)"), std::string::npos) << e;
}

TEST(OnnxGraph, UnusedNodesAndInitializersAreIgnored) {
  OnnxModel m(13);
  m.input("x", {2});
  auto* strings = m.model.mutable_graph()->add_initializer();  // undecodable, but unused
  strings->set_name("words");
  strings->set_data_type(8);
  strings->add_dims(1);
  strings->add_string_data("hello");
  m.node("NoSuchOp", {"x"}, {"dead"});  // feeds no output
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  auto net = m.import();
  EXPECT_EQ(net->layers().size(), 1u);
}

TEST(OnnxGraph, Ir3InitializerListedAsInputIsAConstantNotAnInput) {
  OnnxModel m(6, 3);
  m.input("x", {2, 3, 5, 5});
  m.input("W", {4, 3, 3, 3});
  m.input("B", {4});
  m.initRandom("W", {4, 3, 3, 3}, 31);
  m.initRandom("B", {4}, 32);
  m.node("Conv", {"x", "W", "B"}, {"y"});
  m.output("y");
  auto net = m.import();
  ASSERT_EQ(net->inputs().size(), 1u);
  EXPECT_EQ(net->tensor(net->inputs()[0]).name, "x");
  EXPECT_EQ(producer(*net, "y")->kind(), LayerKind::kCONVOLUTION);
}

TEST(OnnxGraph, InputValuesFreezeOnlyInputsThatMustBeConstant) {
  OnnxModel m(13);
  m.input("x", {1, 1, 4, 4});
  m.input("W", {2, 1, 3, 3});
  m.input("y", {1, 2, 2, 2});
  m.node("Conv", {"x", "W"}, {"c"});
  m.node("Add", {"c", "y"}, {"z"});
  m.output("z");
  onnx::TensorProto w = OnnxModel::floatTensor("W", {2, 1, 3, 3}, testing_util::randomFloats(18, 1));
  onnx::TensorProto y = OnnxModel::floatTensor("y", {1, 2, 2, 2}, testing_util::randomFloats(8, 2));
  onnx_import::ImportOptions options;
  options.inputValues = {{"W", &w}, {"y", &y}};
  auto net = m.import(options);
  ASSERT_EQ(net->inputs().size(), 2u);  // W baked into the convolution, y stays an input
  EXPECT_EQ(net->tensor(net->inputs()[0]).name, "x");
  EXPECT_EQ(net->tensor(net->inputs()[1]).name, "y");
  EXPECT_EQ(producer(*net, "c")->as<ConvolutionParams>().weights.count(), 18);
}

TEST(OnnxGraph, ConstantFoldingOfInt64ShapeArithmetic) {
  OnnxModel m(13);
  m.input("x", {2, 3, 4});
  auto& c = m.node("Constant", {}, {"dims"});
  OnnxModel::attrInts(c, "value_ints", {3, 4});
  m.initInt64("two", {}, {2});
  m.node("Div", {"dims", "two"}, {"half"});  // [1, 2]
  m.node("Mul", {"half", "two"}, {"back"});  // [2, 4]
  m.node("Sub", {"back", "two"}, {"less"});  // [0, 2]
  m.initInt64("k", {1}, {-1});
  OnnxModel::attr(m.node("Concat", {"k", "less"}, {"target"}), "axis", 0);  // [-1, 0, 2]
  OnnxModel::attr(m.node("Cast", {"target"}, {"target64"}), "to", 7);
  m.node("Reshape", {"x", "target64"}, {"y"});
  m.output("y");
  auto net = m.import();
  ASSERT_EQ(net->layers().size(), 1u);
  EXPECT_EQ(net->inferShapesForBatch(1)[net->findTensor("y")], (Shape{4, 3, 2}));
}

TEST(OnnxGraph, ConstantOfShapeAndFloat16Initializers) {
  OnnxModel m(13);
  m.input("x", {2, 3});
  m.initInt64("shape", {2}, {2, 3});
  auto& n = m.node("ConstantOfShape", {"shape"}, {"ones"});
  OnnxModel::attrT(n, "value", OnnxModel::floatTensor("v", {1}, {1.f}));
  onnx::TensorProto half;
  half.set_name("h");
  half.set_data_type(10);
  half.add_dims(3);
  for (int bits : {0x3c00, 0xc000, 0x3800}) half.add_int32_data(bits);  // 1, -2, 0.5
  *m.model.mutable_graph()->add_initializer() = half;
  m.node("Add", {"x", "ones"}, {"a"});
  m.node("Mul", {"a", "h"}, {"y"});
  m.output("y");
  auto net = m.import();
  auto consts = layersOfKind(*net, LayerKind::kCONSTANT);
  ASSERT_EQ(consts.size(), 2u);
  EXPECT_EQ(consts[0]->as<ConstantParams>().values.values, std::vector<float>(6, 1.f));
  EXPECT_EQ(consts[1]->as<ConstantParams>().values.values, (std::vector<float>{1.f, -2.f, 0.5f}));
}

TEST(OnnxGraph, OutputsKeepOnnxNamesAndOrder) {
  OnnxModel m(13);
  m.input("x", {2, 3});
  m.node("Relu", {"x"}, {"r"});
  m.node("Identity", {"r"}, {"out_b"});
  m.node("Identity", {"x"}, {"out_c"});
  m.output("out_b");
  m.output("r");
  m.output("out_c");
  auto net = m.import();
  auto outs = net->outputs();
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(net->tensor(outs[0]).name, "out_b");
  EXPECT_EQ(net->tensor(outs[1]).name, "r");
  EXPECT_EQ(net->tensor(outs[2]).name, "out_c");
  EXPECT_TRUE(net->validate().isOk()) << net->validate().message();
}

TEST(OnnxGraph, ParseOnnxReadsAFileAndNamesTheNetworkAfterIt) {
  OnnxModel m(13);
  m.input("x", {1, 2});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  TempFile f("tiny_model.onnx");
  std::ofstream(f.path, std::ios::binary) << m.bytes();
  auto net = parseOnnx(f.path);
  ASSERT_TRUE(net.isOk()) << net.status().message();
  EXPECT_EQ((*net)->name, "tiny_model");
}

// ---- errors: one line naming the file and the node ----

TEST(OnnxErrors, UnknownOperatorNamesTheOpAndTheNode) {
  OnnxModel m(13);
  m.input("x", {2});
  m.node("FancyNewOp", {"x"}, {"y"}, "fancy");
  m.output("y");
  EXPECT_THROW(m.import(), onnx_import::UnsupportedError);
  EXPECT_EQ(m.importError(),
            "test.onnx: node 'fancy' (FancyNewOp): operator 'FancyNewOp' is not supported");
}

TEST(OnnxErrors, OperatorOfAnotherDomainIsUnsupported) {
  OnnxModel m(13);
  m.input("x", {2});
  m.node("Relu", {"x"}, {"y"}).set_domain("com.microsoft");
  m.output("y");
  std::string e = m.importError();
  EXPECT_NE(e.find("domain 'com.microsoft'"), std::string::npos) << e;
}

TEST(OnnxErrors, MissingInputNamesNodeAndValue) {
  OnnxModel m(13);
  m.input("x", {2});
  m.node("Add", {"x", "nowhere"}, {"y"});
  m.output("y");
  EXPECT_EQ(m.importError(), "test.onnx: node #0 (Add, output 'y'): input 'nowhere' is not "
                             "produced by any node, initializer or graph input");
}

TEST(OnnxErrors, BadAttributeNamesIt) {
  OnnxModel m(13);
  m.input("x", {1, 1, 4, 4});
  m.initRandom("W", {1, 1, 3, 3}, 1);
  OnnxModel::attrS(m.node("Conv", {"x", "W"}, {"y"}, "c"), "auto_pad", "SAME_MIDDLE");
  m.output("y");
  EXPECT_NE(m.importError().find("test.onnx: node 'c' (Conv): attribute 'auto_pad' is 'SAME_MIDDLE'"),
            std::string::npos)
      << m.importError();
  OnnxModel m2(13);
  m2.input("x", {1, 1, 4, 4});
  m2.initRandom("W", {1, 1, 3, 3}, 1);
  OnnxModel::attrF(m2.node("Conv", {"x", "W"}, {"y"}, "c"), "group", 1.f);
  m2.output("y");
  EXPECT_NE(m2.importError().find("attribute 'group' has type FLOAT, expected INT"), std::string::npos)
      << m2.importError();
}

TEST(OnnxErrors, NonFloatGraphInputIsUnsupportedNamingTheType) {
  OnnxModel m(13);
  m.input("q", {4}, 3);
  m.node("Relu", {"q"}, {"y"});
  m.output("y", 3);
  EXPECT_THROW(m.import(), onnx_import::UnsupportedError);
  EXPECT_NE(m.importError().find("graph input 'q' has type int8"), std::string::npos) << m.importError();
}

TEST(OnnxErrors, RuntimeWeightsWithoutAValueAreAnError) {
  OnnxModel m(13);
  m.input("x", {1, 1, 4, 4});
  m.input("W", {1, 1, 3, 3});
  m.node("Conv", {"x", "W"}, {"y"}, "c");
  m.output("y");
  EXPECT_NE(m.importError().find("input 1 ('W', weights) must be a constant"), std::string::npos)
      << m.importError();
}

TEST(OnnxErrors, OpsetOutOfRangeIsUnsupported) {
  OnnxModel m(26);
  m.input("x", {2});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  EXPECT_THROW(m.import(), onnx_import::UnsupportedError);
  EXPECT_NE(m.importError().find("opset 26 is not supported"), std::string::npos) << m.importError();
}

TEST(OnnxErrors, MissingAndTruncatedFilesNameTheFile) {
  auto missing = parseOnnx("/nonexistent/dir/model.onnx");
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/model.onnx: cannot open"), std::string::npos)
      << missing.status().message();

  OnnxModel m(13);
  m.input("x", {1, 2});
  m.initRandom("k", {2}, 3);
  m.node("Add", {"x", "k"}, {"y"});
  m.output("y");
  std::string bytes = m.bytes();
  TempFile f("truncated.onnx");
  std::ofstream(f.path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto r = parseOnnx(f.path);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message().rfind(f.path + ": ", 0), 0u) << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace int8rt

// The network definition: tensors, layers with named parameter structs, and weights. Parsers
// and users build it through TensorRT-style add* calls; the builder turns it into a plan.
//
// Shapes: every tensor has a full shape, batch first where there is one. A network input whose
// dim 0 is -1 has a dynamic batch (bounded by the builder's max batch); shapes of the other
// tensors follow by shape inference (Network::inferShapes) for any concrete batch size.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "int8rt/status.h"

namespace int8rt {

using Shape = std::vector<int64_t>;
int64_t volume(const Shape& s);            // product of dims (1 for a scalar)
std::string shapeToString(const Shape& s);  // "[1,3,28,28]"

enum class DataType : uint8_t { kFLOAT = 0, kHALF = 1, kINT8 = 2, kINT32 = 3 };
const char* dataTypeName(DataType t);

// A dense float array. Shapes of weights are given by the layer parameters that own them.
struct Weights {
  std::vector<float> values;
  int64_t count() const { return static_cast<int64_t>(values.size()); }
  bool empty() const { return values.empty(); }
};

enum class ActivationType : uint8_t {
  kNONE = 0,      // identity (used for "no fused activation")
  kRELU,
  kLEAKY_RELU,    // x >= 0 ? x : alpha * x
  kSIGMOID,
  kTANH,
  kCLIP,          // clamp(x, alpha, beta)
  kHARD_SIGMOID,  // max(0, min(1, alpha * x + beta))
  kHARD_SWISH,    // x * max(0, min(1, x / 6 + 0.5))
  kELU,           // x >= 0 ? x : alpha * (exp(x) - 1)
  kSELU,          // beta * (x >= 0 ? x : alpha * (exp(x) - 1))
  kSOFTPLUS,      // log(1 + exp(x))
  kSOFTSIGN,      // x / (1 + |x|)
  kABS,
  kEXP,
  kSQRT,
  kNEG,
  kCOUNT
};
const char* activationName(ActivationType t);

struct Activation {
  ActivationType type = ActivationType::kNONE;
  float alpha = 0.f;
  float beta = 0.f;
};

// ---- layer parameters: one named struct per layer kind ----

// N-d convolution over the dims after [N, C]. Weights [K, C/groups, k0, k1, ...], bias [K] or empty.
struct ConvolutionParams {
  int64_t nbOutputMaps = 0;
  Shape kernel;     // spatial kernel size
  Shape stride;     // default 1
  Shape padBegin;   // default 0
  Shape padEnd;     // default 0
  Shape dilation;   // default 1
  int64_t groups = 1;
  Weights weights;
  Weights bias;
  Activation activation;  // fused by the builder; kNONE when parsed
  // Max pooling fused by the builder after the activation, with windows that do not overlap and
  // no padding (window == stride, floor rounding): one value per window, so the convolution's
  // own output never reaches memory. Empty (the default, and always when parsed) = none. Only
  // fused where a kernel of the target device supports it.
  Shape fusedMaxPool;
};

enum class PoolingType : uint8_t { kMAX = 0, kAVERAGE = 1 };
// Output size rounding: floor (ONNX default), ceil (ONNX ceil_mode=1 and Caffe): with ceil, a
// last window that would start in the end padding or beyond is dropped (both frameworks agree).
enum class PoolRounding : uint8_t { kFLOOR = 0, kCEIL = 1 };
struct PoolingParams {
  PoolingType type = PoolingType::kMAX;
  Shape window;
  Shape stride;
  Shape padBegin;
  Shape padEnd;
  Shape dilation;
  PoolRounding rounding = PoolRounding::kFLOOR;
  // Average only: true divides by the window's elements inside the unpadded input (ONNX
  // count_include_pad=0); false divides by the window clipped to the padded input (Caffe, ONNX 1).
  bool averageExcludesPadding = true;
  bool global = false;  // window = all spatial dims, whatever the input size
};

// y[n, k] = sum_c x[n, c] * W[k, c] + bias[k], with x flattened from dim 1 on. Output [N, K].
struct FullyConnectedParams {
  int64_t nbOutputs = 0;
  Weights weights;  // [K, C] row-major
  Weights bias;     // [K] or empty
  Activation activation;
  // Set by the builder only (a device fusion, never by parsers): a softmax over each sample's
  // K outputs follows the activation, and the output is FP32 (the fused SoftMax layer's).
  bool fusedSoftmax = false;
};

// numpy matmul of two tensors (either may be a Constant), with optional transposes of the last two dims.
struct MatMulParams {
  bool transposeA = false;
  bool transposeB = false;
};

struct ActivationParams {
  Activation activation;
};

// Softmax over one axis; coerce2D gives ONNX opset < 13 semantics (flatten to
// [prod(dims < axis), prod(dims >= axis)] and normalise each row). log = LogSoftmax.
struct SoftMaxParams {
  int axis = 1;
  bool coerce2D = false;
  bool log = false;
};

enum class ElementWiseOp : uint8_t { kSUM = 0, kPROD, kMAX, kMIN, kSUB, kDIV, kPOW };
// Two inputs with numpy broadcasting. coeffs (Caffe Eltwise SUM) scales each input when non-empty.
struct ElementWiseParams {
  ElementWiseOp op = ElementWiseOp::kSUM;
  std::vector<float> coeffs;
  Activation activation;  // fused by the builder
};

struct ConcatenationParams {
  int axis = 1;
};

// y = (x * scale + shift) ^ power, per tensor (kUNIFORM), per channel (dim 1, kCHANNEL) or per
// element of one sample (kELEMENTWISE). Empty weights mean scale 1, shift 0, power 1.
enum class ScaleMode : uint8_t { kUNIFORM = 0, kCHANNEL = 1, kELEMENTWISE = 2 };
struct ScaleParams {
  ScaleMode mode = ScaleMode::kCHANNEL;
  Weights shift;
  Weights scale;
  Weights power;
  Activation activation;  // fused by the builder
};

// PReLU: x >= 0 ? x : slope * x, slope broadcast against x (numpy, right-aligned).
struct PReLUParams {
  Shape slopeShape;
  Weights slope;
};

// Local response normalisation across channels:
// y = x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta.
struct LRNParams {
  int64_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float k = 1.f;
};

// TensorRT's shuffle: first transpose, then reshape, then second transpose (each optional).
// In reshapeDims, 0 copies the input dim at that position and -1 is inferred.
struct ShuffleParams {
  std::vector<int> firstTranspose;
  bool doReshape = false;
  Shape reshapeDims;
  std::vector<int> secondTranspose;
};

enum class PaddingMode : uint8_t { kCONSTANT = 0, kREFLECT, kEDGE, kWRAP };
// Pads every dim (batch included): padBegin/padEnd have the input's rank; negative values crop.
struct PaddingParams {
  PaddingMode mode = PaddingMode::kCONSTANT;
  Shape padBegin;
  Shape padEnd;
  float value = 0.f;
};

struct ConstantParams {
  Shape shape;
  Weights values;
};

struct IdentityParams {};

using LayerParams =
    std::variant<ConvolutionParams, PoolingParams, FullyConnectedParams, MatMulParams,
                 ActivationParams, SoftMaxParams, ElementWiseParams, ConcatenationParams,
                 ScaleParams, PReLUParams, LRNParams, ShuffleParams, PaddingParams,
                 ConstantParams, IdentityParams>;

// LayerKind follows the order of LayerParams, so kind == params.index().
enum class LayerKind : uint8_t {
  kCONVOLUTION = 0, kPOOLING, kFULLY_CONNECTED, kMATMUL, kACTIVATION, kSOFTMAX, kELEMENTWISE,
  kCONCATENATION, kSCALE, kPRELU, kLRN, kSHUFFLE, kPADDING, kCONSTANT, kIDENTITY, kCOUNT
};
static_assert(static_cast<size_t>(LayerKind::kCOUNT) == std::variant_size_v<LayerParams>,
              "every layer kind has one parameter struct");
const char* layerKindName(LayerKind k);

using TensorId = int32_t;

struct Tensor {
  std::string name;
  Shape shape;              // declared shape for inputs (-1 = dynamic batch); inferred otherwise
  DataType type = DataType::kFLOAT;
  bool isInput = false;
  bool isOutput = false;
  // Dynamic range set by the user (setDynamicRange): amax = max(|min|, |max|); < 0 = unset.
  float dynamicRange = -1.f;
};

struct Layer {
  std::string name;
  LayerParams params;
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;

  LayerKind kind() const { return static_cast<LayerKind>(params.index()); }
  template <class P> P& as() { return std::get<P>(params); }
  template <class P> const P& as() const { return std::get<P>(params); }
  TensorId output(int i = 0) const { return outputs.at(i); }
};

class Network {
 public:
  // Adds a network input. dims[0] == -1 makes the batch dynamic.
  TensorId addInput(const std::string& name, DataType type, const Shape& dims);
  void markOutput(TensorId t);
  void unmarkOutput(TensorId t);

  // Each add* appends a layer with one output tensor named "<layer name>_output" (rename freely)
  // and returns it; layer names default to "(Unnamed Layer* <index>) [<Kind>]".
  Layer& addConvolution(TensorId input, int64_t nbOutputMaps, const Shape& kernel, Weights weights,
                        Weights bias);
  Layer& addPooling(TensorId input, PoolingType type, const Shape& window);
  Layer& addFullyConnected(TensorId input, int64_t nbOutputs, Weights weights, Weights bias);
  Layer& addMatrixMultiply(TensorId a, bool transposeA, TensorId b, bool transposeB);
  Layer& addActivation(TensorId input, ActivationType type, float alpha = 0.f, float beta = 0.f);
  Layer& addSoftMax(TensorId input, int axis = 1);
  Layer& addElementWise(TensorId a, TensorId b, ElementWiseOp op);
  Layer& addConcatenation(const std::vector<TensorId>& inputs, int axis = 1);
  Layer& addScale(TensorId input, ScaleMode mode, Weights shift, Weights scale, Weights power);
  Layer& addParametricReLU(TensorId input, const Shape& slopeShape, Weights slope);
  Layer& addLRN(TensorId input, int64_t size, float alpha, float beta, float k);
  Layer& addShuffle(TensorId input);
  Layer& addPadding(TensorId input, const Shape& padBegin, const Shape& padEnd);
  Layer& addConstant(const Shape& shape, Weights values);
  Layer& addIdentity(TensorId input);
  // Generic form used by parsers and graph passes.
  Layer& addLayer(LayerParams params, const std::vector<TensorId>& inputs, int nbOutputs = 1);

  void setDynamicRange(TensorId t, float min, float max);

  Tensor& tensor(TensorId t) { return tensors_.at(t); }
  const Tensor& tensor(TensorId t) const { return tensors_.at(t); }
  TensorId findTensor(const std::string& name) const;  // -1 when absent
  int nbTensors() const { return static_cast<int>(tensors_.size()); }
  std::vector<Layer>& layers() { return layers_; }
  const std::vector<Layer>& layers() const { return layers_; }
  const std::vector<TensorId>& inputs() const { return inputs_; }
  std::vector<TensorId> outputs() const;  // in the order they were marked

  std::string name;  // network name (model file stem by default)

  // Concrete shapes of every tensor for the given input shapes (indexed by TensorId; network
  // inputs take the given shapes in inputs() order). Throws int8rt::Error naming the layer on
  // any inconsistency. Layers must be in topological order (parsers guarantee it).
  std::vector<Shape> inferShapes(const std::vector<Shape>& inputShapes) const;
  // inferShapes with every dynamic batch dim set to `batch`.
  std::vector<Shape> inferShapesForBatch(int64_t batch) const;
  // Shape of one tensor with batch-dependent dims reported as -1 (computed by inferring at two
  // batch sizes). Parsers use it while building, e.g. for auto_pad or global pooling.
  Shape symbolicShape(TensorId t) const;
  bool hasDynamicBatch() const;

  // Checks names, references, topological order and shapes; the message names the layer.
  Status validate() const;

 private:
  TensorId newTensor(const std::string& name);
  std::vector<Tensor> tensors_;
  std::vector<Layer> layers_;
  std::vector<TensorId> inputs_;
  std::vector<TensorId> outputOrder_;
};

// Shape inference of one layer (used by Network::inferShapes and the runtime).
std::vector<Shape> inferLayerShapes(const Layer& layer, const std::vector<Shape>& inputShapes);

}  // namespace int8rt

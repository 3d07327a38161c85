// The operator table: every ONNX operator the importer implements, one importer function each
// (importConv, importRelu, ...). Adding an operator: one line here and its function.
#pragma once
#include "parsers/onnx/node_context.h"

#define INT8RT_ONNX_OPERATORS(X)                                                             \
  /* convolution and pooling (ops_conv_pool.cpp) */                                        \
  X(Conv) X(MaxPool) X(AveragePool) X(GlobalAveragePool) X(GlobalMaxPool)                  \
  /* dense (ops_dense.cpp) */                                                              \
  X(Gemm) X(MatMul)                                                                        \
  /* elementwise with broadcasting (ops_elementwise.cpp) */                                \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Sum) X(Max) X(Min) X(Mean)                          \
  /* activations (ops_activation.cpp) */                                                   \
  X(Relu) X(LeakyRelu) X(PRelu) X(Clip) X(Sigmoid) X(Tanh) X(HardSigmoid) X(HardSwish)     \
  X(Elu) X(Selu) X(Softplus) X(Softsign) X(Abs) X(Exp) X(Sqrt) X(Neg)                      \
  /* normalisation (ops_normalization.cpp) */                                              \
  X(Softmax) X(LogSoftmax) X(BatchNormalization) X(LRN)                                    \
  /* data movement (ops_shape.cpp) */                                                      \
  X(Flatten) X(Reshape) X(Transpose) X(Concat) X(Squeeze) X(Unsqueeze) X(Identity)         \
  X(Dropout) X(Pad)                                                                        \
  /* import-time constants and shape arithmetic (ops_folding.cpp) */                       \
  X(Constant) X(Shape) X(Gather) X(Slice) X(Cast) X(CastLike) X(ConstantOfShape)

namespace int8rt::onnx_import {

#define INT8RT_DECLARE_ONNX_OP(name) void import##name(NodeContext& ctx);
INT8RT_ONNX_OPERATORS(INT8RT_DECLARE_ONNX_OP)
#undef INT8RT_DECLARE_ONNX_OP

}  // namespace int8rt::onnx_import

#include "parsers/caffe/caffe_upgrade.h"

#include <google/protobuf/descriptor.h>

#include <utility>

namespace int8rt::caffe_import {

std::string v1TypeName(caffe::V1LayerParameter::LayerType type) {
  using V1 = caffe::V1LayerParameter;
  switch (type) {
    case V1::ABSVAL: return "AbsVal";
    case V1::ACCURACY: return "Accuracy";
    case V1::ARGMAX: return "ArgMax";
    case V1::BNLL: return "BNLL";
    case V1::CONCAT: return "Concat";
    case V1::CONTRASTIVE_LOSS: return "ContrastiveLoss";
    case V1::CONVOLUTION: return "Convolution";
    case V1::DATA: return "Data";
    case V1::DECONVOLUTION: return "Deconvolution";
    case V1::DROPOUT: return "Dropout";
    case V1::DUMMY_DATA: return "DummyData";
    case V1::EUCLIDEAN_LOSS: return "EuclideanLoss";
    case V1::ELTWISE: return "Eltwise";
    case V1::EXP: return "Exp";
    case V1::FLATTEN: return "Flatten";
    case V1::HDF5_DATA: return "HDF5Data";
    case V1::HDF5_OUTPUT: return "HDF5Output";
    case V1::HINGE_LOSS: return "HingeLoss";
    case V1::IM2COL: return "Im2col";
    case V1::IMAGE_DATA: return "ImageData";
    case V1::INFOGAIN_LOSS: return "InfogainLoss";
    case V1::INNER_PRODUCT: return "InnerProduct";
    case V1::LRN: return "LRN";
    case V1::MEMORY_DATA: return "MemoryData";
    case V1::MULTINOMIAL_LOGISTIC_LOSS: return "MultinomialLogisticLoss";
    case V1::MVN: return "MVN";
    case V1::POOLING: return "Pooling";
    case V1::POWER: return "Power";
    case V1::RELU: return "ReLU";
    case V1::SIGMOID: return "Sigmoid";
    case V1::SIGMOID_CROSS_ENTROPY_LOSS: return "SigmoidCrossEntropyLoss";
    case V1::SILENCE: return "Silence";
    case V1::SOFTMAX: return "Softmax";
    case V1::SOFTMAX_LOSS: return "SoftmaxWithLoss";
    case V1::SPLIT: return "Split";
    case V1::SLICE: return "Slice";
    case V1::TANH: return "TanH";
    case V1::WINDOW_DATA: return "WindowData";
    case V1::THRESHOLD: return "Threshold";
    case V1::NONE: break;
  }
  return "";
}

const std::string& v1LayerName(const caffe::V1LayerParameter& v1) {
  if (!v1.has_name() && v1.has_layer()) return v1.layer().name();
  return v1.name();
}

namespace {

// V0 type spellings of the layers an inference network uses. Others keep their V0 spelling and
// are reported as unsupported by that name.
std::string v0TypeName(const std::string& t) {
  static const std::pair<const char*, const char*> names[] = {
      {"conv", "Convolution"}, {"innerproduct", "InnerProduct"}, {"pool", "Pooling"},
      {"relu", "ReLU"},        {"sigmoid", "Sigmoid"},           {"tanh", "TanH"},
      {"softmax", "Softmax"},  {"lrn", "LRN"},                   {"dropout", "Dropout"},
      {"concat", "Concat"},    {"flatten", "Flatten"},           {"split", "Split"},
      {"data", "Data"},        {"images", "ImageData"},          {"hdf5_data", "HDF5Data"},
      {"window_data", "WindowData"}, {"accuracy", "Accuracy"},
      {"softmax_loss", "SoftmaxWithLoss"}, {"euclidean_loss", "EuclideanLoss"},
      {"infogain_loss", "InfogainLoss"},
      {"multinomial_logistic_loss", "MultinomialLogisticLoss"}};
  for (const auto& [v0, current] : names)
    if (t == v0) return current;
  return t;
}

// V0 keeps every layer's parameters flat in one message; they move to the per-type messages.
void upgradeV0Params(const caffe::V0LayerParameter& v0, caffe::LayerParameter& out) {
  const std::string& t = out.type();
  if (t == "Convolution") {
    auto* p = out.mutable_convolution_param();
    if (v0.has_num_output()) p->set_num_output(v0.num_output());
    p->set_bias_term(v0.biasterm());
    if (v0.has_kernelsize()) p->add_kernel_size(v0.kernelsize());
    if (v0.has_pad()) p->add_pad(v0.pad());
    if (v0.has_stride()) p->add_stride(v0.stride());
    p->set_group(v0.group());
  } else if (t == "InnerProduct") {
    auto* p = out.mutable_inner_product_param();
    if (v0.has_num_output()) p->set_num_output(v0.num_output());
    p->set_bias_term(v0.biasterm());
  } else if (t == "Pooling") {
    auto* p = out.mutable_pooling_param();
    p->set_pool(static_cast<caffe::PoolingParameter::PoolMethod>(v0.pool()));
    if (v0.has_kernelsize()) p->set_kernel_size(v0.kernelsize());
    p->set_pad(v0.pad());
    p->set_stride(v0.stride());
  } else if (t == "LRN") {
    auto* p = out.mutable_lrn_param();
    p->set_local_size(v0.local_size());
    p->set_alpha(v0.alpha());
    p->set_beta(v0.beta());
    p->set_k(v0.k());
  } else if (t == "Dropout") {
    out.mutable_dropout_param()->set_dropout_ratio(v0.dropout_ratio());
  } else if (t == "Concat") {
    out.mutable_concat_param()->set_concat_dim(v0.concat_dim());
  }
}

}  // namespace

caffe::LayerParameter upgradeV1Layer(const caffe::V1LayerParameter& v1) {
  caffe::LayerParameter out;
  out.set_name(v1LayerName(v1));
  std::string type = v1TypeName(v1.type());
  // A V1 entry with no type wraps a V0 layer: its type and parameters live inside.
  bool v0 = type.empty() && v1.has_layer();
  if (v0) type = v0TypeName(v1.layer().type());
  out.set_type(type);
  if (v0) upgradeV0Params(v1.layer(), out);
  out.mutable_bottom()->CopyFrom(v1.bottom());
  out.mutable_top()->CopyFrom(v1.top());
  out.mutable_include()->CopyFrom(v1.include());
  out.mutable_exclude()->CopyFrom(v1.exclude());
  out.mutable_loss_weight()->CopyFrom(v1.loss_weight());

  // The per-type parameter messages are the same types under the same field names in both
  // formats (only the numbers differ), so reflection copies them all without a list to maintain.
  const auto* v1Desc = v1.GetDescriptor();
  const auto* v1Refl = v1.GetReflection();
  const auto* outDesc = out.GetDescriptor();
  const auto* outRefl = out.GetReflection();
  for (int i = 0; i < v1Desc->field_count(); ++i) {
    const auto* f = v1Desc->field(i);
    if (f->is_repeated() || f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) continue;
    if (!v1Refl->HasField(v1, f)) continue;
    const auto* g = outDesc->FindFieldByName(f->name());
    if (!g || g->is_repeated() || g->message_type() != f->message_type()) continue;
    outRefl->MutableMessage(&out, g)->CopyFrom(v1Refl->GetMessage(v1, f));
  }
  return out;
}

}  // namespace int8rt::caffe_import

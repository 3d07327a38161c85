#include "parsers/onnx/attributes.h"

#include "core/error.h"
#include "onnx.pb.h"

namespace int8rt::onnx_import {

namespace {

using A = onnx::AttributeProto;

const char* typeName(int t) {
  switch (t) {
    case A::FLOAT: return "FLOAT";
    case A::INT: return "INT";
    case A::STRING: return "STRING";
    case A::TENSOR: return "TENSOR";
    case A::GRAPH: return "GRAPH";
    case A::FLOATS: return "FLOATS";
    case A::INTS: return "INTS";
    case A::STRINGS: return "STRINGS";
    case A::TENSORS: return "TENSORS";
    case A::GRAPHS: return "GRAPHS";
    case A::SPARSE_TENSOR: return "SPARSE_TENSOR";
  }
  return "UNDEFINED";
}

// For attributes without a declared type (IR 1-2 writers): what the stored fields suggest.
int guessType(const A& a) {
  if (a.has_f()) return A::FLOAT;
  if (a.has_i()) return A::INT;
  if (a.has_s()) return A::STRING;
  if (a.has_t()) return A::TENSOR;
  if (a.has_g()) return A::GRAPH;
  if (a.floats_size()) return A::FLOATS;
  if (a.ints_size()) return A::INTS;
  if (a.strings_size()) return A::STRINGS;
  return A::UNDEFINED;
}

}  // namespace

const onnx::AttributeProto* Attributes::find(const std::string& name, int type) const {
  for (const A& a : node_.attribute()) {
    if (a.name() != name) continue;
    check(a.ref_attr_name().empty(), "attribute '", name,
          "' refers to a function attribute, which only exists inside functions");
    int t = a.type() != A::UNDEFINED ? a.type() : guessType(a);
    // An empty list written without a type reads as UNDEFINED: accept it as an empty list.
    if (t == A::UNDEFINED && (type == A::INTS || type == A::FLOATS)) return &a;
    check(t == type, "attribute '", name, "' has type ", typeName(t), ", expected ", typeName(type));
    return &a;
  }
  return nullptr;
}

bool Attributes::has(const std::string& name) const {
  for (const A& a : node_.attribute())
    if (a.name() == name) return true;
  return false;
}

int64_t Attributes::getInt(const std::string& name, int64_t dflt) const {
  const A* a = find(name, A::INT);
  return a ? a->i() : dflt;
}

int64_t Attributes::requireInt(const std::string& name) const {
  const A* a = find(name, A::INT);
  check(a != nullptr, "required attribute '", name, "' is missing");
  return a->i();
}

float Attributes::getFloat(const std::string& name, float dflt) const {
  const A* a = find(name, A::FLOAT);
  return a ? a->f() : dflt;
}

std::string Attributes::getString(const std::string& name, const std::string& dflt) const {
  const A* a = find(name, A::STRING);
  return a ? a->s() : dflt;
}

std::vector<int64_t> Attributes::getInts(const std::string& name, std::vector<int64_t> dflt) const {
  const A* a = find(name, A::INTS);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : dflt;
}

std::vector<int64_t> Attributes::requireInts(const std::string& name) const {
  const A* a = find(name, A::INTS);
  check(a != nullptr, "required attribute '", name, "' is missing");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> Attributes::getFloats(const std::string& name) const {
  const A* a = find(name, A::FLOATS);
  return a ? std::vector<float>(a->floats().begin(), a->floats().end()) : std::vector<float>{};
}

const onnx::TensorProto* Attributes::getTensor(const std::string& name) const {
  const A* a = find(name, A::TENSOR);
  return a ? &a->t() : nullptr;
}

}  // namespace int8rt::onnx_import

// Integers of folded shape arithmetic. With a dynamic batch, Shape(x)[0] is not a number at
// import time: it is tracked as a multiple of the batch (batchFactor * N) so that a Reshape fed
// by it can keep the batch dynamic (0 = copy or -1 = infer) instead of freezing it.
#pragma once
#include <cstdint>
#include <string>

namespace int8rt::onnx_import {

struct SymInt {
  int64_t value = 0;        // the number, when batchFactor == 0
  int64_t batchFactor = 0;  // non-zero: the value is batchFactor * batch

  static SymInt known(int64_t v) { return {v, 0}; }
  static SymInt batchTimes(int64_t k) { return {0, k}; }
  bool symbolic() const { return batchFactor != 0; }
  bool operator==(const SymInt& o) const { return value == o.value && batchFactor == o.batchFactor; }
  std::string str() const {
    if (!symbolic()) return std::to_string(value);
    return batchFactor == 1 ? "N" : std::to_string(batchFactor) + "*N";
  }
};

// Arithmetic that stays within "a number or a multiple of the batch"; anything else throws,
// naming the operation, since the result would need the batch size at import time.
SymInt symAdd(SymInt a, SymInt b);
SymInt symSub(SymInt a, SymInt b);
SymInt symMul(SymInt a, SymInt b);
SymInt symDiv(SymInt a, SymInt b);  // integer division truncating toward zero, as ONNX Div
int64_t concreteValue(SymInt a, const char* what);  // throws when it depends on the batch

}  // namespace int8rt::onnx_import

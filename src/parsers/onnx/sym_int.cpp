#include "parsers/onnx/sym_int.h"

#include <cstdint>

#include "core/error.h"

namespace int8rt::onnx_import {

namespace {
[[noreturn]] void dependsOnBatch(const char* op, SymInt a, SymInt b) {
  fail(a.str(), " ", op, " ", b.str(),
       " depends on the dynamic batch in a way int8rt cannot keep symbolic");
}

// Shape arithmetic of a malformed model can overflow int64: an error, not undefined behaviour.
int64_t add(int64_t a, int64_t b) {
  int64_t r;
  check(!__builtin_add_overflow(a, b, &r), "integer overflow in shape arithmetic (", a, " + ", b, ")");
  return r;
}
int64_t mul(int64_t a, int64_t b) {
  int64_t r;
  check(!__builtin_mul_overflow(a, b, &r), "integer overflow in shape arithmetic (", a, " * ", b, ")");
  return r;
}
}  // namespace

SymInt symAdd(SymInt a, SymInt b) {
  if (!a.symbolic() && !b.symbolic()) return SymInt::known(add(a.value, b.value));
  // k*N + 0 stays k*N; k*N + m*N is (k+m)*N. A constant offset cannot be represented.
  if (a.symbolic() && b.symbolic()) {
    int64_t k = add(a.batchFactor, b.batchFactor);
    return k ? SymInt::batchTimes(k) : SymInt::known(0);
  }
  if (a.symbolic() && b.value == 0) return a;
  if (b.symbolic() && a.value == 0) return b;
  dependsOnBatch("+", a, b);
}

SymInt symSub(SymInt a, SymInt b) {
  SymInt nb = b.symbolic() ? SymInt::batchTimes(mul(-1, b.batchFactor)) : SymInt::known(mul(-1, b.value));
  return symAdd(a, nb);
}

SymInt symMul(SymInt a, SymInt b) {
  if (!a.symbolic() && !b.symbolic()) return SymInt::known(mul(a.value, b.value));
  if (a.symbolic() && b.symbolic()) dependsOnBatch("*", a, b);
  SymInt s = a.symbolic() ? a : b;
  int64_t c = a.symbolic() ? b.value : a.value;
  return c ? SymInt::batchTimes(mul(s.batchFactor, c)) : SymInt::known(0);
}

SymInt symDiv(SymInt a, SymInt b) {
  if (!b.symbolic()) {
    check(b.value != 0, "integer division by zero in shape arithmetic");
    check(!(a.value == INT64_MIN && b.value == -1), "integer overflow in shape arithmetic");
    if (!a.symbolic()) return SymInt::known(a.value / b.value);
    if (a.batchFactor % b.value == 0) return SymInt::batchTimes(a.batchFactor / b.value);
  } else if (a.symbolic() && a.batchFactor % b.batchFactor == 0) {
    return SymInt::known(a.batchFactor / b.batchFactor);  // (k*N) / (m*N)
  }
  dependsOnBatch("/", a, b);
}

int64_t concreteValue(SymInt a, const char* what) {
  check(!a.symbolic(), what, " depends on the dynamic batch (", a.str(),
        ") and must be known at import time");
  return a.value;
}

}  // namespace int8rt::onnx_import

// The scalar definition of every ElementWiseOp, shared by the reference and the fast tails.
#pragma once
#include <algorithm>
#include <cmath>

#include "int8rt/network.h"

namespace int8rt::cpu {

inline float elementWise(ElementWiseOp op, float a, float b) {
  switch (op) {
    case ElementWiseOp::kSUM:
      return a + b;
    case ElementWiseOp::kPROD:
      return a * b;
    case ElementWiseOp::kMAX:
      return std::max(a, b);
    case ElementWiseOp::kMIN:
      return std::min(a, b);
    case ElementWiseOp::kSUB:
      return a - b;
    case ElementWiseOp::kDIV:
      return a / b;
    case ElementWiseOp::kPOW:
      return std::pow(a, b);
  }
  return a;
}

inline bool isValidElementWiseOp(ElementWiseOp op) {
  return static_cast<int>(op) <= static_cast<int>(ElementWiseOp::kPOW);
}

}  // namespace int8rt::cpu

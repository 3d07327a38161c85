// Importer errors. An UnsupportedError marks a model the importer understands but int8rt cannot
// run (an operator, data type or feature outside its scope); a plain Error marks a broken model.
// The conformance runner tells the two apart to report "unsupported" versus "failed".
#pragma once
#include <sstream>
#include <utility>

#include "core/error.h"

namespace int8rt::onnx_import {

class UnsupportedError : public Error {
 public:
  explicit UnsupportedError(const std::string& m) : Error(m) {}
};

template <class... Parts>
[[noreturn]] void unsupported(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw UnsupportedError(os.str());
}

}  // namespace int8rt::onnx_import

// Inside the library, failures throw int8rt::Error; public entry points catch it and return a
// Status (see guard()). One exception type keeps every message a single line with its context.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "int8rt/status.h"

namespace int8rt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& m) : std::runtime_error(m) {}
};

// fail("file ", path, ": truncated") — builds the message from its parts and throws.
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw Error(os.str());
}

template <class... Parts>
void check(bool condition, Parts&&... parts) {
  if (!condition) fail(std::forward<Parts>(parts)...);
}

// Runs f() and turns an int8rt::Error (or any std::exception) into a Status.
template <class F>
Status guard(F&& f) {
  try {
    f();
    return Status::ok();
  } catch (const Error& e) {
    return Status::error(e.what());
  } catch (const std::bad_alloc&) {
    return Status::error("out of memory");
  } catch (const std::exception& e) {
    return Status::error(std::string("internal error: ") + e.what());
  }
}

// Same, for functions that produce a value.
template <class T, class F>
Result<T> guardResult(F&& f) {
  try {
    return Result<T>(f());
  } catch (const Error& e) {
    return Result<T>(Status::error(e.what()));
  } catch (const std::bad_alloc&) {
    return Result<T>(Status::error("out of memory"));
  } catch (const std::exception& e) {
    return Result<T>(Status::error(std::string("internal error: ") + e.what()));
  }
}

}  // namespace int8rt

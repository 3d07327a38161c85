// libFuzzer target for the ONNX importer: any bytes must give a network or an Error, never a
// crash, hang or sanitizer report. Not built by default; build with clang, e.g.
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     -I<build>/proto/onnx tests/fuzz/fuzz_onnx.cpp <build>/libint8rt.a <build>/libint8rt_proto.a \
//     -lprotobuf -lz -lpthread -o fuzz_onnx
// and run ./fuzz_onnx corpus/ with a few .onnx files (e.g. the conformance models) as seeds.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "onnx.pb.h"
#include "parsers/onnx/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto model = int8rt::onnx_import::parseModelBytes(data, size, "fuzz.onnx");
    auto net = int8rt::onnx_import::importModel(*model, "fuzz.onnx");
    // A network that imported must also be consistent enough to validate without crashing.
    (void)net->validate();
  } catch (const int8rt::Error&) {
    // Expected for almost every input.
  }
  return 0;
}

#include "backends/cuda/cudnn/cudnn_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace int8rt::cuda {

namespace {

constexpr const char* kLibrary = "libcudnn.so.9";

struct Loaded {
  CudnnApi api;
  std::string reason;  // "" when api is usable
};

// cuDNN 9 numbers its versions major * 10000 + minor * 100 + patch.
std::string versionText(size_t v) {
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

Loaded load() {
  Loaded l;
  const char* env = std::getenv("INT8RT_CUDNN");
  if (env && std::strcmp(env, "0") == 0) {
    l.reason = "cuDNN is turned off (INT8RT_CUDNN=0)";
    return l;
  }
  // RTLD_LOCAL: cuDNN's symbols stay out of the global namespace; the handle is kept open for
  // the life of the process (kernels may run until exit).
  void* lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    l.reason = std::string(kLibrary) + " could not be loaded (" + (e ? e : "unknown reason") + ")";
    return l;
  }
  bool complete = true;
#define I8RT_CUDNN_RESOLVE(fn)                                                       \
  if (complete) {                                                                   \
    l.api.fn = reinterpret_cast<decltype(&::fn)>(dlsym(lib, #fn));                   \
    if (!l.api.fn) {                                                                \
      l.reason = std::string(kLibrary) + " has no function " #fn;                   \
      complete = false;                                                             \
    }                                                                               \
  }
  I8RT_CUDNN_FUNCTIONS(I8RT_CUDNN_RESOLVE)
#undef I8RT_CUDNN_RESOLVE
  if (complete) {
    l.api.version = l.api.cudnnGetVersion();
    if (l.api.version / 10000 != 9) {
      l.reason = "cuDNN " + versionText(l.api.version) + " found, int8rt needs cuDNN 9";
      complete = false;
    }
  }
  if (!complete) {
    dlclose(lib);
    l.api = CudnnApi{};
  }
  return l;
}

const Loaded& loaded() {
  // Loaded once, thread-safely (magic static), and never destroyed: kernels of engines that
  // outlive main() still reach the table.
  static const Loaded* l = new Loaded(load());
  return *l;
}

}  // namespace

const CudnnApi* cudnnApi() { return loaded().reason.empty() ? &loaded().api : nullptr; }

const std::string& cudnnUnavailableReason() { return loaded().reason; }

std::string cudnnVersionText() { return cudnnApi() ? versionText(loaded().api.version) : ""; }

}  // namespace int8rt::cuda

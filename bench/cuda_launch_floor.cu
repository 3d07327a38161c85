// cuda_launch_floor: what a chain of N tiny kernels costs in one CUDA graph, timed the way
// cuda_bench times an engine (median of event pairs around each replay on one stream). It is the
// floor under any engine built of N kernels at a small batch: int8rt's LeNet INT8 engine is a
// chain of five, so this says how much of its time is kernel work and how much is the chain.
//
// Variants, each for N = 1..8 kernels of one 128-thread CTA that touch one word:
//   plain    ordinary launches (graph edges wait for full completion)
//   pdl      programmatic dependent launch, each kernel calls griddepcontrol.wait first
//   trigger  pdl, and each kernel also calls griddepcontrol.launch_dependents at entry, so the
//            next kernel's CTAs may start (and wait) while this one runs
//
// Then one empty kernel in the shapes of a whole-network kernel (int8rt's fused INT8 chain: 104
// CTAs of 512 threads, ~130 KiB of dynamic shared memory, clusters of 8, a ~2 KiB parameter),
// adding one trait at a time: what the launch itself costs before any work.
//
//   cuda_launch_floor [--iterations N]     (built with the CUDA backend: bench/CMakeLists.txt)
#include <cuda_runtime.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "cuda_launch_floor: %s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

enum class Mode { kPlain, kPdl, kTrigger };

template <Mode kMode>
__global__ void step(int* word) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  if (kMode == Mode::kTrigger) asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
  if (kMode != Mode::kPlain) asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
  if (threadIdx.x == 0) *word += 1;  // a real dependency: each kernel reads the last one's write
}

template <Mode kMode>
void launch(int* word, cudaStream_t stream) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(1);
  cfg.blockDim = dim3(128);
  cfg.stream = stream;
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr.val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = &attr;
  cfg.numAttrs = kMode == Mode::kPlain ? 0 : 1;
  check(cudaLaunchKernelEx(&cfg, step<kMode>, word), "launch");
}

// A kernel parameter as large as the fused chain's launch.
struct BigArgs {
  int* word;
  char pad[2048];
};
__global__ void emptySmall(int* word) {
  if (threadIdx.x == 0 && blockIdx.x == 0) *word += 1;
}
__global__ void emptyBig(const __grid_constant__ BigArgs a) {
  if (threadIdx.x == 0 && blockIdx.x == 0) *a.word += a.pad[7];
}

// One launch of 104 CTAs x 512 threads with the given traits.
void launchShaped(int* word, bool bigArgs, size_t smem, unsigned cluster, cudaStream_t stream) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(104);
  cfg.blockDim = dim3(512);
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeClusterDimension;
  attr.val.clusterDim.x = cluster;
  attr.val.clusterDim.y = attr.val.clusterDim.z = 1;
  cfg.attrs = &attr;
  cfg.numAttrs = cluster > 1 ? 1 : 0;
  if (bigArgs) {
    BigArgs a{};
    a.word = word;
    check(cudaLaunchKernelEx(&cfg, emptyBig, a), "launch");
  } else {
    check(cudaLaunchKernelEx(&cfg, emptySmall, word), "launch");
  }
}

// Median microseconds, event to event, of replaying a graph of what `capture` enqueues.
double timeGraph(const std::function<void(cudaStream_t)>& capture, int iterations, cudaStream_t stream) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "begin capture");
  capture(stream);
  check(cudaStreamEndCapture(stream, &graph), "end capture");
  check(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "event");
  check(cudaEventCreate(&stop), "event");
  for (int i = 0; i < 50; ++i) check(cudaGraphLaunch(exec, stream), "warm-up replay");
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    check(cudaEventRecord(start, stream), "record");
    check(cudaGraphLaunch(exec, stream), "replay");
    check(cudaEventRecord(stop, stream), "record");
    check(cudaEventSynchronize(stop), "sync");
    float t = 0;
    check(cudaEventElapsedTime(&t, start, stop), "elapsed");
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  check(cudaEventDestroy(start), "event");
  check(cudaEventDestroy(stop), "event");
  check(cudaGraphExecDestroy(exec), "destroy");
  check(cudaGraphDestroy(graph), "destroy");
  return ms[ms.size() / 2] * 1000.0;  // microseconds
}

}  // namespace

template <Mode kMode>
double timeChain(int kernels, int iterations, int* word, cudaStream_t stream) {
  return timeGraph(
      [&](cudaStream_t s) {
        for (int i = 0; i < kernels; ++i) launch<kMode>(word, s);
      },
      iterations, stream);
}

int main(int argc, char** argv) {
  int iterations = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: cuda_launch_floor [--iterations N]\n");
      return 2;
    }
  }
  if (iterations < 10) {
    std::fprintf(stderr, "cuda_launch_floor: --iterations must be at least 10\n");
    return 2;
  }
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "device");
  int* word = nullptr;
  check(cudaMalloc(&word, sizeof(int)), "cudaMalloc");
  cudaStream_t stream;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");
  std::printf("card name=%s sm=%d%d\n", prop.name, prop.major, prop.minor);
  std::printf("%-8s %12s %12s %12s\n", "kernels", "plain_us", "pdl_us", "trigger_us");
  for (int n = 1; n <= 8; ++n) {
    const double plain = timeChain<Mode::kPlain>(n, iterations, word, stream);
    const double pdl = timeChain<Mode::kPdl>(n, iterations, word, stream);
    const double trig = timeChain<Mode::kTrigger>(n, iterations, word, stream);
    std::printf("%-8d %12.2f %12.2f %12.2f\n", n, plain, pdl, trig);
  }
  const size_t smem = 130 * 1024;
  for (auto* k : {reinterpret_cast<const void*>(emptySmall), reinterpret_cast<const void*>(emptyBig)})
    check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
          "shared memory attribute");
  struct Shape {
    const char* name;
    bool big;
    size_t smem;
    unsigned cluster;
  };
  std::printf("\none empty kernel, 104 CTAs x 512 threads, as a graph of one launch:\n");
  for (const Shape& sh : {Shape{"plain", false, 0, 1}, Shape{"+130KiB_smem", false, smem, 1},
                          Shape{"+cluster8", false, smem, 8}, Shape{"+2KiB_param", true, smem, 8},
                          Shape{"2KiB_param_only", true, 0, 1}}) {
    const double us = timeGraph([&](cudaStream_t s) { launchShaped(word, sh.big, sh.smem, sh.cluster, s); },
                                iterations, stream);
    std::printf("%-16s %8.2f us\n", sh.name, us);
  }
  check(cudaFree(word), "cudaFree");
  return 0;
}

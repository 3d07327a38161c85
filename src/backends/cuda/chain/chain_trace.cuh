// Phase timing of the fused chain kernel, for tuning only (off unless the kernel is compiled
// with -DINT8RT_CHAIN_TRACE). Thread 0 of each CTA stamps clock64() at every TRACE() point (the
// kernel's phases: constants issued, input loaded, each stage's MMA and store, each push);
// TRACE_END() adds each stamp's distance from the CTA's start to device totals, and on the
// 1500th and 3000th launch CTA 0 prints the means over every CTA since the last print:
//   TRACE launches=1500 ctas=N ns_total=<CTA duration> cycles: 1:<stamp 1> 2:<stamp 2> ...
// Run anything that launches the chain that often (cuda_bench with INT8RT_CHAIN=force does).
// The stamps' order is the order of TRACE() calls in chain_kernel.cu.
#pragma once

#ifdef INT8RT_CHAIN_TRACE
__device__ unsigned long long gTraceSum[40];
__device__ unsigned long long gTraceCount;
__device__ unsigned int gTraceLaunches;
#define TRACE_DECL                \
  __shared__ long long traceTs[40]; \
  int traceN = 0;
#define TRACE_GT0          \
  long long traceGt0 = 0; \
  if (tid == 0) asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(traceGt0));
#define TRACE()                                \
  do {                                         \
    if (tid == 0) traceTs[traceN] = clock64(); \
    ++traceN;                                  \
  } while (0)
#define TRACE_SYNC() \
  do {               \
    __syncthreads(); \
    TRACE();         \
  } while (0)
#define TRACE_END()                                                                                    \
  do {                                                                                                 \
    if (tid == 0) {                                                                                    \
      long long gt;                                                                                    \
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(gt));                                          \
      for (int i = 1; i < traceN; ++i)                                                                 \
        atomicAdd(&gTraceSum[i], static_cast<unsigned long long>(traceTs[i] - traceTs[0]));            \
      atomicAdd(&gTraceSum[39], static_cast<unsigned long long>(gt - traceGt0));                      \
      atomicAdd(&gTraceCount, 1ull);                                                                   \
      if (blockIdx.x == 0) {                                                                           \
        const unsigned n = atomicAdd(&gTraceLaunches, 1u);                                             \
        if (n == 1500 || n == 3000) {                                                                  \
          const double c = static_cast<double>(gTraceCount);                                           \
          printf("TRACE launches=%u ctas=%.0f ns_total=%.0f cycles:", n, c, gTraceSum[39] / c);       \
          for (int i = 1; i < traceN; ++i) printf(" %d:%.0f", i, gTraceSum[i] / c);                    \
          printf("\n");                                                                                \
          for (int i = 0; i < 40; ++i) gTraceSum[i] = 0;                                               \
          gTraceCount = 0;                                                                             \
        }                                                                                              \
      }                                                                                                \
    }                                                                                                  \
  } while (0)
#else
#define TRACE_DECL
#define TRACE_GT0
#define TRACE() \
  do {          \
  } while (0)
#define TRACE_SYNC() \
  do {               \
  } while (0)
#define TRACE_END() \
  do {              \
  } while (0)
#endif

// Persistent workers that spin briefly, then sleep on a futex (C++20 atomic wait), between jobs:
// LeNet-sized layers take microseconds, so waking a sleeping thread per layer would cost more
// than the layer. A job is published by bumping a generation counter; chunks are claimed with one
// atomic increment each, so whoever is running (the caller included) takes the next chunk, and a
// worker that the OS has descheduled delays nothing. No mutex is taken per task.
#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define INT8RT_CPU_RELAX() _mm_pause()
#else
#define INT8RT_CPU_RELAX() std::this_thread::yield()
#endif

namespace int8rt {

namespace {

// Set while a thread runs a chunk (worker or caller): a parallelFor from inside runs serially,
// with the thread's own index so that per-thread scratch chosen by index never collides.
thread_local bool tInsideJob = false;
thread_local int tThreadIndex = 0;

// How long an idle worker spins before sleeping, and how long the caller spins before yielding.
// Long enough to cover the gap between two layers of a small network, short enough not to take a
// core from other processes for long.
constexpr auto kWorkerSpin = std::chrono::microseconds(200);
constexpr int kCallerSpinsBeforeYield = 2048;

// One published job. Two slots alternate so that the caller can publish job g+1 while a slow
// worker still looks at job g; a slot is rewritten only when no worker has it pinned.
struct Job {
  const std::function<void(int64_t, int64_t, int)>* fn = nullptr;
  int64_t n = 0;
  int chunks = 0;
  std::atomic<int> next{0};    // next chunk to claim
  std::atomic<int> done{0};    // chunks finished
  std::atomic<int> pinned{0};  // workers currently reading this slot
  std::mutex errorMutex;
  std::exception_ptr error;

  // Claims and runs chunks until none is left.
  void work(int threadIndex) {
    for (int c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      const int64_t begin = n * c / chunks, end = n * (c + 1) / chunks;
      try {
        (*fn)(begin, end, threadIndex);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_release);
    }
  }
};

}  // namespace

struct ThreadPool::Impl {
  int size = 1;
  std::vector<std::thread> workers;
  Job jobs[2];
  std::atomic<uint32_t> generation{0};  // job g lives in jobs[g & 1]
  std::atomic<bool> stop{false};
  std::mutex dispatch;  // one top-level parallelFor at a time; a second caller runs serially

  void workerLoop(int index) {
    tThreadIndex = index;
    uint32_t seen = 0;
    for (;;) {
      uint32_t g = generation.load();
      if (g == seen) {
        const auto until = std::chrono::steady_clock::now() + kWorkerSpin;
        for (int spins = 0; g == seen; ++spins) {
          INT8RT_CPU_RELAX();
          g = generation.load();
          if (g == seen && (spins & 63) == 63 && std::chrono::steady_clock::now() > until) {
            generation.wait(seen);
            g = generation.load();
          }
        }
      }
      seen = g;
      if (stop.load()) return;
      Job& job = jobs[g & 1];
      job.pinned.fetch_add(1);
      // Still job g after pinning: the caller cannot rewrite this slot until we unpin. If a newer
      // job was published meanwhile, skip this one (it needs no help: the caller finishes it).
      if (generation.load() == g) {
        tInsideJob = true;
        job.work(index);
        tInsideJob = false;
      }
      job.pinned.fetch_sub(1);
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>()) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl_->size = threads;
  impl_->workers.reserve(threads - 1);
  for (int i = 1; i < threads; ++i)
    impl_->workers.emplace_back([this, i] { impl_->workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  impl_->stop.store(true);
  impl_->generation.fetch_add(1);
  impl_->generation.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::size() const { return impl_->size; }

void ThreadPool::parallelFor(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  Impl& p = *impl_;
  if (tInsideJob || p.size == 1 || n == 1) {
    fn(0, n, tInsideJob ? tThreadIndex : 0);
    return;
  }
  std::unique_lock<std::mutex> lock(p.dispatch, std::try_to_lock);
  if (!lock.owns_lock()) {  // another thread is using this pool: do not wait for it
    fn(0, n, 0);
    return;
  }
  const uint32_t g = p.generation.load() + 1;
  Job& job = p.jobs[g & 1];
  // A worker may still hold this slot from job g-2 (finished, it is only leaving).
  for (int spins = 0; job.pinned.load() != 0; ++spins)
    if (spins < kCallerSpinsBeforeYield)
      INT8RT_CPU_RELAX();
    else
      std::this_thread::yield();
  job.fn = &fn;
  job.n = n;
  job.chunks = static_cast<int>(std::min<int64_t>(n, p.size));
  job.error = nullptr;
  job.done.store(0);
  job.next.store(0);
  p.generation.store(g);
  p.generation.notify_all();

  tInsideJob = true;
  tThreadIndex = 0;
  job.work(0);
  tInsideJob = false;
  for (int spins = 0; job.done.load(std::memory_order_acquire) != job.chunks; ++spins)
    if (spins < kCallerSpinsBeforeYield)
      INT8RT_CPU_RELAX();
    else
      std::this_thread::yield();
  if (job.error) {
    std::exception_ptr e = job.error;
    job.error = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace int8rt

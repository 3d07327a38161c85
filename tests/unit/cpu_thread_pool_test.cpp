// ThreadPool: coverage of the range, contiguous chunks, nesting, exceptions, reuse, concurrency.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace int8rt {
namespace {

TEST(CpuThreadPool, CoversEveryIndexExactlyOnce) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3);
  for (int64_t n : {1, 2, 3, 4, 7, 100, 1001}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    pool.parallelFor(n, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(CpuThreadPool, OneContiguousChunkPerThreadWithValidIndices) {
  ThreadPool pool(2);
  std::mutex m;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  std::set<int> indices;
  pool.parallelFor(10, [&](int64_t b, int64_t e, int t) {
    std::lock_guard<std::mutex> lock(m);
    chunks.emplace_back(b, e);
    indices.insert(t);
  });
  // Which thread runs which chunk is dynamic (a late worker's chunk is taken by the caller).
  ASSERT_EQ(chunks.size(), 2u);
  std::sort(chunks.begin(), chunks.end());
  EXPECT_EQ(chunks[0], std::make_pair(int64_t{0}, int64_t{5}));
  EXPECT_EQ(chunks[1], std::make_pair(int64_t{5}, int64_t{10}));
  for (int t : indices) EXPECT_TRUE(t == 0 || t == 1) << t;
}

TEST(CpuThreadPool, NestedCallsRunSeriallyOnTheCallingThread) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  std::atomic<bool> inlineOk{true};
  pool.parallelFor(2, [&](int64_t, int64_t, int outer) {
    const auto self = std::this_thread::get_id();
    pool.parallelFor(50, [&](int64_t b, int64_t e, int inner) {
      if (std::this_thread::get_id() != self || inner != outer || b != 0 || e != 50)
        inlineOk = false;
      total += static_cast<int>(e - b);
    });
  });
  EXPECT_TRUE(inlineOk.load());
  EXPECT_EQ(total.load(), 100);
}

TEST(CpuThreadPool, ExceptionPropagatesAndPoolStaysUsable) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallelFor(8,
                                [&](int64_t b, int64_t, int) {
                                  if (b >= 4) throw std::runtime_error("worker chunk failed");
                                }),
               std::runtime_error);
  EXPECT_THROW(pool.parallelFor(8,
                                [&](int64_t b, int64_t, int) {
                                  if (b == 0) throw std::logic_error("caller chunk failed");
                                }),
               std::logic_error);
  std::atomic<int64_t> sum{0};
  pool.parallelFor(1000, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 999 * 1000 / 2);
}

TEST(CpuThreadPool, ManySmallJobsInARow) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  for (int j = 0; j < 5000; ++j)
    pool.parallelFor(4, [&](int64_t b, int64_t e, int) { sum += e - b; });
  EXPECT_EQ(sum.load(), 20000);
}

TEST(CpuThreadPool, WorkersWakeAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> workerRuns{0};
  for (int j = 0; j < 3; ++j) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin: workers sleep
    // The caller's chunk waits until the worker has taken the other one, so the worker must wake.
    std::atomic<bool> workerStarted{false};
    pool.parallelFor(2, [&](int64_t b, int64_t, int t) {
      if (t == 0) {
        while (!workerStarted.load()) std::this_thread::yield();
      } else {
        workerStarted = true;
      }
    });
    // Counted per round, not per chunk: on a loaded machine the worker may claim both chunks
    // before the caller claims one (then the caller's chunk is the worker's second).
    if (workerStarted.load()) ++workerRuns;
  }
  EXPECT_EQ(workerRuns.load(), 3);
}

TEST(CpuThreadPool, DefaultSizeIsAllCoresAndSizeOneRunsInline) {
  ThreadPool all(0);
  EXPECT_EQ(all.size(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  ThreadPool one(1);
  const auto self = std::this_thread::get_id();
  bool sameThread = false;
  one.parallelFor(10, [&](int64_t b, int64_t e, int t) {
    sameThread = std::this_thread::get_id() == self && b == 0 && e == 10 && t == 0;
  });
  EXPECT_TRUE(sameThread);
  one.parallelFor(0, [&](int64_t, int64_t, int) { FAIL() << "called for an empty range"; });
}

TEST(CpuThreadPool, ConcurrentCallersOnOnePoolBothComplete) {
  ThreadPool pool(2);
  std::atomic<int64_t> a{0}, b{0};
  auto work = [&](std::atomic<int64_t>& sum) {
    for (int j = 0; j < 500; ++j)
      pool.parallelFor(16, [&](int64_t lo, int64_t hi, int) { sum += hi - lo; });
  };
  std::thread t1(work, std::ref(a)), t2(work, std::ref(b));
  t1.join();
  t2.join();
  EXPECT_EQ(a.load(), 8000);
  EXPECT_EQ(b.load(), 8000);
}

}  // namespace
}  // namespace int8rt

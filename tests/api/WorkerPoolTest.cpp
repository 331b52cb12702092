#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>

#include "api/WorkerPool.h"

namespace galaos::api {
namespace {

TEST(WorkerPoolTest, StartsNoThreadBeforeWorkAndReusesAnIdleOne) {
  WorkerPool pool(8);
  EXPECT_EQ(pool.threads(), 0u);
  std::atomic<int> ran{0};
  for (int i = 1; i <= 20; ++i) {
    pool.Enqueue([&] { ++ran; });
    // Until the task ran and its thread waits again.
    while (ran.load() < i || pool.idle_threads() < 1) std::this_thread::yield();
  }
  EXPECT_EQ(pool.threads(), 1u);
}

TEST(WorkerPoolTest, RunsAtMostMaxTasksAtOnceAndQueuesTheRest) {
  constexpr int kTasks = 6;
  WorkerPool pool(3);
  std::latch three_running(3);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<int> finished{0};
  for (int i = 0; i < kTasks; ++i) {
    pool.Enqueue([&, i] {
      const int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      if (i < 3) three_running.count_down();  // the queue is FIFO: tasks 0-2 run first
      released.wait();
      --running;
      ++finished;
    });
  }
  three_running.wait();  // the first three run and block
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(finished.load(), 0);
  release.set_value();
  pool.Shutdown();  // runs what is queued before it returns
  EXPECT_EQ(finished.load(), kTasks);
  EXPECT_EQ(most.load(), 3);
}

TEST(WorkerPoolTest, ShutdownRunsQueuedTasksAndLaterOnesAreDropped) {
  WorkerPool pool(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  pool.Enqueue([&] {
    released.wait();
    ++ran;
  });
  pool.Enqueue([&] { ++ran; });  // queued behind the first
  std::thread stopper([&] { pool.Shutdown(); });
  // Shutdown has begun once the pool no longer lists its thread; both tasks are still to run.
  while (pool.threads() != 0) std::this_thread::yield();
  EXPECT_EQ(ran.load(), 0);
  pool.Enqueue([&] { ++ran; });  // dropped: the pool is stopping
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran.load(), 2);
  pool.Shutdown();  // twice is harmless
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace galaos::api

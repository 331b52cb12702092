#include "api/WorkerPool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

namespace galaos::api {

WorkerPool::WorkerPool(std::size_t max_threads)
    : max_threads_(std::max<std::size_t>(max_threads, 1)) {}

WorkerPool::~WorkerPool() {
  Shutdown();
}

void WorkerPool::Enqueue(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  if (stopping_) return;
  tasks_.push_back(std::move(task));
  // A new thread only when every started one is busy: the idle ones take the queue first.
  if (idle_ < tasks_.size() && threads_.size() < max_threads_) {
    try {
      threads_.emplace_back([this] { Work(); });
    } catch (const std::system_error& error) {  // e.g. EAGAIN: a thread or memory limit
      spdlog::warn("api: cannot start another worker ({}); {}", error.what(),
                   threads_.empty() ? "serving the request on the accepting thread"
                                    : "the request waits for a busy one");
      if (threads_.empty()) {
        std::function<void()> now = std::move(tasks_.back());
        tasks_.pop_back();
        lock.unlock();
        now();
        return;
      }
    }
  }
  ready_.notify_one();
}

void WorkerPool::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (std::thread& thread : threads) thread.join();
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

std::size_t WorkerPool::idle_threads() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void WorkerPool::Work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace galaos::api

// WorkerPool: the API server's workers (Server.cpp hands it httplib's tasks), started as work
// arrives, up to `max_threads`: an idle daemon holds only the threads it has needed at once
// (each costs stack and malloc-arena pages, about 15 KiB), instead of one per possible client
// from the start. A task waits in the queue while `max_threads` tasks run. Threads stay once
// started, ready for the next burst. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace galaos::api {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t max_threads);
  ~WorkerPool();  // shuts down if not done yet
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`, starting a thread when none is idle. When the system refuses a new thread
  // the task waits for a busy one, or runs here when there is none at all.
  void Enqueue(std::function<void()> task);
  // Runs the queued tasks, then joins every thread; Enqueue afterwards does nothing.
  void Shutdown();

  std::size_t threads() const;
  std::size_t idle_threads() const;  // started and waiting for a task

 private:
  void Work();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;  // threads waiting for a task
  bool stopping_ = false;
};

}  // namespace galaos::api

// A bounded set of threads, started as tasks need them, for the blocking parts of steps (staging
// inputs, packing models, uploading outputs), so the engine thread never blocks. Tasks run in
// submission order on the first free thread; results go back to the engine by posting to its
// EventLoop. Submit() is thread-safe. Destruction finishes the queued tasks, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool is_closing_ = false;
  size_t max_threads_;
  size_t idle_threads_ = 0;  // waiting for a task
  std::vector<std::thread> threads_;
};

}  // namespace sluice

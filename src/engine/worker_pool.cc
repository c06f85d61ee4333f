#include "engine/worker_pool.h"

namespace sluice {

WorkerPool::WorkerPool(size_t threads) : max_threads_(threads == 0 ? 1 : threads) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    is_closing_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    // Threads start as work needs them: a run whose steps all run on the engine's thread
    // starts none, and a short run does not wait for idle ones to start and stop.
    if (idle_threads_ < tasks_.size() && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Work(); });
      return;
    }
  }
  wake_.notify_one();
}

void WorkerPool::Work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ++idle_threads_;
      wake_.wait(lock, [this] { return is_closing_ || !tasks_.empty(); });
      --idle_threads_;
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace sluice

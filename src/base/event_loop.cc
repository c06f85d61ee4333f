#include "base/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace sluice {

namespace {

struct QueuedTask {
  std::function<void()> task;
  bool is_stop = false;
};

}  // namespace

struct EventLoop::Impl {
  struct Timer {
    Timer(boost::asio::io_context& io, std::function<void()> task_to_run)
        : timer(io), task(std::move(task_to_run)) {}
    boost::asio::steady_timer timer;
    std::function<void()> task;
  };
  struct Watch {
    Watch(boost::asio::io_context& io, std::function<void()> callback)
        : descriptor(io), on_ready(std::move(callback)) {}
    // asio makes a descriptor non-blocking to wait on it. The open file description is the
    // caller's (and shared by its duplicates), so its flags are put back when the loop lets go:
    // a blocking waitid() on a pidfd, say, would otherwise fail with EAGAIN.
    void Release() {
      if (!descriptor.is_open()) return;
      const int fd = descriptor.release();
      if (original_flags >= 0 && ::fcntl(fd, F_GETFL) != original_flags) {
        ::fcntl(fd, F_SETFL, original_flags);
      }
    }
    boost::asio::posix::stream_descriptor descriptor;
    std::function<void()> on_ready;
    int original_flags = -1;
  };

  ~Impl() {
    // The descriptors belong to the callers; a stream_descriptor would close them.
    for (auto& [id, watch] : watches) watch->Release();
  }

  // Declared first so that it is destroyed last: timers and descriptors use its services.
  boost::asio::io_context io;
  // Run() waits for work instead of returning when the loop is momentarily idle.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running =
      boost::asio::make_work_guard(io);
  std::atomic<std::thread::id> loop_thread{};

  // Posted tasks go through our own queue rather than straight to asio, so that posting order
  // is the documented contract, not an implementation detail of asio's scheduler, and so that
  // Stop() can sit in the queue behind the tasks posted before it.
  std::mutex queue_mutex;
  std::deque<QueuedTask> queue;
  bool is_drain_scheduled = false;

  // Callbacks are found by id when they fire, never through a pointer captured in an asio
  // handler: a completion that was already queued when Cancel() or Unwatch() ran finds nothing.
  uint64_t next_id = 1;
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers;
  std::unordered_map<WatchId, std::unique_ptr<Watch>> watches;

  void Enqueue(QueuedTask entry) {
    std::lock_guard lock(queue_mutex);
    queue.push_back(std::move(entry));
    if (!is_drain_scheduled) {
      is_drain_scheduled = true;
      boost::asio::post(io, [this] { Drain(); });
    }
  }

  // Runs the tasks queued when it starts; later ones wait for the next drain, so a busy
  // producer cannot starve timers and descriptors.
  void Drain() noexcept {
    std::deque<QueuedTask> batch;
    {
      std::lock_guard lock(queue_mutex);
      batch.swap(queue);
    }
    while (!batch.empty()) {
      QueuedTask next = std::move(batch.front());
      batch.pop_front();
      if (next.is_stop) {
        std::lock_guard lock(queue_mutex);
        queue.insert(queue.begin(), std::make_move_iterator(batch.begin()),
                     std::make_move_iterator(batch.end()));
        io.stop();
        RescheduleDrainLocked();
        return;
      }
      next.task();
    }
    std::lock_guard lock(queue_mutex);
    RescheduleDrainLocked();
  }

  // Requires: queue_mutex held and a drain scheduled (the caller is that drain).
  void RescheduleDrainLocked() {
    if (queue.empty()) {
      is_drain_scheduled = false;
      return;
    }
    // After io.stop() this handler waits in asio's queue for the next Run().
    boost::asio::post(io, [this] { Drain(); });
  }

  void OnTimer(TimerId id) noexcept {
    auto found = timers.find(id);
    if (found == timers.end()) return;
    std::function<void()> task = std::move(found->second->task);
    timers.erase(found);
    task();
  }

  void OnWatchReady(WatchId id) noexcept {
    auto found = watches.find(id);
    if (found == watches.end()) return;
    std::function<void()> on_ready = std::move(found->second->on_ready);
    // Released before the callback, which may close the descriptor.
    found->second->Release();
    watches.erase(found);
    on_ready();
  }

  // Loop-thread-only calls from another thread while Run() is active would race on the maps.
  void RequireLoopThread(const char* function) const {
    const std::thread::id running = loop_thread.load();
    if (running == std::thread::id() || running == std::this_thread::get_id()) return;
    std::fprintf(stderr, "EventLoop::%s called off the loop thread while Run() is active\n",
                 function);
    std::abort();
  }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() = default;

void EventLoop::Post(std::function<void()> task) {
  impl_->Enqueue(QueuedTask{.task = std::move(task), .is_stop = false});
}

EventLoop::TimerId EventLoop::RunAfter(std::chrono::steady_clock::duration delay,
                                       std::function<void()> task) {
  return RunAt(std::chrono::steady_clock::now() + delay, std::move(task));
}

EventLoop::TimerId EventLoop::RunAt(std::chrono::steady_clock::time_point deadline,
                                    std::function<void()> task) {
  impl_->RequireLoopThread("RunAt");
  const TimerId id = impl_->next_id++;
  auto timer = std::make_unique<Impl::Timer>(impl_->io, std::move(task));
  timer->timer.expires_at(deadline);
  timer->timer.async_wait(
      [impl = impl_.get(), id](const boost::system::error_code&) { impl->OnTimer(id); });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

void EventLoop::Cancel(TimerId timer) {
  impl_->RequireLoopThread("Cancel");
  // Destroying the asio timer cancels its wait; the aborted completion then finds no entry.
  impl_->timers.erase(timer);
}

EventLoop::WatchId EventLoop::WatchReadable(int fd, std::function<void()> on_ready) {
  impl_->RequireLoopThread("WatchReadable");
  const WatchId id = impl_->next_id++;
  auto watch = std::make_unique<Impl::Watch>(impl_->io, std::move(on_ready));
  auto report = [impl = impl_.get(), id] { impl->OnWatchReady(id); };
  watch->original_flags = ::fcntl(fd, F_GETFL);
  boost::system::error_code error;
  watch->descriptor.assign(fd, error);
  if (error) {
    boost::asio::post(impl_->io, report);
  } else {
    // Any completion but cancellation (which only Unwatch causes, and which then finds no
    // entry) is readiness, including asio's "not supported" for regular files.
    watch->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                                 [report](const boost::system::error_code&) { report(); });
  }
  impl_->watches.emplace(id, std::move(watch));
  return id;
}

void EventLoop::Unwatch(WatchId watch) {
  impl_->RequireLoopThread("Unwatch");
  auto found = impl_->watches.find(watch);
  if (found == impl_->watches.end()) return;
  // Releasing deregisters the descriptor and aborts the pending wait without closing the fd.
  found->second->Release();
  impl_->watches.erase(found);
}

void EventLoop::Run() {
  impl_->loop_thread.store(std::this_thread::get_id());
  // A previous Run() ended with io.stop(); asio needs a restart before it runs again.
  impl_->io.restart();
  impl_->io.run();
  impl_->loop_thread.store(std::thread::id());
}

void EventLoop::Stop() { impl_->Enqueue(QueuedTask{.task = {}, .is_stop = true}); }

bool EventLoop::IsLoopThread() const {
  return impl_->loop_thread.load() == std::this_thread::get_id();
}

size_t EventLoop::pending_timers() const { return impl_->timers.size(); }

size_t EventLoop::pending_watches() const { return impl_->watches.size(); }

}  // namespace sluice

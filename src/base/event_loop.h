// EventLoop is the single thread the engine and the executors run on: posted tasks, one-shot
// timers on the steady clock, and readiness of file descriptors (pidfds, pipes), all dispatched
// on the thread inside Run(). Code that runs on the loop needs no locks.
//
// Thread-safety: Post() and Stop() may be called from any thread. Everything else is loop-thread
// only: from callbacks running on the loop, or from one thread before Run() starts or after it
// returns. Callbacks must not throw; an exception leaving one terminates the program.
//
// Ownership: the loop owns the callbacks it was given until they run or are cancelled; it never
// owns a watched file descriptor. Destroying the loop drops every pending callback unrun.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace sluice {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `task` on the loop thread. Tasks run one at a time in the order they were posted
  // (for posts from different threads: in the order the posts happened). Thread-safe.
  void Post(std::function<void()> task);

  using TimerId = uint64_t;
  // Runs `task` once, on the loop thread, when `delay` has passed on the steady clock.
  TimerId RunAfter(std::chrono::steady_clock::duration delay, std::function<void()> task);
  // Runs `task` once, on the loop thread, at `deadline` (immediately if it has passed).
  // Timers run in deadline order; timers with equal deadlines run in an unspecified order.
  TimerId RunAt(std::chrono::steady_clock::time_point deadline, std::function<void()> task);
  // After Cancel() returns, the timer's task never runs, even if its deadline has already
  // passed. Cancelling a timer that ran or was cancelled is a no-op.
  void Cancel(TimerId timer);

  using WatchId = uint64_t;
  // Calls `on_ready` once, on the loop thread, when `fd` becomes readable (or is readable now).
  // As with poll(2), an error condition counts as readiness: a descriptor that cannot be watched
  // (closed, a regular file, already watched by this loop) is reported ready, so that its owner's
  // next read reports the problem instead of waiting forever. Treat the call as a hint, as with
  // any readiness API: read without blocking, and watch again if nothing was there.
  // Requires: the caller owns `fd` and keeps it open until `on_ready` ran or Unwatch() returned.
  WatchId WatchReadable(int fd, std::function<void()> on_ready);
  // After Unwatch() returns, `on_ready` never runs and the loop no longer refers to the fd.
  // Unwatching a watch that fired or was removed is a no-op.
  void Unwatch(WatchId watch);

  // Dispatches tasks, timers and readiness on the calling thread until a Stop() is reached.
  // Waits when there is nothing to do; it does not return just because the loop is idle.
  void Run();
  // Makes Run() return once every task posted before this call has run. Tasks posted after it
  // stay queued, as do timers and watches, and resume at the next Run(). Stop() before Run()
  // is not lost: that Run() runs the earlier tasks, then returns. Thread-safe; from a task on
  // the loop it does not interrupt the tasks already queued.
  void Stop();

  // True on the thread currently inside Run().
  bool IsLoopThread() const;

  // Timers and watches that are pending (registered, not yet run, cancelled or unwatched).
  size_t pending_timers() const;
  size_t pending_watches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

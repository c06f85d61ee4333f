#include "base/event_loop.h"

#include "base/unique_fd.h"

#include <gtest/gtest.h>

#include <array>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Pipe MakePipe() {
  std::array<int, 2> fds{};
  EXPECT_EQ(pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK), 0);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void WriteByte(int fd) { ASSERT_EQ(write(fd, "x", 1), 1); }

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(EventLoop, RunsTasksPostedFromOtherThreadsInEachThreadsOrder) {
  EventLoop loop;
  constexpr int kThreads = 4;
  constexpr int kTasksPerThread = 2000;
  // Written only on the loop thread, so plain ints suffice; a data race would show under TSan.
  std::vector<int> next_expected(kThreads, 0);
  int out_of_order = 0;
  std::thread loop_thread([&] { loop.Run(); });
  std::vector<std::thread> producers;
  for (int producer = 0; producer < kThreads; ++producer) {
    producers.emplace_back([&, producer] {
      for (int sequence = 0; sequence < kTasksPerThread; ++sequence) {
        loop.Post([&, producer, sequence] {
          if (next_expected[producer] != sequence) ++out_of_order;
          next_expected[producer] = sequence + 1;
        });
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  // Every post above happened before this Stop, so Run() returns only after all of them ran.
  loop.Stop();
  loop_thread.join();
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(next_expected, std::vector<int>(kThreads, kTasksPerThread));
}

TEST(EventLoop, RunsTasksPostedBeforeStopAndKeepsLaterOnesForTheNextRun) {
  EventLoop loop;
  std::vector<std::string> ran;
  loop.Post([&] { ran.push_back("before"); });
  loop.Stop();
  loop.Post([&] { ran.push_back("after"); });
  loop.Run();
  EXPECT_EQ(ran, std::vector<std::string>{"before"});
  loop.Stop();
  loop.Run();
  EXPECT_EQ(ran, (std::vector<std::string>{"before", "after"}));
}

TEST(EventLoop, StopFromATaskLetsTheTasksQueuedBeforeItRun) {
  EventLoop loop;
  std::vector<int> ran;
  loop.Post([&] {
    ran.push_back(1);
    loop.Stop();
  });
  loop.Post([&] { ran.push_back(2); });
  loop.Run();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(EventLoop, TaskPostedFromTheLoopRunsAfterTheTasksAlreadyQueued) {
  EventLoop loop;
  std::vector<int> ran;
  loop.Post([&] {
    ran.push_back(1);
    loop.Post([&] {
      ran.push_back(3);
      loop.Stop();
    });
  });
  loop.Post([&] { ran.push_back(2); });
  loop.Run();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, KnowsItsOwnThread) {
  EventLoop loop;
  EXPECT_FALSE(loop.IsLoopThread());
  bool was_loop_thread_inside = false;
  loop.Post([&] {
    was_loop_thread_inside = loop.IsLoopThread();
    loop.Stop();
  });
  loop.Run();
  EXPECT_TRUE(was_loop_thread_inside);
  EXPECT_FALSE(loop.IsLoopThread());

  bool was_loop_thread_elsewhere = true;
  std::thread other([&] { was_loop_thread_elsewhere = loop.IsLoopThread(); });
  other.join();
  EXPECT_FALSE(was_loop_thread_elsewhere);
}

TEST(EventLoop, RunsTimersInDeadlineOrder) {
  EventLoop loop;
  std::vector<std::string> ran;
  // Deadlines in the past make the order independent of scheduling delays.
  const steady_clock::time_point base = steady_clock::now() - seconds(1);
  loop.RunAt(base + milliseconds(3), [&] {
    ran.push_back("third");
    loop.Stop();
  });
  loop.RunAt(base + milliseconds(1), [&] { ran.push_back("first"); });
  loop.RunAt(base + milliseconds(2), [&] { ran.push_back("second"); });
  loop.Run();
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(EventLoop, RunsATimerOnlyOnceItsDelayHasPassed) {
  EventLoop loop;
  bool did_distant_run = false;
  int near_runs = 0;
  loop.RunAfter(std::chrono::hours(1), [&] { did_distant_run = true; });
  loop.RunAfter(milliseconds(1), [&] {
    ++near_runs;
    loop.Stop();
  });
  loop.Run();
  EXPECT_EQ(near_runs, 1);
  EXPECT_FALSE(did_distant_run);
  EXPECT_EQ(loop.pending_timers(), 1u);
}

TEST(EventLoop, NeverRunsACancelledTimer) {
  EventLoop loop;
  bool did_run = false;
  const EventLoop::TimerId timer = loop.RunAfter(milliseconds(0), [&] { did_run = true; });
  loop.Cancel(timer);
  EXPECT_EQ(loop.pending_timers(), 0u);
  loop.RunAfter(milliseconds(5), [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(did_run);
}

TEST(EventLoop, NeverRunsATimerCancelledAfterItsDeadlinePassed) {
  EventLoop loop;
  bool did_second_run = false;
  // Both are due when Run() starts, so asio completes both waits at once and the second
  // completion is already queued when the first task cancels it.
  const steady_clock::time_point base = steady_clock::now() - seconds(1);
  EventLoop::TimerId second = 0;
  loop.RunAt(base, [&] { loop.Cancel(second); });
  second = loop.RunAt(base + milliseconds(1), [&] { did_second_run = true; });
  loop.RunAt(base + milliseconds(2), [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(did_second_run);
}

TEST(EventLoop, IgnoresCancelOfATimerThatAlreadyRan) {
  EventLoop loop;
  int runs = 0;
  EventLoop::TimerId timer = 0;
  timer = loop.RunAfter(milliseconds(0), [&] {
    ++runs;
    loop.Post([&] {
      loop.Cancel(timer);
      loop.Stop();
    });
  });
  loop.Run();
  EXPECT_EQ(runs, 1);
}

TEST(EventLoop, ReportsADescriptorReadableOnceAndLeavesItOpen) {
  EventLoop loop;
  Pipe pipe = MakePipe();
  int calls = 0;
  loop.WatchReadable(pipe.read_end.get(), [&] {
    ++calls;
    char byte = 0;
    EXPECT_EQ(read(pipe.read_end.get(), &byte, 1), 1);
    EXPECT_EQ(byte, 'x');
    // A second byte must not produce a second call: watches are one-shot.
    WriteByte(pipe.write_end.get());
    loop.RunAfter(milliseconds(5), [&] { loop.Stop(); });
  });
  std::thread writer([&] { WriteByte(pipe.write_end.get()); });
  loop.Run();
  writer.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(loop.pending_watches(), 0u);
  EXPECT_TRUE(IsOpen(pipe.read_end.get()));
}

TEST(EventLoop, LeavesABlockingDescriptorBlocking) {
  EventLoop loop;
  std::array<int, 2> fds{};
  ASSERT_EQ(pipe2(fds.data(), O_CLOEXEC), 0);
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  auto is_blocking = [&] { return (fcntl(pipe.read_end.get(), F_GETFL) & O_NONBLOCK) == 0; };
  bool was_blocking_when_reported = false;
  loop.WatchReadable(pipe.read_end.get(), [&] {
    was_blocking_when_reported = is_blocking();
    loop.Stop();
  });
  loop.Post([&] { WriteByte(pipe.write_end.get()); });
  loop.Run();
  EXPECT_TRUE(was_blocking_when_reported);

  loop.Unwatch(loop.WatchReadable(pipe.read_end.get(), [] {}));
  EXPECT_TRUE(is_blocking());
}

TEST(EventLoop, ReportsADescriptorThatIsAlreadyReadable) {
  EventLoop loop;
  Pipe pipe = MakePipe();
  WriteByte(pipe.write_end.get());
  bool was_reported = false;
  loop.WatchReadable(pipe.read_end.get(), [&] {
    was_reported = true;
    loop.Stop();
  });
  loop.Run();
  EXPECT_TRUE(was_reported);
}

TEST(EventLoop, ReportsEndOfFileAsReadable) {
  EventLoop loop;
  Pipe pipe = MakePipe();
  bool was_reported = false;
  loop.WatchReadable(pipe.read_end.get(), [&] {
    was_reported = true;
    loop.Stop();
  });
  loop.Post([&] { pipe.write_end.reset(); });
  loop.Run();
  EXPECT_TRUE(was_reported);
}

TEST(EventLoop, NeverCallsAnUnwatchedCallbackAndLeavesTheDescriptorOpen) {
  EventLoop loop;
  Pipe pipe = MakePipe();
  bool was_called = false;
  const EventLoop::WatchId watch =
      loop.WatchReadable(pipe.read_end.get(), [&] { was_called = true; });
  loop.Unwatch(watch);
  EXPECT_EQ(loop.pending_watches(), 0u);
  WriteByte(pipe.write_end.get());
  // The descriptor is watchable again: the loop let go of it completely.
  loop.WatchReadable(pipe.read_end.get(), [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(was_called);
  EXPECT_TRUE(IsOpen(pipe.read_end.get()));
}

TEST(EventLoop, NeverCallsACallbackUnwatchedAfterTheDescriptorBecameReadable) {
  EventLoop loop;
  Pipe first = MakePipe();
  Pipe second = MakePipe();
  WriteByte(first.write_end.get());
  WriteByte(second.write_end.get());
  // Both are ready in the same poll; whichever is reported first unwatches the other.
  int calls = 0;
  EventLoop::WatchId first_watch = 0;
  EventLoop::WatchId second_watch = 0;
  first_watch = loop.WatchReadable(first.read_end.get(), [&] {
    ++calls;
    loop.Unwatch(second_watch);
  });
  second_watch = loop.WatchReadable(second.read_end.get(), [&] {
    ++calls;
    loop.Unwatch(first_watch);
  });
  loop.RunAfter(milliseconds(5), [&] { loop.Stop(); });
  loop.Run();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(IsOpen(first.read_end.get()));
  EXPECT_TRUE(IsOpen(second.read_end.get()));
}

TEST(EventLoop, ReportsADescriptorItCannotWatchAsReady) {
  EventLoop loop;
  Pipe pipe = MakePipe();
  int calls = 0;
  loop.WatchReadable(pipe.read_end.get(), [&] { ++calls; });
  // The same descriptor twice cannot be registered; reporting it beats waiting forever.
  loop.WatchReadable(pipe.read_end.get(), [&] {
    ++calls;
    loop.Stop();
  });
  loop.Run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(loop.pending_watches(), 1u);
}

TEST(EventLoop, DestroyingTheLoopLeavesWatchedDescriptorsOpen) {
  Pipe pipe = MakePipe();
  {
    EventLoop loop;
    loop.WatchReadable(pipe.read_end.get(), [] {});
    loop.RunAfter(seconds(60), [] {});
    loop.Post([] {});
  }
  EXPECT_TRUE(IsOpen(pipe.read_end.get()));
}

}  // namespace
}  // namespace sluice

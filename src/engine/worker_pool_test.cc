#include "engine/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

namespace sluice {
namespace {

size_t ThreadsOfThisProcess() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++count;
  return count;
}

TEST(WorkerPool, StartsNoThreadUntilATaskComes) {
  const size_t before = ThreadsOfThisProcess();
  {
    WorkerPool pool(4);
    EXPECT_EQ(ThreadsOfThisProcess(), before);
    std::promise<std::thread::id> ran_on;
    pool.Submit([&] { ran_on.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
    EXPECT_EQ(ThreadsOfThisProcess(), before + 1);
  }
  EXPECT_EQ(ThreadsOfThisProcess(), before);
}

TEST(WorkerPool, RunsAtMostItsThreadsAtOnceAndFinishesWhatIsQueued) {
  std::atomic<int> running = 0;
  std::atomic<int> most = 0;
  std::atomic<int> done = 0;
  {
    WorkerPool pool(2);
    for (int i = 0; i < 8; ++i) {
      pool.Submit([&] {
        const int now = ++running;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --running;
        ++done;
      });
    }
  }
  EXPECT_EQ(done, 8);
  EXPECT_EQ(most, 2);
}

}  // namespace
}  // namespace sluice

#include "executors/run_directory.h"

#include "base/unique_fd.h"
#include "executors/testing/scratch_directory.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice {
namespace {

using testing::ScratchDirectory;
using testing::WriteFile;

TEST(RunDirectory, KeepsEveryFieldOfAnExitRecord) {
  ScratchDirectory scratch;
  ExitRecord record;
  record.exit_status = 0;
  record.signal = 9;
  record.end_request = EndRequest::kTimeout;
  record.was_killed = true;
  record.grace_period = std::chrono::milliseconds(250);
  record.max_runtime = std::chrono::seconds(30);
  record.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  record.ended = record.started + std::chrono::milliseconds(4567);
  ASSERT_TRUE(WriteExitRecord(scratch.path(), record));
  auto read = ReadExitRecord(scratch.path());
  ASSERT_TRUE(read) << read.error().ToString();
  ASSERT_TRUE(*read);
  EXPECT_EQ(**read, record);

  ExitRecord failed;
  failed.launch_error = "program \"x\": not found";
  ASSERT_TRUE(WriteExitRecord(scratch.path(), failed));
  read = ReadExitRecord(scratch.path());
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->launch_error, failed.launch_error);
  // Written in place of the first, whole: nothing half-written is left beside it.
  EXPECT_FALSE(std::filesystem::exists(scratch / "exit.json.partial"));
}

TEST(RunDirectory, KeepsTheLauncherRecord) {
  ScratchDirectory scratch;
  const LauncherRecord record{.process_id = 4321, .process_start_time = 987654};
  UniqueFd lock(::open((scratch / "launcher.json").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_TRUE(lock);
  ASSERT_TRUE(WriteLauncherRecord(lock.get(), scratch.path(), record));
  auto read = ReadLauncherRecord(scratch.path());
  ASSERT_TRUE(read && *read);
  EXPECT_EQ(**read, record);
}

TEST(RunDirectory, HasNoRecordsBeforeTheyAreWritten) {
  ScratchDirectory scratch;
  auto exit = ReadExitRecord(scratch.path());
  ASSERT_TRUE(exit);
  EXPECT_FALSE(*exit);
  auto launcher = ReadLauncherRecord(scratch.path());
  ASSERT_TRUE(launcher);
  EXPECT_FALSE(*launcher);
  // Created and locked by a launcher that has not written into it yet.
  WriteFile(scratch / "launcher.json", "");
  launcher = ReadLauncherRecord(scratch.path());
  ASSERT_TRUE(launcher);
  EXPECT_FALSE(*launcher);
}

TEST(RunDirectory, RejectsARecordThatIsNotWhole) {
  ScratchDirectory scratch;
  WriteFile(scratch / "exit.json", R"({"exit_status": 0, "signal": "nine"})");
  auto exit = ReadExitRecord(scratch.path());
  ASSERT_FALSE(exit);
  EXPECT_EQ(exit.error().ToString(),
            "\"" + (scratch / "exit.json").string() + "\": field signal has the wrong type");
  WriteFile(scratch / "launcher.json", "{\"pid\": 12");
  auto launcher = ReadLauncherRecord(scratch.path());
  ASSERT_FALSE(launcher);
  EXPECT_EQ(launcher.error().ToString(),
            "\"" + (scratch / "launcher.json").string() + "\": not a JSON object");
}

TEST(RunDirectory, TellsAProcessByItsStartTime) {
  const std::optional<int64_t> own = ProcessStartTime(::getpid());
  ASSERT_TRUE(own);
  EXPECT_GT(*own, 0);
  EXPECT_EQ(ProcessStartTime(::getpid()), own);
  // Process 1 started before anything this test started.
  const std::optional<int64_t> init = ProcessStartTime(1);
  ASSERT_TRUE(init);
  EXPECT_LE(*init, *own);
  EXPECT_EQ(ProcessStartTime(0), std::nullopt);
}

// The engine asks about a launcher just after starting it, and a short job's launcher may be
// gone by then, even between opening its /proc file and reading it: that is "no such process",
// never an exception out of the engine.
TEST(RunDirectory, AsksAboutProcessesThatEndWhileAsked) {
  for (int round = 0; round < 300; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) _exit(0);
    std::optional<int64_t> seen;
    for (int ask = 0; ask < 20; ++ask) {
      if (ask == 10) waitpid(child, nullptr, 0);
      const std::optional<int64_t> now = ProcessStartTime(child);
      if (now && seen) {
        EXPECT_EQ(*now, *seen);
      }
      if (now) seen = now;
    }
    EXPECT_EQ(ProcessStartTime(child), std::nullopt);
  }
}

}  // namespace
}  // namespace sluice

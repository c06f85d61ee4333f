#include "executors/launcher_spawner.h"

#include "executors/child_process.h"
#include "executors/run_directory.h"
#include "executors/testing/scratch_directory.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

namespace sluice {
namespace {

using testing::ReadFile;
using testing::ReadySignal;
using testing::ScratchDirectory;

bool HasExited(int pidfd, int timeout_milliseconds) {
  pollfd ended{.fd = pidfd, .events = POLLIN, .revents = 0};
  return ::poll(&ended, 1, timeout_milliseconds) == 1;
}

bool IsGone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

class LauncherSpawnerTest : public ::testing::Test {
 protected:
  LauncherOptions Shell(const std::string& script) const {
    return LauncherOptions{.run_directory = scratch_.path(),
                           .grace_period = std::chrono::milliseconds(200),
                           .max_runtime = std::chrono::seconds(0),
                           .working_directory = {},
                           .log_file = scratch_ / "log",
                           .durability = Durability::kProcessCrash,
                           .command = {"/bin/sh", "-c", script},
                           .environment = {{"PATH", "/usr/bin:/bin"}, {"GREETING", "hello"}}};
  }

  ScratchDirectory scratch_;
};

TEST_F(LauncherSpawnerTest, ForkedLauncherRunsTheJobOutsideOurSessionAndRecordsItsEnd) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner) << spawner.error().ToString();
  auto launched = (*spawner)->Spawn(Shell("echo $GREETING; exit 3"));
  ASSERT_TRUE(launched) << launched.error().ToString();
  // Not in this process's session, so nothing sent to it or its terminal reaches the launcher.
  EXPECT_NE(::getsid(launched->pid), ::getsid(0));
  ASSERT_TRUE(HasExited(launched->pidfd.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 3);
  EXPECT_EQ(ReadFile(scratch_ / "log"), "hello\n");
}

TEST_F(LauncherSpawnerTest, StopSignalsReachTheJobThroughTheForkedLauncher) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  ReadySignal ready(scratch_ / "ready");
  auto launched = (*spawner)->Spawn(Shell("trap 'exit 7' TERM; echo up > " + ready.path().string() +
                                          "; while :; do sleep 1; done"));
  ASSERT_TRUE(launched) << launched.error().ToString();
  ready.WaitForLine();
  ASSERT_EQ(pidfd_send_signal(launched->pidfd.get(), SIGTERM, nullptr, 0), 0);
  ASSERT_TRUE(HasExited(launched->pidfd.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->end_request, EndRequest::kStop);
}

TEST_F(LauncherSpawnerTest, AJobOutlivesAKilledEngineAndItsLauncherIsReaped) {
  ReadySignal ready(scratch_ / "ready");
  ASSERT_EQ(::mkfifo((ready.path().string() + "-go").c_str(), 0600), 0);
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  // The engine: starts a spawner and a job through it, says their pids, and is killed.
  const pid_t engine = ::fork();
  ASSERT_GE(engine, 0);
  if (engine == 0) {
    ::close(pipe_ends[0]);
    auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
    if (!spawner) ::_exit(1);
    auto launched =
        (*spawner)->Spawn(Shell("echo up > " + ready.path().string() + "; read line < " +
                                ready.path().string() + "-go; exit 4"));
    if (!launched) ::_exit(1);
    const pid_t pids[2] = {(*spawner)->pid(), launched->pid};
    if (::write(pipe_ends[1], pids, sizeof pids) != sizeof pids) ::_exit(1);
    ::raise(SIGKILL);
  }
  ::close(pipe_ends[1]);
  pid_t pids[2] = {-1, -1};
  ASSERT_EQ(::read(pipe_ends[0], pids, sizeof pids), static_cast<ssize_t>(sizeof pids));
  ::close(pipe_ends[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(engine, &status, 0), engine);
  ASSERT_TRUE(WIFSIGNALED(status));
  const auto launcher = OpenPidfd(pids[1]);
  ASSERT_TRUE(launcher) << "the launcher died with its engine";
  ready.WaitForLine();
  EXPECT_FALSE(HasExited(launcher.get(), 0));
  {
    std::ofstream go(ready.path().string() + "-go");
    go << "go\n";
  }
  ASSERT_TRUE(HasExited(launcher.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 4);
  // The spawner stayed only for its launcher; it is gone too, having reaped it.
  const auto spawner = OpenPidfd(pids[0]);
  if (spawner) {
    EXPECT_TRUE(HasExited(spawner.get(), 60'000));
  }
  for (int tries = 0; tries < 6000 && !IsGone(pids[1]); ++tries) ::usleep(10'000);
  EXPECT_TRUE(IsGone(pids[1])) << "the launcher was not reaped";
}

TEST_F(LauncherSpawnerTest, SaysUnavailableOnceTheSpawnerIsGone) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  ASSERT_EQ(::kill((*spawner)->pid(), SIGKILL), 0);
  auto launched = (*spawner)->Spawn(Shell("exit 0"));
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "exit.json"));
}

TEST_F(LauncherSpawnerTest, NamesALogFileThatCannotBeOpened) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  LauncherOptions options = Shell("exit 0");
  options.log_file = scratch_ / "missing" / "log";
  auto launched = (*spawner)->Spawn(options);
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().ToString(), "log file \"" + options.log_file.string() +
                                             "\": cannot open: No such file or directory");
}

}  // namespace
}  // namespace sluice

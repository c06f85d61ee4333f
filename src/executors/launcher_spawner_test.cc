#include "executors/launcher_spawner.h"

#include "executors/child_process.h"
#include "executors/run_directory.h"
#include "executors/testing/scratch_directory.h"
#include "executors/testing/scripted_spawner.h"

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

// Whether what `ended` watches has ended within the timeout: a forked launcher's pidfd is
// readable then; a supervised job's pipe reaches its end, once exit.json is written, after the
// record's text that the spawner sends first (kept in `sent`).
bool HasEnded(int ended, int timeout_milliseconds, std::string* sent = nullptr) {
  for (;;) {
    pollfd readable{.fd = ended, .events = POLLIN, .revents = 0};
    if (::poll(&readable, 1, timeout_milliseconds) != 1) return false;
    char buffer[4096];
    const ssize_t got = ::read(ended, buffer, sizeof buffer);
    if (got <= 0) return true;
    if (sent != nullptr) sent->append(buffer, static_cast<size_t>(got));
  }
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

TEST_F(LauncherSpawnerTest, SupervisesTheJobOutsideOurSessionAndRecordsItsEnd) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner) << spawner.error().ToString();
  auto launched = (*spawner)->Spawn(Shell("echo $GREETING; exit 3"));
  ASSERT_TRUE(launched) << launched.error().ToString();
  // The spawner watches the job itself, not a launcher forked for it, and is not in this
  // process's session, so nothing sent to it or its terminal reaches it.
  EXPECT_EQ(launched->pid, (*spawner)->pid());
  EXPECT_EQ(launched->start_time, ProcessStartTime((*spawner)->pid()));
  EXPECT_NE(launched->supervised_job, 0);
  EXPECT_NE(::getsid(launched->pid), ::getsid(0));
  std::string sent;
  ASSERT_TRUE(HasEnded(launched->pidfd.get(), 60'000, &sent));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 3);
  // The waiter was sent the record it then finds in the file.
  EXPECT_EQ(sent, ReadFile(scratch_ / "exit.json"));
  EXPECT_EQ(ReadFile(scratch_ / "log"), "hello\n");
}

TEST_F(LauncherSpawnerTest, StopSignalsReachTheSupervisedJobThroughTheSpawner) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  ReadySignal ready(scratch_ / "ready");
  auto launched = (*spawner)->Spawn(Shell("trap 'exit 7' TERM; echo up > " + ready.path().string() +
                                          "; while :; do sleep 1; done"));
  ASSERT_TRUE(launched) << launched.error().ToString();
  ready.WaitForLine();
  // A plain signal names no job: the spawner takes no stop signal of its own.
  ASSERT_EQ(::kill((*spawner)->pid(), SIGTERM), 0);
  EXPECT_FALSE(HasEnded(launched->pidfd.get(), 200));
  ASSERT_TRUE((*spawner)->SignalJob(launched->supervised_job, SIGTERM));
  ASSERT_TRUE(HasEnded(launched->pidfd.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->end_request, EndRequest::kStop);
  EXPECT_EQ((*record)->exit_status, 7);
}

TEST_F(LauncherSpawnerTest, EndsASupervisedJobThatRunsPastItsMaximumRuntime) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  LauncherOptions options = Shell("exec sleep 30");
  options.max_runtime = std::chrono::seconds(1);
  auto launched = (*spawner)->Spawn(options);
  ASSERT_TRUE(launched) << launched.error().ToString();
  ASSERT_TRUE(HasEnded(launched->pidfd.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->end_request, EndRequest::kTimeout);
  EXPECT_EQ((*record)->signal, SIGTERM);
}

TEST_F(LauncherSpawnerTest, ALaunchIntoARunDirectoryItAlreadyRunsJoinsThatRun) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  ReadySignal ready(scratch_ / "ready");
  auto first = (*spawner)->Spawn(Shell("echo run >> " + (scratch_ / "runs").string() +
                                       "; echo up > " + ready.path().string() + "; sleep 1"));
  ASSERT_TRUE(first) << first.error().ToString();
  ready.WaitForLine();
  // The repeated launch (after an engine crash, say) follows the first instead of running the
  // job again: a launcher forked to follow the holder, ending when the job's end is recorded.
  auto second = (*spawner)->Spawn(Shell("echo run >> " + (scratch_ / "runs").string()));
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->supervised_job, 0);
  ASSERT_TRUE(HasEnded(second->pidfd.get(), 60'000));
  ASSERT_TRUE(HasEnded(first->pidfd.get(), 60'000));
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "run\n");
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 0);
}

TEST_F(LauncherSpawnerTest, ALaunchIntoARunThatEndedReportsItWithoutRunningItAgain) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  const std::string script = "echo run >> " + (scratch_ / "runs").string() + "; exit 3";
  auto first = (*spawner)->Spawn(Shell(script));
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_TRUE(HasEnded(first->pidfd.get(), 60'000));
  auto again = (*spawner)->Spawn(Shell(script));
  ASSERT_TRUE(again) << again.error().ToString();
  // Nothing watches it: the descriptor is at its end already, and the record is the first run's.
  EXPECT_EQ(again->pid, 0);
  EXPECT_EQ(again->supervised_job, 0);
  EXPECT_TRUE(HasEnded(again->pidfd.get(), 0));
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "run\n");
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 3);
}

TEST_F(LauncherSpawnerTest, AJobOutlivesAKilledEngineAndTheSpawnerStaysToRecordIt) {
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
  // The job's watcher is the spawner itself.
  ASSERT_EQ(pids[1], pids[0]);
  const auto launcher = OpenPidfd(pids[1]);
  ASSERT_TRUE(launcher) << "the spawner died with its engine";
  ready.WaitForLine();
  EXPECT_FALSE(HasEnded(launcher.get(), 0));
  {
    std::ofstream go(ready.path().string() + "-go");
    go << "go\n";
  }
  ASSERT_TRUE(HasEnded(launcher.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->exit_status, 4);
  // The spawner stayed only for its job: having recorded it, it is gone.
  for (int tries = 0; tries < 6000 && !IsGone(pids[0]); ++tries) ::usleep(10'000);
  EXPECT_TRUE(IsGone(pids[0])) << "the spawner stayed";
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

TEST_F(LauncherSpawnerTest, RecordsWhyAJobCouldNotStart) {
  auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
  ASSERT_TRUE(spawner);
  LauncherOptions options = Shell("exit 0");
  options.log_file = scratch_ / "missing" / "log";
  auto launched = (*spawner)->Spawn(options);
  ASSERT_TRUE(launched) << launched.error().ToString();
  ASSERT_TRUE(HasEnded(launched->pidfd.get(), 60'000));
  auto record = ReadExitRecord(scratch_.path());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->launch_error, "log file \"" + options.log_file.string() +
                                         "\": cannot open: No such file or directory");
}

TEST_F(LauncherSpawnerTest, ABrokenReplyIsAnErrorThatSaysSoNotACrash) {
  struct Case {
    std::string answer;
    ErrorCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {R"(s.sendall(message(["job", "1"])))", ErrorCode::kInternal, "sent a malformed reply"},
      {R"(s.sendall(message(["job", "1", "1", "", ""])))", ErrorCode::kInternal,
       "sent no descriptor"},
      {R"(socket.send_fds(s, [message(["job", "one", "1", "", ""])], [0]))", ErrorCode::kInternal,
       "sent a malformed reply"},
      {R"(s.sendall(struct.pack("=I", 100) + b"cut short"))", ErrorCode::kUnavailable, "is gone"},
      // Stays connected, so a reader that believed the length would wait for ever.
      {R"(s.sendall(struct.pack("=I", 0xFFFFFFF0) + b"x"); s.recv(1))", ErrorCode::kInternal,
       "sent a reply longer than 67108864 bytes"},
  };
  for (const Case& broken : cases) {
    SCOPED_TRACE(broken.answer);
    auto spawner = LauncherSpawner::Start(testing::ScriptedSpawner(scratch_, broken.answer));
    ASSERT_TRUE(spawner) << spawner.error().ToString();
    auto launched = (*spawner)->Spawn(Shell("exit 0"));
    ASSERT_FALSE(launched);
    EXPECT_EQ(launched.error().code, broken.code);
    EXPECT_NE(launched.error().ToString().find(broken.says), std::string::npos)
        << launched.error().ToString();
  }
}

}  // namespace
}  // namespace sluice

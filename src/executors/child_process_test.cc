#include "executors/child_process.h"

#include "executors/testing/scratch_directory.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <signal.h>
#include <sstream>
#include <string>
#include <unistd.h>

namespace sluice {
namespace {

using testing::ReadFile;
using testing::ReadySignal;
using testing::ScratchDirectory;
using testing::WriteExecutable;

const std::vector<std::pair<std::string, std::string>> kPath = {{"PATH", "/usr/bin:/bin"}};

LaunchSpec Shell(const std::string& script, const std::filesystem::path& log_file) {
  return LaunchSpec{.argv = {"/bin/sh", "-c", script},
                    .environment = kPath,
                    .working_directory = {},
                    .log_file = log_file};
}

bool IsGone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

TEST(ChildProcess, ReportsTheExitStatus) {
  ScratchDirectory scratch;
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("exit 3", scratch / "log"));
  ASSERT_TRUE(child) << child.error().ToString();
  const ProcessExit exit = child->Wait();
  EXPECT_EQ(exit, (ProcessExit{.exit_status = 3, .signal = 0}));
  EXPECT_EQ(Describe(exit), "exit status 3");
  EXPECT_TRUE(child->is_reaped());
}

TEST(ChildProcess, LeadsItsOwnSessionAndProcessGroup) {
  ScratchDirectory scratch;
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("exec sleep 1000", scratch / "log"));
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(::getpgid(child->pid()), child->pid());
  EXPECT_EQ(::getsid(child->pid()), child->pid());
  EXPECT_NE(::getsid(child->pid()), ::getsid(0));
  EXPECT_EQ(child->TryReap(), std::nullopt);
  const ProcessExit exit = child->KillAndReap();
  EXPECT_EQ(exit, (ProcessExit{.exit_status = 0, .signal = SIGKILL}));
  EXPECT_EQ(Describe(exit), "killed by SIGKILL");
}

TEST(ChildProcess, SignalsTheWholeGroup) {
  ScratchDirectory scratch;
  // The leader survives SIGTERM and reports how its background child ended: 143 (SIGTERM)
  // only if the signal reached the whole group, 0 after 30 s if it reached the leader alone.
  // Standard error is dropped because dash may or may not say "Terminated" about the child.
  ReadySignal ready(scratch / "ready");
  Result<ChildProcess> child =
      ChildProcess::Spawn(Shell("exec 2>/dev/null; sleep 30 & child=$!; trap 'wait $child; echo "
                                "\"child ended with $?\"; exit 0' TERM; "
                                "echo ready > " +
                                    ready.path().string() + "; wait",
                                scratch / "log"));
  ASSERT_TRUE(child) << child.error().ToString();
  // The trap must be set before the signal is sent.
  EXPECT_EQ(ready.WaitForLine(), "ready\n");
  child->SignalGroup(SIGTERM);
  EXPECT_EQ(child->Wait(), (ProcessExit{.exit_status = 0, .signal = 0}));
  EXPECT_EQ(ReadFile(scratch / "log"), "child ended with 143\n");
}

TEST(ChildProcess, DestroyingARunningChildKillsAndReapsIt) {
  ScratchDirectory scratch;
  pid_t pid = -1;
  {
    Result<ChildProcess> child = ChildProcess::Spawn(Shell("exec sleep 1000", scratch / "log"));
    ASSERT_TRUE(child) << child.error().ToString();
    pid = child->pid();
  }
  // Reaped, not a zombie: the pid no longer exists at all.
  EXPECT_TRUE(IsGone(pid));
}

TEST(ChildProcess, MovingLeavesTheSourceEmpty) {
  ScratchDirectory scratch;
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("exit 0", scratch / "log"));
  ASSERT_TRUE(child) << child.error().ToString();
  const pid_t pid = child->pid();
  ChildProcess moved = std::move(*child);
  EXPECT_EQ(child->pid(), -1);  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(child->exit_notification_fd(), -1);
  EXPECT_EQ(moved.pid(), pid);
  EXPECT_EQ(moved.Wait(), (ProcessExit{.exit_status = 0, .signal = 0}));
}

TEST(ChildProcess, AppendsOutputAndErrorsToTheLogFile) {
  ScratchDirectory scratch;
  testing::WriteFile(scratch / "log", "earlier\n");
  Result<ChildProcess> child = ChildProcess::Spawn(
      Shell("echo out; echo err >&2; read line; echo \"[$line]\"", scratch / "log"));
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  // stdin is /dev/null, so `read` sees end of file at once.
  EXPECT_EQ(ReadFile(scratch / "log"), "earlier\nout\nerr\n[]\n");
}

TEST(ChildProcess, GetsExactlyTheEnvironmentItWasGiven) {
  ScratchDirectory scratch;
  ::setenv("SLUICE_TEST_ENGINE_ONLY", "leaked", 1);
  // env itself, not through a shell, which would add PWD.
  LaunchSpec spec = Shell("", scratch / "log");
  spec.argv = {"env"};
  spec.environment.emplace_back("GREETING", "hello world");
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ::unsetenv("SLUICE_TEST_ENGINE_ONLY");
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  EXPECT_EQ(ReadFile(scratch / "log"), "PATH=/usr/bin:/bin\nGREETING=hello world\n");
}

TEST(ChildProcess, RunsInItsWorkingDirectory) {
  ScratchDirectory scratch;
  std::filesystem::create_directory(scratch / "work");
  LaunchSpec spec = Shell("pwd", scratch / "log");
  spec.working_directory = scratch / "work";
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  EXPECT_EQ(ReadFile(scratch / "log"), (scratch / "work").string() + "\n");
}

TEST(ChildProcess, LooksProgramsUpInThePathOfItsOwnEnvironment) {
  ScratchDirectory scratch;
  WriteExecutable(scratch / "tools" / "say-hello", "#!/bin/sh\necho hello from the tool\n");
  LaunchSpec spec{.argv = {"say-hello"},
                  .environment = {{"PATH", "/nonexistent:" + (scratch / "tools").string()}},
                  .working_directory = {},
                  .log_file = scratch / "log"};
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  EXPECT_EQ(ReadFile(scratch / "log"), "hello from the tool\n");
}

TEST(ChildProcess, StartsWithNoBlockedOrIgnoredSignals) {
  ScratchDirectory scratch;
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigset_t previous_mask;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask), 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous_action {};
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &previous_action), 0);

  Result<ChildProcess> child = ChildProcess::Spawn(
      Shell("exec sed -n 's/^Sig\\(Blk\\|Ign\\):\\t/0x/p' /proc/self/status", scratch / "log"));
  sigaction(SIGPIPE, &previous_action, nullptr);
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  std::istringstream masks(ReadFile(scratch / "log"));
  uint64_t blocked_mask = ~uint64_t{0};
  uint64_t ignored_mask = ~uint64_t{0};
  masks >> std::hex >> blocked_mask >> ignored_mask;
  // Only the classic signals: glibc reserves 32 and 33 for itself and leaves them alone.
  constexpr uint64_t kClassicSignals = (uint64_t{1} << 31) - 1;
  EXPECT_EQ(blocked_mask & kClassicSignals, 0u);
  EXPECT_EQ(ignored_mask & kClassicSignals, 0u);
}

TEST(ChildProcess, StartsWithTheSignalsItsSpecIgnoresIgnored) {
  ScratchDirectory scratch;
  LaunchSpec spec = Shell("kill -TERM $$; echo still here; exit 4", scratch / "log");
  spec.ignored_signals = {SIGTERM};
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait(), (ProcessExit{.exit_status = 4, .signal = 0}));
  EXPECT_EQ(ReadFile(scratch / "log"), "still here\n");
}

TEST(ChildProcess, ReportsAProgramThatCannotBeExecutedWhenSignalsAreIgnored) {
  ScratchDirectory scratch;
  WriteExecutable(scratch / "script", "#!/nonexistent/interpreter\n");
  LaunchSpec spec = Shell("", scratch / "log");
  spec.argv = {(scratch / "script").string()};
  spec.ignored_signals = {SIGTERM};
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().ToString(), "program \"" + (scratch / "script").string() +
                                          "\": cannot start: No such file or directory");
}

TEST(ChildProcess, InheritsNoDescriptorBeyondTheStandardThree) {
  ScratchDirectory scratch;
  // Opened without O_CLOEXEC, as a careless library would.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(::dup2(leaked, 100), 100);
  Result<ChildProcess> child = ChildProcess::Spawn(Shell("ls /proc/$$/fd", scratch / "log"));
  ::close(100);
  ::close(leaked);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->Wait().exit_status, 0);
  EXPECT_EQ(ReadFile(scratch / "log"), "0\n1\n2\n");
}

TEST(ChildProcess, RefusesAMissingProgramNamingIt) {
  ScratchDirectory scratch;
  LaunchSpec spec = Shell("", scratch / "log");
  spec.argv = {"sluice-no-such-program"};
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().ToString(),
            "program \"sluice-no-such-program\": not found in PATH \"/usr/bin:/bin\"");

  spec.argv = {"/nonexistent/sluice-program"};
  child = ChildProcess::Spawn(spec);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().ToString(),
            "program \"/nonexistent/sluice-program\": cannot start: No such file or directory");
}

TEST(ChildProcess, RefusesAMissingWorkingDirectoryOrLogDirectory) {
  ScratchDirectory scratch;
  LaunchSpec spec = Shell("exit 0", scratch / "log");
  spec.working_directory = scratch / "missing";
  Result<ChildProcess> child = ChildProcess::Spawn(spec);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().ToString(),
            "working directory \"" + (scratch / "missing").string() + "\": not a directory");

  spec = Shell("exit 0", scratch / "missing" / "log");
  child = ChildProcess::Spawn(spec);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().ToString(), "log file \"" + (scratch / "missing" / "log").string() +
                                          "\": cannot open: No such file or directory");
}

}  // namespace
}  // namespace sluice

#include "executors/local_executor.h"

#include "base/unique_fd.h"
#include "executors/child_process.h"
#include "executors/launcher_spawner.h"
#include "executors/testing/scratch_directory.h"
#include "executors/testing/scripted_spawner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <vector>

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ReadFile;
using testing::ReadySignal;
using testing::ScratchDirectory;
using testing::WriteFile;
using Outcome = JobResult::Outcome;

bool IsGroupGone(pid_t group) { return ::kill(-group, 0) == -1 && errno == ESRCH; }

std::vector<pid_t> PidsIn(const std::string& line) {
  std::istringstream stream(line);
  std::vector<pid_t> pids;
  for (pid_t pid = 0; stream >> pid;) pids.push_back(pid);
  return pids;
}

// Orphans of the jobs become this process's children, so a test can wait for them and then
// find their group empty instead of racing init's reaping.
class SubreaperScope {
 public:
  SubreaperScope() { EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  ~SubreaperScope() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  SubreaperScope(const SubreaperScope&) = delete;
  SubreaperScope& operator=(const SubreaperScope&) = delete;
};

class LocalExecutorTest : public ::testing::Test {
 protected:
  JobSpec Shell(const std::string& script) const {
    JobSpec spec;
    spec.name = "job";
    spec.command = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.log_file = scratch_ / "log";
    spec.run_directory = scratch_ / "run";
    return spec;
  }

  // Launches `spec` and records each completion under the returned index; the loop stops when
  // the executor has no running job left.
  // Each gets a run directory of its own: jobs launched into one directory are one job.
  size_t Launch(LocalExecutor& executor, const JobSpec& spec) {
    const size_t index = results_.size();
    results_.emplace_back();
    JobSpec own = spec;
    own.run_directory = scratch_ / ("run-" + std::to_string(index));
    Result<JobId> id = executor.Launch(own, [this, index, &executor](JobResult result) {
      EXPECT_TRUE(loop_.IsLoopThread());
      results_[index].push_back(std::move(result));
      if (executor.running_jobs() == 0) loop_.Stop();
    });
    EXPECT_TRUE(id) << id.error().ToString();
    ids_.push_back(id ? *id : 0);
    return index;
  }

  // A broken executor fails the test after a minute instead of hanging the suite.
  void RunLoop() {
    const EventLoop::TimerId watchdog = loop_.RunAfter(seconds(60), [this] {
      ADD_FAILURE() << "the loop was still running after a minute";
      loop_.Stop();
    });
    loop_.Run();
    loop_.Cancel(watchdog);
  }

  JobResult OnlyResult(size_t index) const {
    EXPECT_EQ(results_[index].size(), 1u) << "completions of job " << index;
    return results_[index].empty() ? JobResult{} : results_[index].front();
  }

  // One job launched through a spawner that answers as `answer` scripts it
  // (testing::ScriptedSpawner), run to its end.
  JobResult RunUnderScriptedSpawner(const std::string& answer) {
    Result<std::unique_ptr<LauncherSpawner>> scripted =
        LauncherSpawner::Start(testing::ScriptedSpawner(scratch_, answer));
    EXPECT_TRUE(scripted) << scripted.error().ToString();
    if (!scripted) return JobResult{};
    LocalExecutor executor(loop_, {.spawner = scripted->get()});
    const size_t job = Launch(executor, Shell("exit 0"));
    RunLoop();
    return OnlyResult(job);
  }

  // Runs the loop until the process behind `pidfd` has exited.
  void WaitForExit(int pidfd) {
    loop_.WatchReadable(pidfd, [this] { loop_.Stop(); });
    RunLoop();
  }

  // Launchers are forked by a spawner, as `sluice run` starts them; sluice-run is the fallback.
  LocalExecutorOptions WithLauncher(LocalExecutorOptions options = {}) const {
    options.launcher_path = SLUICE_LAUNCHER;
    options.spawner = spawner_.get();
    return options;
  }
  LocalExecutorOptions ShortGrace() const {
    return WithLauncher({.stop_grace_period = milliseconds(200)});
  }

  static std::unique_ptr<LauncherSpawner> StartSpawner() {
    Result<std::unique_ptr<LauncherSpawner>> started = LauncherSpawner::Start(SLUICE_LAUNCHER);
    EXPECT_TRUE(started) << started.error().ToString();
    return started ? std::move(*started) : nullptr;
  }

  EventLoop loop_;
  ScratchDirectory scratch_;
  std::unique_ptr<LauncherSpawner> spawner_ = StartSpawner();
  std::vector<std::vector<JobResult>> results_;
  std::vector<JobId> ids_;
};

TEST_F(LocalExecutorTest, ReportsTheExitStatusAndTimesFromItsClock) {
  const TimePoint launched_at = std::chrono::sys_days(std::chrono::year(2024) / 1 / 1);
  ManualClock clock(launched_at);
  LocalExecutor executor(loop_, WithLauncher({.clock = &clock}));
  const size_t job = Launch(executor, Shell("exit 3"));
  EXPECT_EQ(executor.running_jobs(), 1u);
  // The job cannot complete before the loop runs, so it ends on the advanced clock.
  clock.Advance(seconds(5));
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_EQ(result.message, "exit status 3");
  EXPECT_EQ(result.started, launched_at);
  EXPECT_EQ(result.ended, launched_at + seconds(5));
  EXPECT_EQ(executor.running_jobs(), 0u);
}

// The spawner sends a job's exit record through the job's pipe before it writes exit.json; the
// executor goes on with the record it was sent. This spawner never writes the file, and keeps the
// pipe open until it is shut down.
TEST_F(LocalExecutorTest, TakesTheExitRecordTheSpawnerSendsBeforeExitJsonIsWritten) {
  const JobResult result = RunUnderScriptedSpawner(R"(
ended, ending = os.pipe()
socket.send_fds(s, [message(["job", str(os.getpid()), "1", "", ""])], [ended])
os.write(ending, b'{"end_request":"none","ended_ms":2000,"exit_status":3,"grace_period_ms":0,'
                 b'"max_runtime_s":0,"signal":0,"started_ms":1000,"was_killed":false}\n')
s.recv(1))");
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "run-0" / "exit.json"));
}

// Text through the pipe that is no exit record leaves the word to exit.json, which the spawner
// writes before the pipe ends.
TEST_F(LocalExecutorTest, TakesExitJsonWhenWhatThePipeBroughtIsNoRecord) {
  const JobResult result = RunUnderScriptedSpawner(R"(
(size,) = struct.unpack("=I", request[:4])
run_directory = request[4:4 + size].decode()
os.makedirs(run_directory, exist_ok=True)
ended, ending = os.pipe()
socket.send_fds(s, [message(["job", str(os.getpid()), "1", "", ""])], [ended])
os.write(ending, b"not a record\n")
with open(os.path.join(run_directory, "exit.json"), "w") as record:
    record.write('{"end_request":"none","ended_ms":2000,"exit_status":5,"grace_period_ms":0,'
                 '"max_runtime_s":0,"signal":0,"started_ms":1000,"was_killed":false}\n')
os.close(ending)
s.recv(1))");
  EXPECT_EQ(result.outcome, Outcome::kExited) << result.message;
  EXPECT_EQ(result.exit_status, 5);
}

TEST_F(LocalExecutorTest, StartsTheLauncherProgramOnceTheSpawnerIsGone) {
  ASSERT_EQ(::kill(spawner_->pid(), SIGKILL), 0);
  LocalExecutor executor(loop_, WithLauncher());
  const size_t job = Launch(executor, Shell("exit 3"));
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.exit_status, 3);
}

TEST_F(LocalExecutorTest, ReportsDeathBySignal) {
  LocalExecutor executor(loop_, WithLauncher());
  const size_t job = Launch(executor, Shell("kill -USR1 $$"));
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kSignaled);
  EXPECT_EQ(result.signal, SIGUSR1);
  EXPECT_EQ(result.message, "killed by SIGUSR1");
}

TEST_F(LocalExecutorTest, WritesOutputAndErrorsToTheLogFile) {
  LocalExecutor executor(loop_, WithLauncher());
  Launch(executor, Shell("echo out; echo err >&2"));
  RunLoop();
  EXPECT_EQ(ReadFile(scratch_ / "log"), "out\nerr\n");
}

TEST_F(LocalExecutorTest, HonoursTheEnvironmentAndWorkingDirectory) {
  LocalExecutor executor(loop_, WithLauncher());
  std::filesystem::create_directory(scratch_ / "work");
  JobSpec spec = Shell("pwd; echo \"$GREETING\"");
  spec.environment.emplace_back("GREETING", "hello");
  spec.working_directory = (scratch_ / "work").string();
  Launch(executor, spec);
  RunLoop();
  EXPECT_EQ(ReadFile(scratch_ / "log"), (scratch_ / "work").string() + "\nhello\n");
}

TEST_F(LocalExecutorTest, StopSendsSigtermFirstAndReportsStopped) {
  LocalExecutor executor(loop_, WithLauncher());
  ReadySignal ready(scratch_ / "ready");
  // Standard error is dropped: dash may say "Terminated" about the sleep it was waiting for.
  const size_t job = Launch(
      executor, Shell("exec 2>/dev/null; trap 'echo cleaned up; exit 0' TERM; echo ready > " +
                      ready.path().string() + "; while :; do sleep 1; done"));
  loop_.WatchReadable(ready.fd(), [&] {
    executor.Stop(ids_[job]);
    executor.Stop(ids_[job]);
  });
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.signal, 0);
  EXPECT_EQ(result.message, "stopped on request: exit status 0");
  EXPECT_EQ(ReadFile(scratch_ / "log"), "cleaned up\n");
}

TEST_F(LocalExecutorTest, StopKillsAJobIgnoringSigtermAfterTheGracePeriod) {
  LocalExecutor executor(loop_, ShortGrace());
  ReadySignal ready(scratch_ / "ready");
  const size_t job = Launch(
      executor, Shell("trap '' TERM; echo $$ > " + ready.path().string() + "; exec sleep 1000"));
  std::vector<pid_t> group;
  loop_.WatchReadable(ready.fd(), [&] {
    group = PidsIn(ready.ReadAvailable());
    executor.Stop(ids_[job]);
  });
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.message,
            "stopped on request: killed by SIGKILL after ignoring SIGTERM for the grace period "
            "of 0.2 s");
  ASSERT_EQ(group.size(), 1u);
  EXPECT_TRUE(IsGroupGone(group[0]));
}

TEST_F(LocalExecutorTest, StopKillsABackgroundGrandchildThatIgnoresSigterm) {
  SubreaperScope subreaper;
  // A long grace period: the grandchild must die because its leader did, not by the timer.
  LocalExecutor executor(loop_, WithLauncher({.stop_grace_period = seconds(600)}));
  ReadySignal ready(scratch_ / "ready");
  // Two lines, in either order: the grandchild's, once it ignores SIGTERM, and the leader's pids.
  const std::string fifo = ready.path().string();
  const size_t job =
      Launch(executor, Shell("(trap '' TERM; echo ignoring > " + fifo +
                             "; exec sleep 1000) & echo $$ $! > " + fifo + "; wait"));
  std::string lines;
  std::vector<pid_t> pids;
  UniqueFd grandchild;
  std::function<void()> on_ready = [&] {
    lines += ready.ReadAvailable();
    if (std::count(lines.begin(), lines.end(), '\n') < 2) {
      loop_.WatchReadable(ready.fd(), on_ready);
      return;
    }
    std::istringstream stream(lines);
    for (std::string line; std::getline(stream, line);) {
      if (line != "ignoring") pids = PidsIn(line);
    }
    if (pids.size() == 2) grandchild = OpenPidfd(pids[1]);
    executor.Stop(ids_[job]);
  };
  loop_.WatchReadable(ready.fd(), on_ready);
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.message, "stopped on request: killed by SIGTERM");
  ASSERT_EQ(pids.size(), 2u);
  ASSERT_TRUE(grandchild);

  WaitForExit(grandchild.get());
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PIDFD, grandchild.get(), &info, WEXITED), 0);
  EXPECT_EQ(info.si_status, SIGKILL);
  EXPECT_TRUE(IsGroupGone(pids[0]));
}

TEST_F(LocalExecutorTest, KillsABackgroundGrandchildWhenTheJobExits) {
  SubreaperScope subreaper;
  LocalExecutor executor(loop_, WithLauncher());
  ReadySignal ready(scratch_ / "ready");
  const size_t job = Launch(executor, Shell("(trap '' TERM; exec sleep 1000) & echo $$ $! > " +
                                            ready.path().string() + "; exit 0"));
  RunLoop();
  EXPECT_EQ(OnlyResult(job).outcome, Outcome::kExited);
  // Written before the job exited; the orphan is this process's child, so its pid is still its.
  const std::vector<pid_t> pids = PidsIn(ready.ReadAvailable());
  ASSERT_EQ(pids.size(), 2u);
  UniqueFd grandchild = OpenPidfd(pids[1]);
  ASSERT_TRUE(grandchild);
  WaitForExit(grandchild.get());
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PIDFD, grandchild.get(), &info, WEXITED), 0);
  EXPECT_EQ(info.si_status, SIGKILL);
  EXPECT_TRUE(IsGroupGone(pids[0]));
}

TEST_F(LocalExecutorTest, TimesOutAJobPastItsMaximumRuntime) {
  LocalExecutor executor(loop_, ShortGrace());
  JobSpec spec = Shell("exec sleep 1000");
  spec.max_runtime = seconds(1);
  const size_t job = Launch(executor, spec);
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_EQ(result.message, "exceeded the maximum runtime of 1 s: killed by SIGTERM");
}

TEST_F(LocalExecutorTest, ReportsAMissingProgramAsLaunchFailedOnTheLoop) {
  LocalExecutor executor(loop_, WithLauncher());
  JobSpec spec = Shell("");
  spec.command = {"sluice-no-such-program", "--help"};
  const size_t job = Launch(executor, spec);
  EXPECT_TRUE(results_[job].empty()) << "completed inside Launch()";
  EXPECT_EQ(executor.running_jobs(), 1u);
  executor.Stop(ids_[job]);
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kLaunchFailed);
  EXPECT_EQ(result.message,
            "program \"sluice-no-such-program\": not found in PATH \"/usr/bin:/bin\"");
}

TEST_F(LocalExecutorTest, ReportsAnUnwritableLogFileAsLaunchFailed) {
  LocalExecutor executor(loop_, WithLauncher());
  JobSpec spec = Shell("exit 0");
  spec.log_file = scratch_ / "missing" / "log";
  const size_t job = Launch(executor, spec);
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kLaunchFailed);
  EXPECT_EQ(result.message,
            "log file \"" + spec.log_file.string() + "\": cannot open: No such file or directory");
}

TEST_F(LocalExecutorTest, RejectsSpecsThatDescribeNoJob) {
  LocalExecutor executor(loop_, WithLauncher());
  auto error_of = [&](const JobSpec& spec) {
    Result<JobId> id = executor.Launch(spec, [](JobResult) { ADD_FAILURE() << "completed"; });
    return id ? std::string("launched") : id.error().ToString();
  };
  JobSpec spec = Shell("");
  spec.command.clear();
  EXPECT_EQ(error_of(spec), "job \"job\": no command to run");

  spec = Shell("exit 0");
  spec.run_directory.clear();
  EXPECT_EQ(error_of(spec), "job \"job\": no run directory");

  spec = Shell("exit 0");
  spec.network_isolation = true;
  EXPECT_EQ(error_of(spec), "job \"job\": network isolation needs bubblewrap isolation");

  spec.isolation = Isolation::kBubblewrap;
  EXPECT_EQ(error_of(spec),
            "job \"job\": bubblewrap isolation needs an ml_root to show at /opt/ml");

  spec.ml_root = scratch_.path();
  spec.mounts = {{.host = scratch_.path(), .inside = "opt/code", .is_read_only = true}};
  EXPECT_EQ(error_of(spec), "job \"job\": mount point \"opt/code\" is not absolute");
  EXPECT_EQ(executor.running_jobs(), 0u);
}

TEST_F(LocalExecutorTest, CompletesFiftyConcurrentJobsExactlyOnce) {
  LocalExecutor executor(loop_, WithLauncher());
  constexpr int kJobs = 50;
  for (int index = 0; index < kJobs; ++index) {
    Launch(executor, Shell("exit " + std::to_string(index % 7)));
  }
  EXPECT_EQ(executor.running_jobs(), static_cast<size_t>(kJobs));
  RunLoop();
  for (int index = 0; index < kJobs; ++index) {
    const JobResult result = OnlyResult(index);
    EXPECT_EQ(result.outcome, Outcome::kExited) << "job " << index;
    EXPECT_EQ(result.exit_status, index % 7) << "job " << index;
  }
  EXPECT_EQ(executor.running_jobs(), 0u);
}

TEST_F(LocalExecutorTest, IgnoresStopOfAFinishedOrUnknownJob) {
  LocalExecutor executor(loop_, WithLauncher());
  const size_t job = Launch(executor, Shell("exit 0"));
  RunLoop();
  executor.Stop(ids_[job]);
  executor.Stop(ids_[job] + 1000);
  loop_.Post([this] { loop_.Stop(); });
  RunLoop();
  EXPECT_EQ(OnlyResult(job).outcome, Outcome::kExited);
}

TEST_F(LocalExecutorTest, DestroyingTheExecutorKillsItsJobsWithoutCompletingThem) {
  auto executor = std::make_unique<LocalExecutor>(loop_, WithLauncher());
  ReadySignal ready(scratch_ / "ready");
  JobSpec spec = Shell("echo $$ > " + ready.path().string() + "; exec sleep 1000");
  spec.max_runtime = seconds(1);
  const size_t job = Launch(*executor, spec);
  const std::vector<pid_t> group = PidsIn(ready.WaitForLine());
  executor.reset();
  ASSERT_EQ(group.size(), 1u);
  EXPECT_TRUE(IsGroupGone(group[0]));
  // Nothing the executor registered fires any more.
  EXPECT_EQ(loop_.pending_timers(), 0u);
  EXPECT_EQ(loop_.pending_watches(), 0u);
  EXPECT_TRUE(results_[job].empty());
}

// The sandbox tests need a working bubblewrap; without one they say why and skip.
std::optional<std::string> WhyNoBubblewrap() {
  Result<void> usable = CheckBubblewrap(kDefaultBubblewrapPath);
  if (usable) return std::nullopt;
  return usable.error().ToString();
}

class SandboxedJobTest : public LocalExecutorTest {
 protected:
  void SetUp() override {
    if (std::optional<std::string> reason = WhyNoBubblewrap()) {
      GTEST_SKIP() << "bubblewrap is not usable: " << *reason;
    }
    for (const char* directory : {"model", "code", "input/data/train"}) {
      std::filesystem::create_directories(ml_root() / directory);
    }
  }
  std::filesystem::path ml_root() const { return scratch_ / "ml"; }
  JobSpec SandboxedShell(const std::string& script) const {
    JobSpec spec = Shell(script);
    spec.isolation = Isolation::kBubblewrap;
    spec.ml_root = ml_root();
    return spec;
  }
};

TEST_F(SandboxedJobTest, SeesItsStepDirectoryAtOptMlAndWritesTheModel) {
  LocalExecutor executor(loop_, WithLauncher());
  WriteFile(ml_root() / "input" / "data" / "train" / "data.csv", "1,2\n");
  const size_t job = Launch(executor, SandboxedShell("cat /opt/ml/input/data/train/data.csv; "
                                                     "echo trained > /opt/ml/model/model.txt; "
                                                     "hostname"));
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kExited) << result.message;
  EXPECT_EQ(result.exit_status, 0) << ReadFile(scratch_ / "log");
  EXPECT_EQ(ReadFile(scratch_ / "log"), "1,2\nalgo-1\n");
  EXPECT_EQ(ReadFile(ml_root() / "model" / "model.txt"), "trained\n");
}

TEST_F(SandboxedJobTest, GetsItsEnvironmentWorkingDirectoryAndMounts) {
  LocalExecutor executor(loop_, WithLauncher());
  WriteFile(scratch_ / "runtime" / "version", "runtime 1\n");
  std::filesystem::create_directory(scratch_ / "scratch");
  JobSpec spec = SandboxedShell(
      "pwd; echo \"$GREETING\"; cat /opt/runtime/version; "
      "touch /opt/runtime/new 2>/dev/null || echo read-only; echo written > /opt/scratch/out");
  spec.environment.emplace_back("GREETING", "hello");
  spec.working_directory = "/opt/ml/code";
  spec.mounts = {{.host = scratch_ / "runtime", .inside = "/opt/runtime", .is_read_only = true},
                 {.host = scratch_ / "scratch", .inside = "/opt/scratch", .is_read_only = false}};
  const size_t job = Launch(executor, spec);
  RunLoop();
  EXPECT_EQ(OnlyResult(job).exit_status, 0);
  EXPECT_EQ(ReadFile(scratch_ / "log"), "/opt/ml/code\nhello\nruntime 1\nread-only\n");
  EXPECT_EQ(ReadFile(scratch_ / "scratch" / "out"), "written\n");
}

TEST_F(SandboxedJobTest, GetsSigtermAndItsGracePeriodOnStop) {
  // bwrap itself must not die of the SIGTERM: that would SIGKILL the job at once.
  LocalExecutor executor(loop_, WithLauncher({.stop_grace_period = seconds(600)}));
  ReadySignal ready(ml_root() / "ready");
  const size_t job =
      Launch(executor, SandboxedShell("trap 'echo saved > /opt/ml/model/checkpoint; exit 0' TERM; "
                                      "echo ready > /opt/ml/ready; while :; do sleep 1; done"));
  loop_.WatchReadable(ready.fd(), [&] { executor.Stop(ids_[job]); });
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.message, "stopped on request: exit status 0");
  EXPECT_EQ(ReadFile(ml_root() / "model" / "checkpoint"), "saved\n");
}

TEST_F(SandboxedJobTest, IsKilledAfterTheGracePeriodWhenItIgnoresSigterm) {
  LocalExecutor executor(loop_, ShortGrace());
  ReadySignal ready(ml_root() / "ready");
  const size_t job = Launch(executor, SandboxedShell("trap '' TERM; sleep 1000 & "
                                                     "echo ready > /opt/ml/ready; wait"));
  loop_.WatchReadable(ready.fd(), [&] { executor.Stop(ids_[job]); });
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.signal, SIGKILL);
}

TEST_F(SandboxedJobTest, ReportsAProgramMissingFromItsViewAsLaunchFailed) {
  LocalExecutor executor(loop_, WithLauncher());
  JobSpec spec = SandboxedShell("");
  spec.command = {"sluice-no-such-program"};
  const size_t job = Launch(executor, spec);
  RunLoop();
  const JobResult result = OnlyResult(job);
  EXPECT_EQ(result.outcome, Outcome::kLaunchFailed);
  EXPECT_EQ(result.message,
            "program \"sluice-no-such-program\": not found in PATH \"/usr/bin:/bin\" of the "
            "job's view");
}

TEST_F(SandboxedJobTest, HasOnlyLoopbackWithNetworkIsolation) {
  LocalExecutor executor(loop_, WithLauncher());
  JobSpec spec = SandboxedShell("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  spec.network_isolation = true;
  const size_t job = Launch(executor, spec);
  RunLoop();
  EXPECT_EQ(OnlyResult(job).exit_status, 0);
  EXPECT_EQ(ReadFile(scratch_ / "log"), "lo\n");
}

}  // namespace
}  // namespace sluice

// Jobs that outlive the engine that launched them: adopted from their stored record, and launched
// again into their run directory without running twice. An earlier engine is played by the test
// itself starting a launcher, exactly as LocalExecutor does, and keeping only its JobRecord.
#include "executors/child_process.h"
#include "executors/launcher_spawner.h"
#include "executors/local_executor.h"
#include "executors/run_directory.h"
#include "executors/testing/scratch_directory.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sluice {
namespace {

using std::chrono::milliseconds;
using testing::ReadFile;
using testing::ReadySignal;
using testing::ScratchDirectory;
using testing::WriteFile;
using Outcome = JobResult::Outcome;

LocalExecutorOptions WithLauncher() {
  LocalExecutorOptions options;
  options.launcher_path = SLUICE_LAUNCHER;
  options.stop_grace_period = milliseconds(200);
  return options;
}

// A launcher started the way the executor starts one, by a test playing an engine that then
// crashed: the test is its parent, so it reaps it in the end.
struct EarlierLaunch {
  ChildProcess launcher;
  JobRecord record;
};

class AdoptionTest : public ::testing::Test {
 protected:
  std::filesystem::path run_directory() const { return scratch_ / "run"; }

  JobSpec Shell(const std::string& script) const {
    JobSpec spec;
    spec.name = "job";
    spec.command = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.log_file = scratch_ / "log";
    spec.run_directory = run_directory();
    return spec;
  }

  EarlierLaunch LaunchEarlier(const std::string& script) const {
    const std::vector<std::string> argv = {SLUICE_LAUNCHER,
                                           "--run-directory",
                                           run_directory().string(),
                                           "--grace-period-ms",
                                           "200",
                                           "--log-file",
                                           (scratch_ / "log").string(),
                                           "--",
                                           "/bin/sh",
                                           "-c",
                                           script};
    Result<ChildProcess> launcher =
        ChildProcess::Spawn(LaunchSpec{.argv = argv,
                                       .environment = {{"PATH", "/usr/bin:/bin"}},
                                       .working_directory = {},
                                       .log_file = scratch_ / "log",
                                       .blocked_signals = {SIGTERM, SIGINT}});
    EXPECT_TRUE(launcher) << launcher.error().ToString();
    JobRecord record{.name = "job",
                     .run_directory = run_directory(),
                     .process_id = launcher->pid(),
                     .process_start_time = ProcessStartTime(launcher->pid()).value_or(0)};
    return EarlierLaunch{std::move(*launcher), record};
  }

  // A script that says it runs, then waits for the test to let it go.
  std::string Gated(const std::string& then) const {
    return "echo ran >> " + (scratch_ / "runs").string() + "; echo ready > " +
           (scratch_ / "ready").string() + "; while [ ! -e " + (scratch_ / "go").string() +
           " ]; do sleep 0.01; done; " + then;
  }
  void LetGo() const { WriteFile(scratch_ / "go", ""); }

  Executor::Completion Record() {
    return [this](JobResult result) {
      EXPECT_TRUE(loop_.IsLoopThread());
      results_.push_back(std::move(result));
      loop_.Stop();
    };
  }

  void RunLoop() {
    const EventLoop::TimerId watchdog = loop_.RunAfter(std::chrono::seconds(60), [this] {
      ADD_FAILURE() << "the loop was still running after a minute";
      loop_.Stop();
    });
    loop_.Run();
    loop_.Cancel(watchdog);
  }

  JobResult OnlyResult() const {
    EXPECT_EQ(results_.size(), 1u);
    return results_.empty() ? JobResult{} : results_.front();
  }

  EventLoop loop_;
  ScratchDirectory scratch_;
  std::vector<JobResult> results_;
};

// A spawner supervising the job for an earlier engine (held by the test, so the spawner goes
// on): its job record names the spawner, which outlives the job.
struct EarlierSupervisedLaunch {
  std::unique_ptr<LauncherSpawner> spawner;
  JobRecord record;
};

class SupervisedAdoptionTest : public AdoptionTest {
 protected:
  EarlierSupervisedLaunch LaunchSupervised(const std::string& script) const {
    auto spawner = LauncherSpawner::Start(SLUICE_LAUNCHER);
    EXPECT_TRUE(spawner) << spawner.error().ToString();
    auto launched = (*spawner)->Spawn(LauncherOptions{.run_directory = run_directory(),
                                                      .grace_period = milliseconds(200),
                                                      .max_runtime = std::chrono::seconds(0),
                                                      .working_directory = {},
                                                      .log_file = scratch_ / "log",
                                                      .durability = Durability::kProcessCrash,
                                                      .command = {"/bin/sh", "-c", script},
                                                      .environment = {{"PATH", "/usr/bin:/bin"}}});
    EXPECT_TRUE(launched) << launched.error().ToString();
    EXPECT_NE(launched->supervised_job, 0);
    JobRecord record{.name = "job",
                     .run_directory = run_directory(),
                     .process_id = (*spawner)->pid(),
                     .process_start_time = (*spawner)->start_time()};
    return EarlierSupervisedLaunch{std::move(*spawner), record};
  }
};

TEST_F(SupervisedAdoptionTest, SeesTheJobEndWhileItsSpawnerGoesOn) {
  ReadySignal ready(scratch_ / "ready");
  EarlierSupervisedLaunch earlier = LaunchSupervised(Gated("exit 4"));
  ready.WaitForLine();
  LocalExecutor executor(loop_, WithLauncher());
  auto adopted = executor.Adopt(earlier.record, Record());
  ASSERT_TRUE(adopted) << adopted.error().ToString();
  LetGo();
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kExited) << result.message;
  EXPECT_EQ(result.exit_status, 4);
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "ran\n");
  EXPECT_EQ(::kill(earlier.spawner->pid(), 0), 0) << "the spawner should still run";
}

TEST_F(SupervisedAdoptionTest, StopsTheJobThroughItsSpawner) {
  ReadySignal ready(scratch_ / "ready");
  EarlierSupervisedLaunch earlier = LaunchSupervised(Gated("exit 0"));
  ready.WaitForLine();
  LocalExecutor executor(loop_, WithLauncher());
  auto adopted = executor.Adopt(earlier.record, Record());
  ASSERT_TRUE(adopted) << adopted.error().ToString();
  executor.Stop(*adopted);
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kStopped) << result.message;
}

TEST_F(SupervisedAdoptionTest, AnUnwatchedJobIsStoppedThroughItsSpawner) {
  ReadySignal ready(scratch_ / "ready");
  EarlierSupervisedLaunch earlier = LaunchSupervised(Gated("exit 0"));
  ready.WaitForLine();
  ASSERT_TRUE(StopUnwatchedJob(earlier.record));
  LocalExecutor executor(loop_, WithLauncher());
  auto adopted = executor.Adopt(earlier.record, Record());
  ASSERT_TRUE(adopted) << adopted.error().ToString();
  RunLoop();
  EXPECT_EQ(OnlyResult().outcome, Outcome::kStopped) << OnlyResult().message;
}

TEST_F(AdoptionTest, AdoptsARunningJobAndReportsHowItEnded) {
  ReadySignal ready(scratch_ / "ready");
  EarlierLaunch earlier = LaunchEarlier(Gated("exit 4"));
  ready.WaitForLine();
  LocalExecutor executor(loop_, WithLauncher());
  Result<JobId> adopted = executor.Adopt(earlier.record, Record());
  ASSERT_TRUE(adopted) << adopted.error().ToString();
  EXPECT_EQ(executor.running_jobs(), 1u);
  EXPECT_EQ(executor.RecordOf(*adopted).process_id, earlier.record.process_id);
  LetGo();
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.exit_status, 4);
  EXPECT_EQ(result.message, "exit status 4");
  EXPECT_LE(result.started, result.ended);
  EXPECT_EQ(executor.running_jobs(), 0u);
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "ran\n");
}

TEST_F(AdoptionTest, ReportsAJobThatEndedWhileNoEngineWatchedOnTheLoop) {
  EarlierLaunch earlier = LaunchEarlier("echo ran >> " + (scratch_ / "runs").string() + "; exit 0");
  EXPECT_EQ(earlier.launcher.Wait(), (ProcessExit{.exit_status = 0, .signal = 0}));
  LocalExecutor executor(loop_, WithLauncher());
  ASSERT_TRUE(executor.Adopt(earlier.record, Record()));
  EXPECT_TRUE(results_.empty()) << "completed inside Adopt()";
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.message, "exit status 0");
  auto record = ReadExitRecord(run_directory());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ(result.started, (*record)->started);
  EXPECT_EQ(result.ended, (*record)->ended);
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "ran\n");
}

TEST_F(AdoptionTest, StopGivesAnAdoptedJobSigtermFirst) {
  ReadySignal ready(scratch_ / "ready");
  EarlierLaunch earlier =
      LaunchEarlier("exec 2>/dev/null; trap 'echo cleaned up; exit 0' TERM; " + Gated("exit 9"));
  ready.WaitForLine();
  LocalExecutor executor(loop_, WithLauncher());
  Result<JobId> adopted = executor.Adopt(earlier.record, Record());
  ASSERT_TRUE(adopted);
  executor.Stop(*adopted);
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.message, "stopped on request: exit status 0");
  EXPECT_EQ(ReadFile(scratch_ / "log"), "cleaned up\n");
}

TEST_F(AdoptionTest, StopsAJobThatNoExecutorWatches) {
  ReadySignal ready(scratch_ / "ready");
  EarlierLaunch earlier = LaunchEarlier(Gated("exit 9"));
  ready.WaitForLine();
  EXPECT_TRUE(StopUnwatchedJob(earlier.record));
  EXPECT_EQ(earlier.launcher.Wait(), (ProcessExit{.exit_status = 0, .signal = 0}));
  auto record = ReadExitRecord(run_directory());
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->end_request, EndRequest::kStop);
  EXPECT_EQ((*record)->signal, SIGTERM);
  // Its launcher has gone now; nothing else is signalled in its name.
  EXPECT_FALSE(StopUnwatchedJob(earlier.record));
}

TEST_F(AdoptionTest, RefusesARecordWhoseLauncherIsGoneWithoutAnExitRecord) {
  LocalExecutor executor(loop_, WithLauncher());
  // This test's own pid, with another start time: a pid reused by some other process.
  JobRecord record{.name = "job",
                   .run_directory = run_directory(),
                   .process_id = ::getpid(),
                   .process_start_time = ProcessStartTime(::getpid()).value_or(0) + 1};
  Result<JobId> adopted = executor.Adopt(record, Record());
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(adopted.error().ToString(),
            "job \"job\": nothing runs it any more (its launcher, pid " +
                std::to_string(::getpid()) + ", is gone) and \"" + run_directory().string() +
                "\" holds no record of how it ended");
  EXPECT_EQ(executor.running_jobs(), 0u);
}

TEST_F(AdoptionTest, RefusesAJobKilledWhenItsExecutorShutDown) {
  ReadySignal ready(scratch_ / "ready");
  JobRecord record;
  {
    LocalExecutor earlier(loop_, WithLauncher());
    Result<JobId> launched = earlier.Launch(Shell(Gated("exit 0")), Record());
    ASSERT_TRUE(launched);
    record = earlier.RecordOf(*launched);
    ready.WaitForLine();
  }
  EXPECT_TRUE(results_.empty());
  LocalExecutor executor(loop_, WithLauncher());
  Result<JobId> adopted = executor.Adopt(record, Record());
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error().ToString(),
            "job \"job\": was killed when the executor running it shut down");
}

TEST_F(AdoptionTest, LaunchingARunThatEndedReportsItWithoutRunningItAgain) {
  const std::string script = "echo ran >> " + (scratch_ / "runs").string() + "; exit 3";
  LocalExecutor executor(loop_, WithLauncher());
  ASSERT_TRUE(executor.Launch(Shell(script), Record()));
  RunLoop();
  ASSERT_TRUE(executor.Launch(Shell(script), Record()));
  RunLoop();
  ASSERT_EQ(results_.size(), 2u);
  for (const JobResult& result : results_) {
    EXPECT_EQ(result.outcome, Outcome::kExited);
    EXPECT_EQ(result.exit_status, 3);
  }
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "ran\n");
}

TEST_F(AdoptionTest, LaunchingARunStillRunningFollowsItInsteadOfStartingASecondJob) {
  ReadySignal ready(scratch_ / "ready");
  EarlierLaunch earlier = LaunchEarlier(Gated("exit 5"));
  ready.WaitForLine();
  LocalExecutor executor(loop_, WithLauncher());
  Result<JobId> launched = executor.Launch(Shell(Gated("exit 6")), Record());
  ASSERT_TRUE(launched);
  // The second launcher passes a stop on to the one that runs the job.
  executor.Stop(*launched);
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kStopped);
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_EQ(ReadFile(scratch_ / "runs"), "ran\n");
  EXPECT_EQ(earlier.launcher.Wait(), (ProcessExit{.exit_status = 0, .signal = 0}));
}

TEST_F(AdoptionTest, DoesNotRunAJobAgainWhoseEarlierLauncherDiedWithoutARecord) {
  // A launcher that claimed the run and died: its record names a process that is gone.
  Result<ChildProcess> gone = ChildProcess::Spawn(LaunchSpec{.argv = {"/bin/true"},
                                                             .environment = {},
                                                             .working_directory = {},
                                                             .log_file = {},
                                                             .blocked_signals = {}});
  ASSERT_TRUE(gone);
  const pid_t pid = gone->pid();
  gone->Wait();
  std::filesystem::create_directories(run_directory());
  WriteFile(run_directory() / "launcher.json",
            "{\"pid\": " + std::to_string(pid) + ", \"start_time\": 1}\n");
  LocalExecutor executor(loop_, WithLauncher());
  ASSERT_TRUE(executor.Launch(Shell("echo ran >> " + (scratch_ / "runs").string()), Record()));
  RunLoop();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kLaunchFailed);
  EXPECT_EQ(result.message, "an earlier launcher of this job (pid " + std::to_string(pid) +
                                ") ended without recording how the job ended");
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "runs"));
}

TEST_F(AdoptionTest, FollowsALauncherThatHeldTheRunInTheOlderLayout) {
  // Such a launcher held a file of its own, `lock`. Played by flock(1) holding it while a shell
  // says so, then writes the job's end when let go.
  ReadySignal locked(scratch_ / "locked");
  const std::filesystem::path go = scratch_ / "go";
  ASSERT_EQ(::mkfifo(go.c_str(), 0600), 0);
  std::filesystem::create_directories(run_directory());
  const std::string ended =
      R"({"exit_status": 5, "signal": 0, "end_request": "none", "was_killed": false, )"
      R"("grace_period_ms": 200, "max_runtime_s": 0, "started_ms": 1, "ended_ms": 2})";
  Result<ChildProcess> older = ChildProcess::Spawn(LaunchSpec{
      .argv = {"flock", (run_directory() / "lock").string(), "/bin/sh", "-c",
               "echo locked > " + locked.path().string() + "; read line < " + go.string() +
                   "; echo '" + ended + "' > " + (run_directory() / "exit.json").string()},
      .environment = {{"PATH", "/usr/bin:/bin"}},
      .working_directory = {},
      .log_file = {},
      .blocked_signals = {}});
  ASSERT_TRUE(older);
  WriteFile(run_directory() / "launcher.json",
            "{\"pid\": " + std::to_string(older->pid()) +
                ", \"start_time\": " + std::to_string(*ProcessStartTime(older->pid())) + "}\n");
  locked.WaitForLine();
  bool is_let_go = false;
  auto let_go = [&] {
    if (is_let_go) return;
    is_let_go = true;
    std::ofstream fifo(go);
    fifo << "go\n";
  };
  LocalExecutor executor(loop_, WithLauncher());
  ASSERT_TRUE(executor.Launch(Shell("echo ran >> " + (scratch_ / "runs").string()), Record()));
  // Let go once the new launcher has had time to find the run held; were it not to follow the
  // older one, it would by then have refused to run the job at all.
  loop_.RunAfter(milliseconds(100), let_go);
  RunLoop();
  let_go();
  const JobResult result = OnlyResult();
  EXPECT_EQ(result.outcome, Outcome::kExited);
  EXPECT_EQ(result.exit_status, 5);
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "runs"));
  older->Wait();
}

TEST_F(AdoptionTest, TheLauncherLeadsASessionOfItsOwnSoItOutlivesTheEngine) {
  ReadySignal ready(scratch_ / "ready");
  LocalExecutor executor(loop_, WithLauncher());
  Result<JobId> launched = executor.Launch(Shell(Gated("exit 0")), Record());
  ASSERT_TRUE(launched);
  ready.WaitForLine();
  const auto launcher = static_cast<pid_t>(executor.RecordOf(*launched).process_id);
  EXPECT_EQ(::getsid(launcher), launcher);
  EXPECT_NE(::getsid(launcher), ::getsid(0));
  LetGo();
  RunLoop();
  EXPECT_EQ(OnlyResult().outcome, Outcome::kExited);
}

}  // namespace
}  // namespace sluice

// Crash recovery through the real binary: `sluice run` is SIGKILLed at random points, and each
// time `sluice resume` takes over, until the execution ends. Jobs run without isolation, so
// their processes outlive every killed engine. Whatever the moment of the kill, the execution
// must end Succeeded with every step's job run exactly once and every event recorded.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sluice {
namespace {

using std::chrono::milliseconds;

constexpr int kBlocks = 5;  // of ten steps each
constexpr int kSteps = kBlocks * 10;
constexpr int kParallelism = 3;
constexpr int kMinimumKills = 20;
constexpr uint32_t kSeed = 20240601;
// Past this, a run that has not ended is a hang; the test fails rather than waiting on.
constexpr auto kRunLimit = std::chrono::seconds(60);

std::string StepName(int index) { return "Step" + std::to_string(index); }

// Blocks of ten steps, each a mix of a fan-out, a fan-in and two chains, joined in a chain:
//   0 -> {1, 2, 3, 4} -> 5 -> 6 -> 7 -> 9 and 5 -> 8 -> 9, then 9 -> the next block's 0.
std::vector<int> UpstreamOf(int index) {
  const int base = index - index % 10;
  switch (index % 10) {
    case 0:
      return index == 0 ? std::vector<int>{} : std::vector<int>{index - 1};
    case 1:
    case 2:
    case 3:
    case 4:
      return {base};
    case 5:
      return {base + 1, base + 2, base + 3, base + 4};
    case 6:
    case 8:
      return {base + 5};
    case 7:
      return {base + 6};
    case 9:
      return {base + 7, base + 8};
  }
  return {};
}

// Orphaned launchers become this process's children, so the test can reap them and, at the
// end, see that none is left.
class SubreaperScope {
 public:
  SubreaperScope() { EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  ~SubreaperScope() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  SubreaperScope(const SubreaperScope&) = delete;
  SubreaperScope& operator=(const SubreaperScope&) = delete;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-crash-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (HasFailure()) {
      std::ifstream log(EngineLog());
      std::cerr << "engine output:\n" << log.rdbuf() << "\n";
    }
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }

  std::filesystem::path SideEffects() const { return dir_ / "side-effects"; }
  std::filesystem::path EngineLog() const { return dir_ / "engine.log"; }
  std::filesystem::path StateDir() const { return dir_ / "state"; }

  std::string WriteDefinition(std::mt19937& random) const {
    std::uniform_int_distribution<int> sleep_hundredths(4, 9);
    std::string steps;
    for (int index = 0; index < kSteps; ++index) {
      std::string depends_on;
      for (int upstream : UpstreamOf(index)) {
        depends_on += (depends_on.empty() ? "\"" : ", \"") + StepName(upstream) + "\"";
      }
      const std::string script = "sleep 0.0" + std::to_string(sleep_hundredths(random)) +
                                 "; echo " + StepName(index) + " >> " + SideEffects().string();
      steps += std::string(index == 0 ? "" : ",\n") + R"({"Name": ")" + StepName(index) +
               R"(", "Type": "Processing", "Arguments": {
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
        "AppSpecification": {"ImageUri": "local/shell", "ContainerEntrypoint": ["/bin/sh", "-c", ")" +
               script + R"("]}, "RoleArn": "arn:aws:iam::000000000000:role/test"})" +
               (depends_on.empty() ? "" : R"(, "DependsOn": [)" + depends_on + "]") + "}";
    }
    const std::filesystem::path file = dir_ / "pipeline.json";
    std::ofstream(file) << R"({"Version": "2020-12-01", "Parameters": [], "Steps": [)" << steps
                        << "]}";
    return file.string();
  }

  // Starts the engine with its output appended to the engine log.
  pid_t StartEngine(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), SLUICE_BINARY);
    arguments.insert(arguments.end(),
                     {"--isolation", "none", "--quiet", "--state-dir", StateDir().string()});
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, EngineLog().c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(spawned, 0) << "cannot start " << SLUICE_BINARY;
    return spawned == 0 ? pid : -1;
  }

  // Waits until the engine exits or `deadline` passes; its wait status, or nothing if it runs.
  static std::optional<int> WaitUntil(pid_t engine,
                                      std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      int status = 0;
      if (::waitpid(engine, &status, WNOHANG) == engine) return status;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(2));
    }
  }

  // Reaps every child that has ended (launchers orphaned by a killed engine); how many.
  static int ReapEnded() {
    int reaped = 0;
    while (::waitpid(-1, nullptr, WNOHANG) > 0) ++reaped;
    return reaped;
  }

  std::optional<ExecutionRecord> StoredExecution() const {
    if (!std::filesystem::exists(StateDir() / "sluice.db")) return std::nullopt;
    auto store = SqliteStore::Open(StateDir() / "sluice.db");
    if (!store) return std::nullopt;
    auto executions = (*store)->ListExecutions(10);
    if (!executions || executions->empty()) return std::nullopt;
    return executions->front();
  }

  std::filesystem::path dir_;
};

TEST_F(CrashTest, EverySigkilledEngineIsContinuedAndNoStepRunsTwiceOrIsLost) {
  SubreaperScope subreaper;
  std::mt19937 random(kSeed);
  const std::string definition = WriteDefinition(random);
  // Early kills land while the engine starts or resumes; later ones while jobs run or end.
  std::uniform_int_distribution<int> kill_after_ms(15, 150);

  int kills = 0;
  int restarts = 0;
  const auto test_deadline = std::chrono::steady_clock::now() + kRunLimit;
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), test_deadline) << "after " << kills << " kills";
    const std::optional<ExecutionRecord> execution = StoredExecution();
    // A killed engine may have committed the execution's end just before it died.
    if (execution && IsTerminal(execution->status)) break;
    // Until the execution exists there is nothing to resume: the run itself starts again.
    const pid_t engine =
        execution ? StartEngine({"resume", execution->id})
                  : StartEngine({"run", definition, "--parallelism", std::to_string(kParallelism)});
    ASSERT_GT(engine, 0);
    ++restarts;
    const auto kill_at = kills < kMinimumKills ? std::chrono::steady_clock::now() +
                                                     milliseconds(kill_after_ms(random))
                                               : test_deadline;
    if (std::optional<int> status = WaitUntil(engine, kill_at)) {
      // It ran the execution to its end before its kill came.
      ASSERT_TRUE(WIFEXITED(*status));
      EXPECT_EQ(WEXITSTATUS(*status), 0);
      continue;
    }
    ASSERT_EQ(::kill(engine, SIGKILL), 0);
    ASSERT_EQ(::waitpid(engine, nullptr, 0), engine);
    ASSERT_LT(kills, kMinimumKills) << "the last engine did not finish in time";
    ++kills;
    ReapEnded();
  }
  std::cout << "engines started: " << restarts << ", killed: " << kills << "\n";
  EXPECT_GE(kills, kMinimumKills) << "the execution ended before enough kills were made";

  const std::optional<ExecutionRecord> record = StoredExecution();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, ExecutionStatus::kSucceeded) << record->failure_reason;
  const std::string execution = record->id;
  auto store = SqliteStore::Open(StateDir() / "sluice.db");
  ASSERT_TRUE(store);

  // Each job ran exactly once: no step's name is missing or doubled in what the jobs did.
  std::map<std::string, int> runs_of;
  std::ifstream side_effects(SideEffects());
  for (std::string line; std::getline(side_effects, line);) ++runs_of[line];
  for (int index = 0; index < kSteps; ++index) {
    EXPECT_EQ(runs_of[StepName(index)], 1) << StepName(index) << "'s job ran this many times";
  }
  EXPECT_EQ(runs_of.size(), static_cast<size_t>(kSteps));

  // Each step's last attempt succeeded, and only one attempt did.
  auto step_runs = (*store)->ListStepRuns(execution);
  ASSERT_TRUE(step_runs);
  std::map<std::string, const StepRun*> last_attempt;
  std::map<std::string, int> succeeded_attempts;
  for (const StepRun& run : *step_runs) {
    const StepRun*& last = last_attempt[run.step_name];
    if (last == nullptr || run.attempt > last->attempt) last = &run;
    if (run.status == StepStatus::kSucceeded) ++succeeded_attempts[run.step_name];
  }
  for (int index = 0; index < kSteps; ++index) {
    const StepRun* last = last_attempt[StepName(index)];
    ASSERT_NE(last, nullptr) << StepName(index) << " never ran";
    EXPECT_EQ(last->status, StepStatus::kSucceeded) << StepName(index);
    EXPECT_EQ(succeeded_attempts[StepName(index)], 1) << StepName(index);
  }

  // No event is lost: sequence numbers without gaps, one Succeeded event per step, each step's
  // last event its success, and the execution's end last of all.
  auto events = (*store)->ListEvents(execution, 0);
  ASSERT_TRUE(events);
  ASSERT_FALSE(events->empty());
  for (size_t index = 1; index < events->size(); ++index) {
    EXPECT_EQ((*events)[index].sequence, (*events)[index - 1].sequence + 1)
        << "a gap before event " << index;
  }
  std::map<std::string, int> successes;
  std::map<std::string, std::string> last_status;
  for (const Event& event : *events) {
    if (event.step_name.empty()) continue;
    if (event.status == "Succeeded") ++successes[event.step_name];
    last_status[event.step_name] = event.status;
  }
  for (int index = 0; index < kSteps; ++index) {
    EXPECT_EQ(successes[StepName(index)], 1) << StepName(index);
    EXPECT_EQ(last_status[StepName(index)], "Succeeded") << StepName(index);
  }
  EXPECT_EQ(events->back().step_name, "");
  EXPECT_EQ(events->back().status, "Succeeded");

  // Every launcher has ended: nothing is left running behind the execution.
  ReapEnded();
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD) << "a process of the execution is still running";
}

}  // namespace
}  // namespace sluice

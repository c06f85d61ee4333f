#include "local_run.h"

#include "artifacts/local_artifact_store.h"
#include "base/clock.h"
#include "base/event_loop.h"
#include "engine/engine.h"
#include "executors/bubblewrap.h"
#include "executors/local_executor.h"
#include "graph/compiled_pipeline.h"
#include "runtimes/job_command.h"
#include "runtimes/runtime_map.h"
#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

namespace sluice::testing {

const StepRun* RunOutcome::Step(std::string_view name) const {
  const StepRun* last = nullptr;
  for (const StepRun& run : steps) {
    if (run.step_name == name) last = &run;
  }
  return last;
}

const CacheDecisionRecord* RunOutcome::CacheDecision(std::string_view step) const {
  const CacheDecisionRecord* last = nullptr;
  for (const CacheDecisionRecord& decision : cache_decisions) {
    if (decision.step_name == step && (last == nullptr || decision.attempt > last->attempt)) {
      last = &decision;
    }
  }
  return last;
}

LocalRun::LocalRun() {
  std::random_device random;
  state_dir_ = std::filesystem::temp_directory_path() /
               ("sluice-run-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(state_dir_ / "objects");
}

LocalRun::~LocalRun() {
  std::error_code error;
  std::filesystem::remove_all(state_dir_, error);
}

bool LocalRun::IsBubblewrapUsable() const { return sluice::IsBubblewrapUsable(); }

RunOutcome LocalRun::Run(const std::string& definition,
                         std::vector<std::pair<std::string, std::string>> parameters,
                         int64_t max_parallel_steps, bool is_isolated) {
  RunOutcome outcome;
  CompileOutcome compiled = Compile(definition);
  if (!compiled.pipeline) {
    for (const Error& error : compiled.errors) outcome.start_errors += error.ToString() + "\n";
    return outcome;
  }
  auto store = SqliteStore::Open(state_dir_ / "sluice.db");
  EXPECT_TRUE(store);
  auto runtimes_dir = FindRuntimesDir(CurrentExecutablePath());
  EXPECT_TRUE(runtimes_dir) << runtimes_dir.error().ToString();
  const RuntimeMap runtimes = RuntimeMap::Defaults(*runtimes_dir);
  SystemClock system_clock;
  const Clock& clock = clock_ != nullptr ? *clock_ : system_clock;
  LocalArtifactStore artifacts(state_dir_ / "objects", system_clock);
  EventLoop loop;
  LocalExecutorOptions executor_options;
  executor_options.launcher_path = SLUICE_LAUNCHER;
  executor_options.stop_grace_period = std::chrono::seconds(2);
  LocalExecutor executor(loop, executor_options);
  EngineOptions options;
  options.state_dir = state_dir_;
  options.isolation = is_isolated ? Isolation::kBubblewrap : Isolation::kNone;
  options.transform_driver = TransformDriverPath(*runtimes_dir);
  options.base_environment = {{"PATH", "/usr/bin:/bin"}};
  options.is_cache_disabled = is_cache_disabled_;
  Engine engine(loop, **store, artifacts, executor, runtimes, clock, options);
  std::optional<ExecutionRecord> finished;
  engine.AddFinishListener([&](const ExecutionRecord& record) {
    finished = record;
    loop.Stop();
  });
  loop.Post([&] {
    StartRequest request;
    request.pipeline_name = "test-pipeline";
    request.definition = definition;
    request.pipeline = compiled.pipeline;
    request.parameters = std::move(parameters);
    request.max_parallel_steps = max_parallel_steps;
    auto started = engine.Start(std::move(request));
    if (!started) {
      for (const Error& error : started.error()) outcome.start_errors += error.ToString() + "\n";
      loop.Stop();
    }
  });
  loop.Run();
  if (!finished) return outcome;
  auto stored = (*store)->FindExecution(finished->id);
  EXPECT_TRUE(stored && *stored);
  outcome.execution = **stored;
  auto runs = (*store)->ListStepRuns(finished->id);
  EXPECT_TRUE(runs);
  outcome.steps = *runs;
  auto events = (*store)->ListEvents(finished->id, 0);
  EXPECT_TRUE(events);
  outcome.events = *events;
  auto decisions = (*store)->ListCacheDecisions(finished->id);
  EXPECT_TRUE(decisions);
  outcome.cache_decisions = *decisions;
  return outcome;
}

std::string LocalRun::ReadObject(const std::string& uri) const {
  SystemClock clock;
  LocalArtifactStore artifacts(state_dir_ / "objects", clock);
  auto text = artifacts.ReadObject(uri);
  return text ? *text : "<missing: " + text.error().ToString() + ">";
}

void LocalRun::WriteObject(const std::string& uri, const std::string& contents) const {
  SystemClock clock;
  LocalArtifactStore artifacts(state_dir_ / "objects", clock);
  ASSERT_TRUE(artifacts.WriteObject(uri, contents));
}

}  // namespace sluice::testing

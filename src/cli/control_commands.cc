#include "cli/control_commands.h"

#include "base/text.h"
#include "cli/existing_store.h"
#include "cli/state_dir.h"
#include "engine/engine.h"
#include "executors/local_executor.h"
#include "graph/compiled_pipeline.h"
#include "model/transition.h"
#include "store/sqlite_store.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <signal.h>
#include <thread>

namespace sluice {
namespace {

// Recompiles the definition snapshot an execution runs.
// `record` may come from a listing, which leaves the definition out.
Result<std::shared_ptr<const CompiledPipeline>, Errors> CompileSnapshot(
    MetadataStore& store, const ExecutionRecord& record) {
  std::string definition = record.definition;
  if (definition.empty()) {
    auto found = store.FindExecution(record.id);
    if (!found) return Errors{found.error()};
    if (*found) definition = std::move((*found)->definition);
  }
  CompileOutcome compiled = Compile(definition);
  if (!compiled.pipeline) return compiled.errors;
  return compiled.pipeline;
}

}  // namespace

int RunStop(const HostOptions& host, const std::string& execution_id, bool is_waiting) {
  const std::filesystem::path state = ResolveStateDir(host.state_dir);
  auto store = OpenExistingStore(state);
  if (!store) return 1;
  auto found = store->FindExecution(execution_id);
  if (!found || !*found) {
    std::cerr << "sluice: execution " << Quote(execution_id) << " is not known here\n";
    return 1;
  }
  ExecutionRecord record = **found;
  if (IsTerminal(record.status)) {
    std::cout << "execution " << execution_id << " already ended "
              << ExecutionStatusName(record.status) << "\n";
    return 0;
  }
  const std::optional<int> engine = EngineOf(state, execution_id);
  if (!engine) {
    // No engine runs it, but its jobs may have outlived the engine that did: their launchers
    // are asked to stop them, and the execution and its unfinished steps are recorded stopped.
    auto runs = store->ListStepRuns(execution_id);
    if (!runs) {
      std::cerr << "sluice: " << runs.error().ToString() << "\n";
      return 1;
    }
    Transition transition;
    const TimePoint now = std::chrono::system_clock::now();
    for (StepRun run : *runs) {
      if (IsTerminal(run.status)) continue;
      StopUnwatchedJob(JobRecord{.name = run.job_name,
                                 .run_directory = run.run_directory,
                                 .process_id = run.job_process_id,
                                 .process_start_time = run.job_process_start_time});
      run.status = StepStatus::kStopped;
      run.failure_reason = "Stopped on request";
      run.ended = now;
      transition.step_runs.push_back(run);
      transition.events.push_back(Event{0, now, execution_id, run.step_name, "Stopped", ""});
    }
    record.status = ExecutionStatus::kStopped;
    record.last_modified = now;
    transition.execution = record;
    transition.events.push_back(Event{0, now, execution_id, "", "Stopped", ""});
    if (auto applied = store->Apply(transition); !applied) {
      std::cerr << "sluice: " << applied.error().ToString() << "\n";
      return 1;
    }
    std::cout << "execution " << execution_id << " Stopped (no engine was running it)\n";
    return 0;
  }
  std::ofstream(ExecutionDirectory(state, execution_id) / "stop-requested") << "\n";
  if (kill(*engine, SIGUSR1) != 0) {
    std::cerr << "sluice: cannot signal the engine (pid " << *engine << ") running " << execution_id
              << "\n";
    return 1;
  }
  std::cout << "stopping execution " << execution_id << " (engine pid " << *engine << ")\n";
  if (!is_waiting) return 0;
  for (;;) {
    // Whether the engine is gone is asked before reading the execution: an engine that records
    // the end and exits between the two is then seen to have ended it.
    const bool is_engine_gone = !EngineOf(state, execution_id);
    auto now = store->FindExecution(execution_id);
    if (now && *now && IsTerminal((*now)->status)) {
      std::cout << "execution " << execution_id << " " << ExecutionStatusName((*now)->status)
                << "\n";
      return 0;
    }
    if (is_engine_gone) {
      std::cerr << "sluice: the engine running " << execution_id << " ended before it stopped\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int RunRetry(const HostOptions& host, const std::string& execution_id, int64_t parallelism) {
  const std::filesystem::path state = ResolveStateDir(host.state_dir);
  if (!OpenExistingStore(state)) return 1;
  if (EngineOf(state, execution_id)) {
    std::cerr << "sluice: execution " << execution_id << " is running in another engine\n";
    return 1;
  }
  return HostExecutions(
      host, [&](Engine& engine, MetadataStore& store) -> Result<std::vector<std::string>, Errors> {
        auto found = store.FindExecution(execution_id);
        if (!found) return Errors{found.error()};
        if (!*found)
          return Errors{NotFound("execution " + Quote(execution_id), "is not known here")};
        auto runs = store.ListStepRuns(execution_id);
        if (!runs) return Errors{runs.error()};
        auto pipeline = CompileSnapshot(store, **found);
        if (!pipeline) return pipeline.error();
        ResumeRequest request{**found, std::move(*runs), *pipeline, ResumeMode::kRetry,
                              parallelism};
        auto resumed = engine.Resume(std::move(request));
        if (!resumed) return resumed.error();
        return std::vector<std::string>{*resumed};
      });
}

int RunResume(const HostOptions& host, const std::string& execution_id) {
  const std::filesystem::path state = ResolveStateDir(host.state_dir);
  if (!OpenExistingStore(state)) return 1;
  return HostExecutions(
      host, [&](Engine& engine, MetadataStore& store) -> Result<std::vector<std::string>, Errors> {
        auto all = store.ListExecutions(100000);
        if (!all) return Errors{all.error()};
        std::vector<std::string> resumed;
        Errors errors;
        for (const ExecutionRecord& record : *all) {
          if (IsTerminal(record.status)) continue;
          if (!execution_id.empty() && record.id != execution_id) continue;
          if (EngineOf(state, record.id)) continue;  // another engine runs it
          auto runs = store.ListStepRuns(record.id);
          if (!runs) return Errors{runs.error()};
          auto pipeline = CompileSnapshot(store, record);
          if (!pipeline) return pipeline.error();
          const bool was_stopping = record.status == ExecutionStatus::kStopping;
          auto id = engine.Resume(
              ResumeRequest{record, std::move(*runs), *pipeline, ResumeMode::kRecover, 0});
          if (!id) {
            errors.insert(errors.end(), id.error().begin(), id.error().end());
            continue;
          }
          if (was_stopping) (void)engine.Stop(*id);
          resumed.push_back(*id);
        }
        if (!errors.empty()) return errors;
        if (resumed.empty() && !execution_id.empty()) {
          return Errors{InvalidArgument("execution " + Quote(execution_id),
                                        "is not an unfinished execution without an engine")};
        }
        return resumed;
      });
}

}  // namespace sluice

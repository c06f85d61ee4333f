#include "cli/inspect_commands.h"

#include "artifacts/local_artifact_store.h"
#include "base/clock.h"
#include "base/text.h"
#include "cli/existing_store.h"
#include "cli/state_dir.h"
#include "definition/json.h"
#include "store/sqlite_store.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>
#include <unistd.h>

namespace sluice {
namespace {

std::string LocalTime(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

std::string Elapsed(TimePoint from, std::optional<TimePoint> to) {
  if (!to) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", std::chrono::duration<double>(*to - from).count());
  return text;
}

std::unique_ptr<SqliteStore> OpenStore(const std::string& state_dir) {
  return OpenExistingStore(ResolveStateDir(state_dir));
}

std::optional<ExecutionRecord> FindOrComplain(SqliteStore& store, const std::string& id) {
  auto found = store.FindExecution(id);
  if (!found) {
    std::cerr << "sluice: " << found.error().ToString() << "\n";
    return std::nullopt;
  }
  if (!*found) {
    std::cerr << "sluice: execution " << Quote(id) << " is not known here\n";
    return std::nullopt;
  }
  return **found;
}

}  // namespace

int RunListExecutions(const std::string& state_dir, size_t limit) {
  auto store = OpenStore(state_dir);
  if (!store) return 1;
  auto executions = store->ListExecutions(limit);
  if (!executions) {
    std::cerr << "sluice: " << executions.error().ToString() << "\n";
    return 1;
  }
  std::printf("%-14s %-30s %-10s %-19s\n", "EXECUTION", "PIPELINE", "STATUS", "STARTED");
  for (const ExecutionRecord& record : *executions) {
    std::printf("%-14s %-30s %-10s %-19s\n", record.id.c_str(), record.pipeline_name.c_str(),
                std::string(ExecutionStatusName(record.status)).c_str(),
                LocalTime(record.created).c_str());
  }
  return 0;
}

int RunDescribeExecution(const std::string& state_dir, const std::string& execution_id) {
  auto store = OpenStore(state_dir);
  if (!store) return 1;
  auto record = FindOrComplain(*store, execution_id);
  if (!record) return 1;
  std::printf("Execution:    %s\n", record->id.c_str());
  std::printf("Pipeline:     %s\n", record->pipeline_name.c_str());
  std::printf("Display name: %s\n", record->display_name.c_str());
  std::printf("Status:       %s\n", std::string(ExecutionStatusName(record->status)).c_str());
  if (!record->failure_reason.empty()) {
    std::printf("Failure:      %s\n", record->failure_reason.c_str());
  }
  std::printf("Started:      %s\n", LocalTime(record->created).c_str());
  std::printf("Last change:  %s\n", LocalTime(record->last_modified).c_str());
  if (record->max_parallel_steps > 0) {
    std::printf("Parallelism:  %lld steps\n", static_cast<long long>(record->max_parallel_steps));
  }
  std::printf("Parameters:\n");
  if (auto parameters = ParseJson(record->parameters_json); parameters && parameters->is_map()) {
    for (const Member& member : parameters->as_map()) {
      std::printf("  %s = %s\n", member.key.c_str(), WriteJson(member.value).c_str());
    }
  }
  return 0;
}

int RunListSteps(const std::string& state_dir, const std::string& execution_id) {
  auto store = OpenStore(state_dir);
  if (!store) return 1;
  if (!FindOrComplain(*store, execution_id)) return 1;
  auto runs = store->ListStepRuns(execution_id);
  if (!runs) {
    std::cerr << "sluice: " << runs.error().ToString() << "\n";
    return 1;
  }
  auto decisions = store->ListCacheDecisions(execution_id);
  if (!decisions) {
    std::cerr << "sluice: " << decisions.error().ToString() << "\n";
    return 1;
  }
  // A failure says more than the cache decision that led to the run; otherwise a hit or a miss
  // says why the step did or did not run (`sluice cache explain` has the whole story).
  std::map<std::pair<std::string, int64_t>, std::string> cache_reasons;
  for (const CacheDecisionRecord& decision : *decisions) {
    if (decision.outcome == CacheOutcome::kNotCached) continue;
    cache_reasons[{decision.step_name, decision.attempt}] = decision.reason;
  }
  std::printf("%-40s %-14s %-10s %-7s %-8s %s\n", "STEP", "TYPE", "STATUS", "ATTEMPT", "ELAPSED",
              "DETAIL");
  for (const StepRun& run : *runs) {
    std::string detail = run.failure_reason;
    if (auto reason = cache_reasons.find({run.step_name, run.attempt});
        detail.empty() && reason != cache_reasons.end()) {
      detail = reason->second;
    }
    std::printf("%-40s %-14s %-10s %-7lld %-8s %s\n", run.step_name.c_str(), run.step_type.c_str(),
                std::string(StepStatusName(run.status)).c_str(),
                static_cast<long long>(run.attempt), Elapsed(run.started, run.ended).c_str(),
                detail.c_str());
  }
  return 0;
}

int RunLogs(const std::string& state_dir, const std::string& execution_id,
            const std::string& step_name, bool is_following) {
  auto store = OpenStore(state_dir);
  if (!store) return 1;
  if (!FindOrComplain(*store, execution_id)) return 1;
  auto runs = store->ListStepRuns(execution_id);
  if (!runs) {
    std::cerr << "sluice: " << runs.error().ToString() << "\n";
    return 1;
  }
  bool is_found = false;
  for (const StepRun& run : *runs) {
    if (!step_name.empty() && run.step_name != step_name) continue;
    is_found = true;
    std::ifstream log(run.log_file);
    std::printf("==> %s (attempt %lld) <==\n", run.step_name.c_str(),
                static_cast<long long>(run.attempt));
    std::string line;
    while (std::getline(log, line)) std::printf("%s\n", line.c_str());
    if (!is_following || IsTerminal(run.status)) continue;
    // Follow until the attempt ends: the store says when, the log file says what.
    for (;;) {
      log.clear();
      while (std::getline(log, line)) std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      auto latest = store->ListStepRuns(execution_id);
      bool is_done = true;
      if (latest) {
        for (const StepRun& now : *latest) {
          if (now.step_name == run.step_name && now.attempt == run.attempt) {
            is_done = IsTerminal(now.status);
          }
        }
      }
      if (is_done) {
        log.clear();
        while (std::getline(log, line)) std::printf("%s\n", line.c_str());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  if (!is_found) {
    std::cerr << "sluice: execution " << execution_id << " has no step " << Quote(step_name)
              << " that ran\n";
    return 1;
  }
  return 0;
}

int RunCopy(const std::string& state_dir, const std::string& source,
            const std::string& destination) {
  const std::filesystem::path state = ResolveStateDir(state_dir);
  if (auto made = EnsureStateDir(state); !made) {
    std::cerr << "sluice: " << made.error().ToString() << "\n";
    return 1;
  }
  SystemClock clock;
  LocalArtifactStore artifacts(ObjectsPath(state), clock);
  const bool is_upload = destination.rfind("s3://", 0) == 0 && source.rfind("s3://", 0) != 0;
  const bool is_download = source.rfind("s3://", 0) == 0 && destination.rfind("s3://", 0) != 0;
  Result<void> copied;
  if (is_upload) {
    copied = artifacts.Upload(std::filesystem::absolute(source), destination);
  } else if (is_download) {
    copied = artifacts.Download(source, std::filesystem::absolute(destination));
  } else {
    std::cerr << "sluice cp: expected one local path and one s3:// URI\n";
    return 2;
  }
  if (!copied) {
    std::cerr << "sluice cp: " << copied.error().ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sluice

// Runs the engine in the foreground for the commands that execute pipelines (`sluice run`,
// `retry`, `resume`): opens the state directory's store, object store, runtime map and executor,
// shows progress, and returns once every execution it began has ended.
//
// While an execution runs, its directory holds `engine.pid`, so `sluice stop` from another
// terminal can find the engine: it leaves `stop-requested` there and sends SIGUSR1; `sluice
// callback` sends SIGUSR1 once it stored an answer, and each SIGUSR1 also makes the engine look
// for answered callbacks. Ctrl-C (SIGINT) or SIGTERM stops the executions; a second one leaves
// at once, and `sluice resume` continues them later.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

class Engine;
class MetadataStore;

struct HostOptions {
  std::string state_dir;
  std::string isolation = "bwrap";
  // What the state, job records and objects survive (base/durability.h): "process" (any Sluice
  // process killed at any moment) or "machine" (also a power loss, at an fsync per write).
  std::string durability = "process";
  std::string runtimes_file;
  bool is_quiet = false;
  bool is_cache_disabled = false;  // --no-cache
};

// `begin` runs on the engine thread and returns the ids of the executions it started or resumed
// (errors are printed, exit status 2). Returns 0 when all of them succeeded, else 1.
using BeginExecutions =
    std::function<Result<std::vector<std::string>, Errors>(Engine&, MetadataStore&)>;
int HostExecutions(const HostOptions& options, const BeginExecutions& begin);

// The environment jobs start from: /usr/bin first on PATH (so `python3` is the interpreter the
// runtimes expect), HOME, locale, and the region SageMaker jobs see.
std::vector<std::pair<std::string, std::string>> JobEnvironment(const std::string& region);

// sluice-run, which every job runs under, installed (and built) beside `executable`.
Result<std::filesystem::path> FindLauncher(const std::filesystem::path& executable);

// The execution's directory under a state directory.
std::filesystem::path ExecutionDirectory(const std::filesystem::path& state,
                                         const std::string& execution_id);
// Whether `sluice stop` asked for the execution to stop (its stop-requested file). Never throws:
// the engine's loop asks.
bool IsStopRequested(const std::filesystem::path& state, const std::string& execution_id);
// The pid of the engine running the execution, when one is alive.
std::optional<int> EngineOf(const std::filesystem::path& state, const std::string& execution_id);

}  // namespace sluice

// Where jobs run. A job is one process tree: the command a step handler prepared, with its
// environment, working directory and log file, optionally isolated so that it sees its step's
// host directory at /opt/ml. Completion is delivered on the engine's event loop, never from
// another thread into engine state.
//
// A job outlives the engine that launched it when that engine crashes: a restarted engine finds
// it again from its JobRecord (Adopt), and launching a job into a run directory that already
// holds a run joins that run instead of starting a second one.
#pragma once

#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

enum class Isolation {
  // bubblewrap: a private mount namespace with the step's directory at /opt/ml, the host's
  // /usr and /etc read-only, a private /tmp; scripts that hard-code /opt/ml run unchanged.
  kBubblewrap,
  // A plain child process; /opt/ml paths must be remapped by the caller.
  kNone,
};

struct Mount {
  std::filesystem::path host;
  std::string inside;  // absolute path inside the job's view
  bool is_read_only = true;
};

struct JobSpec {
  std::string name;                  // unique among jobs of one state directory
  std::vector<std::string> command;  // argv; a bare command[0] is looked up in PATH
  std::vector<std::pair<std::string, std::string>> environment;  // the whole environment
  std::string working_directory;                                 // as the job sees it
  std::filesystem::path log_file;                                // stdout and stderr, appended
  // The job's own directory for what the executor records about it. It must derive from the
  // job's identity (execution, step, attempt): a launch into a directory that already holds a
  // run joins that run, so repeating a launch after a crash never runs the job twice.
  std::filesystem::path run_directory;
  Isolation isolation = Isolation::kNone;
  std::filesystem::path ml_root;  // kBubblewrap: the host directory seen as /opt/ml
  std::vector<Mount> mounts;      // kBubblewrap: further binds (runtimes, code)
  std::optional<std::chrono::seconds> max_runtime;  // stopped when exceeded
  // No network but loopback; needs kBubblewrap. Off by default, as SageMaker's
  // EnableNetworkIsolation is.
  bool network_isolation = false;
};

struct JobResult {
  enum class Outcome {
    kExited,        // exit_status holds the status
    kSignaled,      // killed by `signal` (not on our request)
    kStopped,       // ended because Stop() was called
    kTimedOut,      // ended because max_runtime passed
    kLaunchFailed,  // never started; message says why
  };
  Outcome outcome = Outcome::kExited;
  int exit_status = 0;
  int signal = 0;
  std::string message;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
};

using JobId = uint64_t;

// What a restarted engine needs to find a job again: stored with the step run it belongs to.
struct JobRecord {
  std::string name;
  std::filesystem::path run_directory;
  // The process that watches the job (its launcher: the spawner supervising it, or a launcher of
  // its own), and when it started (clock ticks since boot, /proc/<pid>/stat), so that a reused
  // pid is never taken for it. 0 when none started.
  int64_t process_id = 0;
  int64_t process_start_time = 0;
};

class Executor {
 public:
  using Completion = std::function<void(JobResult)>;
  virtual ~Executor() = default;

  // Starts the job; `on_done` runs exactly once, on the event loop the executor was given, and
  // never inside Launch(). An error is returned only for a spec that cannot describe a job (no
  // command, a relative mount point, network isolation without kBubblewrap); then `on_done`
  // never runs. A job that cannot start (a missing program, an unwritable log file) gets a
  // JobId and completes with kLaunchFailed.
  virtual Result<JobId> Launch(const JobSpec& spec, Completion on_done) = 0;
  // Asks the job to end: SIGTERM to its process group, SIGKILL after the grace period.
  // Idempotent; a job that already ended is left alone. Its completion reports kStopped
  // (kLaunchFailed if it never started).
  virtual void Stop(JobId job) = 0;
  // Takes over a job launched by an earlier engine, from the record that engine stored.
  // `on_done` runs exactly once, on the event loop and never inside Adopt(), when the job has
  // ended (at once if it ended while no engine watched). kNotFound when there is nothing to
  // adopt: the job's end was never recorded and nothing watches it any more (it did not survive,
  // or was ended when its executor shut down), so it must run again.
  virtual Result<JobId> Adopt(const JobRecord& record, Completion on_done) = 0;
  // What Adopt() needs to find `job` again; store it before relying on the job surviving.
  virtual JobRecord RecordOf(JobId job) const = 0;
  // Jobs launched or adopted and not yet completed.
  virtual size_t running_jobs() const = 0;
};

}  // namespace sluice

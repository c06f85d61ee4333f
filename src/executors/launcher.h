// The launcher every local job runs under (docs/adr/0004-job-launcher.md): either the program
// sluice-run (launcher_main.cc) or a process forked by a LauncherSpawner (launcher_spawner.h),
// both running RunLauncher.
//
// It starts the job with the given environment (in the job's own session and process group),
// waits for it, and writes how it ended to the run directory's exit.json atomically. The
// launcher runs in a session of its own, so it and the job outlive the engine that started
// them; a later engine reads exit.json, or watches the launcher until it writes it.
//
// SIGTERM asks for a stop: the job's group gets SIGTERM, and SIGKILL after the grace period.
// So does the maximum runtime passing. SIGINT ends the job at once (its executor is going away).
// Whoever starts the launcher must start it with both blocked, so that neither is lost or
// fatal before the launcher is ready for them.
//
// The run directory belongs to one job: the launcher holding its lock runs it, once. A launcher
// started on a directory whose job already ended exits at once, leaving its exit record; one
// started while another launcher runs the job follows that launcher, passing on what it is
// asked, until it ends.
#pragma once

#include "base/durability.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "executors/child_process.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

// The launcher's exit status when no record could be written (the reason is on stderr).
inline constexpr int kLauncherRecordFailure = 1;

struct LauncherOptions {
  std::filesystem::path run_directory;
  std::chrono::milliseconds grace_period{10000};
  std::chrono::seconds max_runtime{0};  // 0: none
  std::filesystem::path working_directory;
  std::filesystem::path log_file;
  Durability durability = Durability::kMachineCrash;
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> environment;  // the job's whole environment
  std::vector<int> ignored_signals = {};  // ignored when the job starts (LaunchSpec)
};

// How a launcher starts the job `options` describes (in its own session and process group).
LaunchSpec JobLaunchSpec(const LauncherOptions& options);

// Sends `signal` to the launcher of a job through its pidfd, as SIGTERM and SIGINT above ask:
// with `supervised_job` 0 the launcher runs that job alone and the plain signal is about it; a
// spawner supervising the job among others (job_supervisor.h) takes the job's number with the
// signal (sigqueue's value). Whether it was sent.
bool SignalLauncher(int pidfd, int64_t supervised_job, int signal);

// One look, without waiting, at whether the job of a run directory is ours to run (see above).
struct RunClaim {
  enum class Kind {
    kOurs,   // locked, and no launcher has run the job: `lock` is launcher.json, empty
    kHeld,   // another launcher holds the run
    kEnded,  // the job has ended (or an earlier launcher died with it): exit.json says how
  };
  Kind kind = Kind::kHeld;
  UniqueFd lock;        // kOurs: launcher.json, locked
  UniqueFd older_lock;  // kOurs: `lock`, locked, where an older launcher left one
};
// Creates the run directory if need be. When an earlier launcher got as far as claiming the run
// and died without a record, writes the exit record that says so (kEnded): the job may have run,
// in part or whole, so it must not run again under the same identity.
Result<RunClaim> TryClaimRun(const std::filesystem::path& run_directory, Durability durability);

// Runs the job in this process as described above; 0 when the run directory's exit.json holds
// how the job ended, kLauncherRecordFailure otherwise. The process must not have other threads.
int RunLauncher(const LauncherOptions& options);

}  // namespace sluice

// LocalExecutor runs jobs as processes on this machine, optionally sandboxed by bubblewrap (see
// bubblewrap.h). Each job runs under a launcher (launcher.h) in a session of its own: the
// LauncherSpawner, which supervises all the jobs it starts (job_supervisor.h), or, once no spawner
// answers, the program sluice-run started for the job alone. The launcher starts the job in the
// job's own session and process group, waits for it, and writes how it ended into the job's run
// directory (run_directory.h). Launchers outlive a crashed engine, so a restarted one adopts its
// jobs (Adopt) instead of running them again. Completion is event-driven: for each job a
// descriptor that becomes readable once its end is recorded (the spawner's pipe, a launcher's
// pidfd) is watched on the EventLoop, with no polling and no thread per job.
//
// Stop() and an exceeded max_runtime give the job's process group SIGTERM and SIGKILL after the
// grace period (the launcher does this, so it goes on through an engine restart). However a job
// ends, whatever is left of its group is killed before the job's leader is reaped, so nothing a
// job started in the background outlives it (a process that starts its own session escapes the
// group; under kBubblewrap the pid namespace catches it).
//
// Owns its jobs: destroying the executor kills every running job, launched or adopted, and
// waits for their launchers to record it; their completions never run. Loop thread only: every
// method, and every completion, runs on the EventLoop's thread.
#pragma once

#include "base/clock.h"
#include "base/durability.h"
#include "base/event_loop.h"
#include "executors/bubblewrap.h"
#include "executors/executor.h"
#include "executors/run_directory.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>

namespace sluice {

class LauncherSpawner;

struct LocalExecutorOptions {
  // The sluice-run program; every job runs under it, unless `spawner` forks its launcher.
  std::filesystem::path launcher_path = {};
  // Forks the launchers (cheaper than starting sluice-run); when it has gone, launcher_path is
  // started instead. Must outlive the executor.
  LauncherSpawner* spawner = nullptr;
  // Between SIGTERM and SIGKILL, for Stop() and for max_runtime.
  std::chrono::steady_clock::duration stop_grace_period = std::chrono::seconds(10);
  std::filesystem::path bubblewrap_path = kDefaultBubblewrapPath;
  // How the launchers' job records are written (base/durability.h).
  Durability durability = Durability::kMachineCrash;
  // Stamps JobResult::started and ::ended of the jobs it launches (an adopted job's are the
  // times its launcher recorded); nullptr means the system clock.
  const Clock* clock = nullptr;
};

// Asks the launcher of a job that no executor watches (its engine is gone) to stop the job, as
// Stop() does, when the launcher still runs. Whether it did.
bool StopUnwatchedJob(const JobRecord& record);

class LocalExecutor final : public Executor {
 public:
  // `loop` must outlive the executor.
  explicit LocalExecutor(EventLoop& loop, LocalExecutorOptions options = {});
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  Result<JobId> Launch(const JobSpec& spec, Completion on_done) override;
  void Stop(JobId job) override;
  Result<JobId> Adopt(const JobRecord& record, Completion on_done) override;
  JobRecord RecordOf(JobId job) const override;
  size_t running_jobs() const override { return jobs_.size(); }

 private:
  struct Job;

  JobId Add(std::unique_ptr<Job> job);
  // Completes the job on the next turn of the loop (never inside Launch or Adopt).
  void CompleteSoon(JobId id, JobResult result);
  void WatchExit(JobId id, Job& job);
  void OnExitNotified(JobId id);
  void WatchRecord(JobId id, Job& job);
  void OnRecordNotified(JobId id);
  void Complete(JobId id, JobResult result);
  // Once the job's launcher has ended: how the job did, from the launcher's exit record (the one
  // `sent` through the job's pipe, else exit.json).
  JobResult ResultOf(const Job& job, const std::string& how_launcher_ended,
                     std::optional<ExitRecord> sent = std::nullopt) const;

  EventLoop& loop_;
  LocalExecutorOptions options_;
  const Clock& clock_;
  JobId next_job_id_ = 1;
  std::unordered_map<JobId, std::unique_ptr<Job>> jobs_;
};

}  // namespace sluice

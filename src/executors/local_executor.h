// LocalExecutor runs jobs as child processes of the engine, each in its own session and process
// group, optionally sandboxed by bubblewrap (see bubblewrap.h). Completion is event-driven: each
// job's pidfd is watched on the EventLoop, with no polling and no thread per job.
//
// Stop() and an exceeded max_runtime send SIGTERM to the job's process group and SIGKILL after
// the grace period. However a job ends, whatever is left of its group is killed before the
// leader is reaped, so nothing a job started in the background outlives it (a process that
// starts its own session escapes the group; under kBubblewrap the pid namespace catches it).
//
// Owns its jobs: destroying the executor kills and reaps every running job, and their
// completions never run. Loop thread only: every method, and every completion, runs on the
// EventLoop's thread.
#pragma once

#include "base/clock.h"
#include "base/event_loop.h"
#include "executors/bubblewrap.h"
#include "executors/executor.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <unordered_map>

namespace sluice {

struct ProcessExit;

struct LocalExecutorOptions {
  // Between SIGTERM and SIGKILL, for Stop() and for max_runtime.
  std::chrono::steady_clock::duration stop_grace_period = std::chrono::seconds(10);
  std::filesystem::path bubblewrap_path = kDefaultBubblewrapPath;
  // Stamps JobResult::started and ::ended; nullptr means the system clock.
  const Clock* clock = nullptr;
};

class LocalExecutor final : public Executor {
 public:
  // `loop` must outlive the executor.
  explicit LocalExecutor(EventLoop& loop, LocalExecutorOptions options = {});
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  Result<JobId> Launch(const JobSpec& spec, Completion on_done) override;
  void Stop(JobId job) override;
  size_t running_jobs() const override { return jobs_.size(); }

 private:
  struct Job;
  enum class EndRequest { kNone, kStop, kTimeout };

  void WatchExit(JobId id, Job& job);
  void OnExitNotified(JobId id);
  void RequestEnd(JobId id, EndRequest request);
  void Kill(JobId id);
  void Complete(JobId id, JobResult result);
  JobResult ResultOf(const Job& job, const ProcessExit& exit) const;

  EventLoop& loop_;
  LocalExecutorOptions options_;
  const Clock& clock_;
  JobId next_job_id_ = 1;
  std::unordered_map<JobId, std::unique_ptr<Job>> jobs_;
};

}  // namespace sluice

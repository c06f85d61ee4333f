#include "executors/local_executor.h"

#include "base/text.h"
#include "executors/child_process.h"

#include <cstdio>
#include <optional>
#include <signal.h>
#include <utility>

namespace sluice {

namespace {

const Clock& SystemClockInstance() {
  static const SystemClock clock;
  return clock;
}

std::string SecondsText(std::chrono::duration<double> duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", duration.count());
  return text;
}

Result<void> Validate(const JobSpec& spec) {
  const std::string where = "job " + Quote(spec.name);
  if (spec.command.empty()) return InvalidArgument(where, "no command to run");
  if (spec.network_isolation && spec.isolation != Isolation::kBubblewrap) {
    return InvalidArgument(where, "network isolation needs bubblewrap isolation");
  }
  if (spec.isolation != Isolation::kBubblewrap) return {};
  if (spec.ml_root.empty()) {
    return InvalidArgument(where, "bubblewrap isolation needs an ml_root to show at /opt/ml");
  }
  if (!spec.working_directory.empty() && spec.working_directory.front() != '/') {
    return InvalidArgument(where, "working directory " + Quote(spec.working_directory) +
                                      " is not absolute in the job's view");
  }
  for (const Mount& mount : spec.mounts) {
    if (mount.inside.empty() || mount.inside.front() != '/') {
      return InvalidArgument(where, "mount point " + Quote(mount.inside) + " is not absolute");
    }
  }
  return {};
}

Result<ChildProcess> Start(const JobSpec& spec, const LocalExecutorOptions& options) {
  switch (spec.isolation) {
    case Isolation::kNone:
      return ChildProcess::Spawn(LaunchSpec{.argv = spec.command,
                                            .environment = spec.environment,
                                            .working_directory = spec.working_directory,
                                            .log_file = spec.log_file});
    case Isolation::kBubblewrap: {
      std::error_code error;
      if (!std::filesystem::exists(options.bubblewrap_path, error)) {
        return MakeError(ErrorCode::kNotFound,
                         "bubblewrap " + Quote(options.bubblewrap_path.string()),
                         "not installed (the bubblewrap package)");
      }
      if (Result<void> checked = CheckSandboxedJob(spec); !checked) return checked.error();
      // bwrap changes to the working directory inside the sandbox; the environment is passed
      // through bwrap rather than spelled out on its command line.
      return ChildProcess::Spawn(
          LaunchSpec{.argv = BubblewrapCommand(spec, options.bubblewrap_path),
                     .environment = spec.environment,
                     .working_directory = {},
                     .log_file = spec.log_file});
    }
  }
  return MakeError(ErrorCode::kInternal, "job " + Quote(spec.name), "unknown isolation");
}

}  // namespace

struct LocalExecutor::Job {
  std::optional<ChildProcess> child;  // empty when the launch failed
  Completion on_done;
  std::chrono::system_clock::time_point started;
  std::optional<std::chrono::seconds> max_runtime;
  std::optional<EventLoop::WatchId> exit_watch;
  std::optional<EventLoop::TimerId> deadline_timer;
  std::optional<EventLoop::TimerId> kill_timer;
  std::optional<EventLoop::TimerId> launch_failure_timer;
  EndRequest end_request = EndRequest::kNone;
  bool was_killed = false;

  void CancelCallbacks(EventLoop& loop) {
    if (exit_watch) loop.Unwatch(*exit_watch);
    for (const std::optional<EventLoop::TimerId>& timer :
         {deadline_timer, kill_timer, launch_failure_timer}) {
      if (timer) loop.Cancel(*timer);
    }
    exit_watch.reset();
    deadline_timer.reset();
    kill_timer.reset();
    launch_failure_timer.reset();
  }
};

LocalExecutor::LocalExecutor(EventLoop& loop, LocalExecutorOptions options)
    : loop_(loop),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClockInstance()) {}

LocalExecutor::~LocalExecutor() {
  // Every group is killed before any is waited for, so they die in parallel.
  for (auto& [id, job] : jobs_) {
    job->CancelCallbacks(loop_);
    if (job->child) job->child->SignalGroup(SIGKILL);
  }
  // Each ChildProcess reaps its leader as it is destroyed.
  jobs_.clear();
}

Result<JobId> LocalExecutor::Launch(const JobSpec& spec, Completion on_done) {
  if (Result<void> valid = Validate(spec); !valid) return valid.error();
  const JobId id = next_job_id_++;
  auto job = std::make_unique<Job>();
  job->on_done = std::move(on_done);
  job->started = clock_.Now();
  job->max_runtime = spec.max_runtime;
  Result<ChildProcess> child = Start(spec, options_);
  if (!child) {
    JobResult result;
    result.outcome = JobResult::Outcome::kLaunchFailed;
    result.message = child.error().ToString();
    result.started = job->started;
    // A completion never runs inside Launch(), and a timer (unlike a posted task) can still be
    // cancelled if the executor is destroyed first.
    job->launch_failure_timer =
        loop_.RunAfter(std::chrono::steady_clock::duration::zero(),
                       [this, id, result = std::move(result)] { Complete(id, result); });
  } else {
    job->child = std::move(*child);
    WatchExit(id, *job);
    if (spec.max_runtime) {
      job->deadline_timer =
          loop_.RunAfter(*spec.max_runtime, [this, id] { RequestEnd(id, EndRequest::kTimeout); });
    }
  }
  jobs_.emplace(id, std::move(job));
  return id;
}

void LocalExecutor::Stop(JobId job) { RequestEnd(job, EndRequest::kStop); }

void LocalExecutor::WatchExit(JobId id, Job& job) {
  job.exit_watch =
      loop_.WatchReadable(job.child->exit_notification_fd(), [this, id] { OnExitNotified(id); });
}

void LocalExecutor::OnExitNotified(JobId id) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  Job& job = *found->second;
  job.exit_watch.reset();
  std::optional<ProcessExit> exit = job.child->TryReap();
  if (!exit) {
    // Readiness is a hint; the leader has not exited yet.
    WatchExit(id, job);
    return;
  }
  Complete(id, ResultOf(job, *exit));
}

void LocalExecutor::RequestEnd(JobId id, EndRequest request) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  Job& job = *found->second;
  // A job that never started still completes as kLaunchFailed; a second request (Stop after a
  // timeout, or Stop twice) changes neither the outcome nor the grace period.
  if (!job.child || job.end_request != EndRequest::kNone) return;
  job.end_request = request;
  job.child->SignalGroup(SIGTERM);
  job.kill_timer = loop_.RunAfter(options_.stop_grace_period, [this, id] { Kill(id); });
}

void LocalExecutor::Kill(JobId id) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  Job& job = *found->second;
  job.kill_timer.reset();
  job.was_killed = true;
  job.child->SignalGroup(SIGKILL);
}

void LocalExecutor::Complete(JobId id, JobResult result) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  std::unique_ptr<Job> job = std::move(found->second);
  jobs_.erase(found);
  job->CancelCallbacks(loop_);
  result.ended = clock_.Now();
  // Erased first, so that the completion sees running_jobs() without this job and may launch
  // or stop others freely.
  job->on_done(std::move(result));
}

JobResult LocalExecutor::ResultOf(const Job& job, const ProcessExit& exit) const {
  JobResult result;
  result.exit_status = exit.exit_status;
  result.signal = exit.signal;
  result.started = job.started;
  const std::string how = Describe(exit);
  const std::string escalation = job.was_killed
                                     ? " after ignoring SIGTERM for the grace period of " +
                                           SecondsText(options_.stop_grace_period)
                                     : "";
  switch (job.end_request) {
    case EndRequest::kNone:
      result.outcome =
          exit.signal != 0 ? JobResult::Outcome::kSignaled : JobResult::Outcome::kExited;
      result.message = how;
      break;
    case EndRequest::kStop:
      result.outcome = JobResult::Outcome::kStopped;
      result.message = "stopped on request: " + how + escalation;
      break;
    case EndRequest::kTimeout:
      result.outcome = JobResult::Outcome::kTimedOut;
      result.message = "exceeded the maximum runtime of " +
                       SecondsText(job.max_runtime.value_or(std::chrono::seconds(0))) + ": " + how +
                       escalation;
      break;
  }
  return result;
}

}  // namespace sluice

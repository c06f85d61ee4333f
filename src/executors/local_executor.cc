#include "executors/local_executor.h"

#include "base/text.h"
#include "executors/child_process.h"
#include "executors/launcher.h"
#include "executors/launcher_spawner.h"
#include "executors/run_directory.h"

#include <cerrno>
#include <cstdio>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <utility>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

namespace sluice {

namespace {

// How long a destroyed executor waits for each launcher to record its job's end.
constexpr int kLauncherEndTimeoutMilliseconds = 10000;

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
  if (spec.run_directory.empty()) return InvalidArgument(where, "no run directory");
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

// How the launcher is to start the job itself: the command, or bwrap running it.
Result<LaunchSpec> JobCommand(const JobSpec& spec, const LocalExecutorOptions& options) {
  switch (spec.isolation) {
    case Isolation::kNone:
      return LaunchSpec{.argv = spec.command,
                        .environment = spec.environment,
                        .working_directory = spec.working_directory,
                        .log_file = spec.log_file,
                        .blocked_signals = {}};
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
      return LaunchSpec{.argv = BubblewrapCommand(spec, options.bubblewrap_path),
                        .environment = spec.environment,
                        .working_directory = {},
                        .log_file = spec.log_file,
                        .blocked_signals = {},
                        .ignored_signals = {kBubblewrapIgnoredSignal}};
    }
  }
  return MakeError(ErrorCode::kInternal, "job " + Quote(spec.name), "unknown isolation");
}

// A launcher for a job: executed (our child), forked by the spawner (not ours), or the spawner
// itself supervising the job.
struct StartedLauncher {
  std::optional<ChildProcess> child;
  UniqueFd pidfd;  // readable once the job's end is recorded, when not our child
  pid_t pid = -1;
  int64_t start_time = 0;
  int64_t supervised_job = 0;  // the job's number in the spawner
};

// Starts the launcher that runs `job` (launcher.h), in a session of its own so that it outlives
// this process, with its stop signals blocked until it is ready for them.
Result<StartedLauncher> StartLauncher(const std::filesystem::path& run_directory,
                                      const JobSpec& spec, const LaunchSpec& job,
                                      const LocalExecutorOptions& options) {
  LauncherOptions launcher{.run_directory = run_directory,
                           .grace_period = std::chrono::duration_cast<std::chrono::milliseconds>(
                               options.stop_grace_period),
                           .max_runtime = spec.max_runtime.value_or(std::chrono::seconds(0)),
                           .working_directory = job.working_directory,
                           .log_file = job.log_file,
                           .durability = options.durability,
                           .command = job.argv,
                           .environment = job.environment,
                           .ignored_signals = job.ignored_signals};
  if (options.spawner != nullptr) {
    Result<SpawnedLauncher> spawned = options.spawner->Spawn(launcher);
    if (spawned) {
      return StartedLauncher{.child = std::nullopt,
                             .pidfd = std::move(spawned->pidfd),
                             .pid = spawned->pid,
                             .start_time = spawned->start_time,
                             .supervised_job = spawned->supervised_job};
    }
    if (spawned.error().code != ErrorCode::kUnavailable || options.launcher_path.empty()) {
      return spawned.error();
    }
  }
  if (options.launcher_path.empty()) {
    return MakeError(ErrorCode::kInternal, "job " + Quote(spec.name),
                     "the executor has no launcher (sluice-run) to run it under");
  }
  // The spawner creates it itself; the launcher's messages go to a log file in it.
  std::error_code error;
  std::filesystem::create_directories(run_directory, error);
  if (error) {
    return MakeError(ErrorCode::kIo, "run directory " + Quote(run_directory.string()),
                     "cannot create: " + error.message());
  }
  std::vector<std::string> argv = {options.launcher_path.string(), "--run-directory",
                                   run_directory.string(), "--grace-period-ms",
                                   std::to_string(launcher.grace_period.count())};
  if (launcher.max_runtime.count() > 0) {
    argv.insert(argv.end(), {"--max-runtime-s", std::to_string(launcher.max_runtime.count())});
  }
  if (!job.working_directory.empty()) {
    argv.insert(argv.end(), {"--working-directory", job.working_directory.string()});
  }
  if (!job.log_file.empty()) argv.insert(argv.end(), {"--log-file", job.log_file.string()});
  argv.insert(argv.end(), {"--durability", std::string(DurabilityName(options.durability))});
  for (int signal : job.ignored_signals) {
    argv.insert(argv.end(), {"--ignore-signal", std::to_string(signal)});
  }
  argv.push_back("--");
  argv.insert(argv.end(), job.argv.begin(), job.argv.end());
  // The launcher's own messages go to the job's log, where the user looks. It is started with
  // the job's environment, which it passes on unchanged.
  Result<ChildProcess> child =
      ChildProcess::Spawn(LaunchSpec{.argv = std::move(argv),
                                     .environment = job.environment,
                                     .working_directory = {},
                                     .log_file = spec.log_file,
                                     .blocked_signals = {SIGTERM, SIGINT}});
  if (!child) return child.error();
  const pid_t pid = child->pid();
  return StartedLauncher{.child = std::move(*child),
                         .pidfd = {},
                         .pid = pid,
                         .start_time = ProcessStartTime(pid).value_or(0),
                         .supervised_job = 0};
}

JobResult LaunchFailure(std::string message) {
  JobResult result;
  result.outcome = JobResult::Outcome::kLaunchFailed;
  result.message = std::move(message);
  return result;
}

JobResult ResultFrom(const ExitRecord& record) {
  if (record.launch_error) return LaunchFailure(*record.launch_error);
  JobResult result;
  result.exit_status = record.exit_status;
  result.signal = record.signal;
  const std::string how =
      Describe(ProcessExit{.exit_status = record.exit_status, .signal = record.signal});
  const std::string escalation =
      record.was_killed
          ? " after ignoring SIGTERM for the grace period of " + SecondsText(record.grace_period)
          : "";
  switch (record.end_request) {
    case EndRequest::kNone:
      result.outcome =
          record.signal != 0 ? JobResult::Outcome::kSignaled : JobResult::Outcome::kExited;
      result.message = how;
      break;
    case EndRequest::kStop:
      result.outcome = JobResult::Outcome::kStopped;
      result.message = "stopped on request: " + how + escalation;
      break;
    case EndRequest::kTimeout:
      result.outcome = JobResult::Outcome::kTimedOut;
      result.message = "exceeded the maximum runtime of " + SecondsText(record.max_runtime) + ": " +
                       how + escalation;
      break;
    case EndRequest::kAbandon:
      // Only an executor going away asks for this, and it never reports the result; a later
      // one sees a job that did not get to finish.
      return LaunchFailure("the job was killed when the executor running it shut down (" + how +
                           ")");
  }
  return result;
}

// The job's number in the spawner that supervises it, as its launcher record names it; 0 when
// the record names another process, or a launcher of the job's own.
int64_t SupervisedJobOf(const JobRecord& record) {
  auto launcher = ReadLauncherRecord(record.run_directory);
  if (!launcher || !*launcher || (*launcher)->process_id != record.process_id ||
      (*launcher)->process_start_time != record.process_start_time) {
    return 0;
  }
  return (*launcher)->supervised_job;
}

}  // namespace

bool StopUnwatchedJob(const JobRecord& record) {
  const auto pid = static_cast<pid_t>(record.process_id);
  if (pid <= 0) return false;
  UniqueFd launcher = OpenPidfd(pid);
  if (!launcher || ProcessStartTime(pid) != record.process_start_time) return false;
  return SignalLauncher(launcher.get(), SupervisedJobOf(record), SIGTERM);
}

struct LocalExecutor::Job {
  JobRecord record;
  Completion on_done;
  std::optional<ChildProcess> launcher;  // the launcher this executor started as a program
  // or the pidfd of one the spawner forked, or an earlier engine started, or the pipe that the
  // spawner supervising the job closes once the job's end is recorded
  UniqueFd launcher_pidfd;
  // The job's number in the spawner supervising it (0: a launcher of its own runs it), and the
  // pidfd of that spawner, which takes the signals for the job: the executor's spawner (not
  // owned), or for an adopted job launcher_pidfd.
  int64_t supervised_job = 0;
  int spawner_pidfd = -1;
  bool is_adopted = false;
  bool is_stop_requested = false;
  std::chrono::system_clock::time_point started;
  std::optional<EventLoop::WatchId> exit_watch;
  std::optional<EventLoop::TimerId> completion_timer;
  // An adopted supervised job: an inotify descriptor on its run directory.
  UniqueFd record_watch;
  std::optional<EventLoop::WatchId> record_watch_id;
  // What came through the pipe of a job the executor's spawner supervises: its exit record,
  // sent before exit.json is written.
  std::string sent_record;

  // Readable once the launcher has ended; -1 when no launcher runs (the launch failed, or the
  // job had ended before it was adopted).
  int launcher_fd() const {
    if (launcher) return launcher->exit_notification_fd();
    return launcher_pidfd.get();
  }

  // Where the signals asking the job to end go.
  bool Signal(int signal) const {
    if (supervised_job != 0) return SignalLauncher(spawner_pidfd, supervised_job, signal);
    return SignalLauncher(launcher_fd(), 0, signal);
  }

  void CancelCallbacks(EventLoop& loop) {
    if (exit_watch) loop.Unwatch(*exit_watch);
    if (completion_timer) loop.Cancel(*completion_timer);
    if (record_watch_id) loop.Unwatch(*record_watch_id);
    exit_watch.reset();
    completion_timer.reset();
    record_watch_id.reset();
  }
};

LocalExecutor::LocalExecutor(EventLoop& loop, LocalExecutorOptions options)
    : loop_(loop),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClockInstance()) {}

LocalExecutor::~LocalExecutor() {
  // Every launcher is told before any is waited for, so the jobs end in parallel. SIGINT makes
  // a launcher kill its job's group at once and record that it did.
  for (auto& [id, job] : jobs_) {
    job->CancelCallbacks(loop_);
    if (job->launcher_fd() >= 0) job->Signal(SIGINT);
  }
  for (auto& [id, job] : jobs_) {
    const int fd = job->launcher_fd();
    if (fd < 0) continue;
    pollfd ended{.fd = fd, .events = POLLIN, .revents = 0};
    // A launcher takes milliseconds; one that does not answer is killed with its session.
    while (::poll(&ended, 1, kLauncherEndTimeoutMilliseconds) < 0 && errno == EINTR) {
    }
  }
  // Each ChildProcess reaps its launcher as it is destroyed.
  jobs_.clear();
}

JobId LocalExecutor::Add(std::unique_ptr<Job> job) {
  const JobId id = next_job_id_++;
  jobs_.emplace(id, std::move(job));
  return id;
}

void LocalExecutor::CompleteSoon(JobId id, JobResult result) {
  // A timer, unlike a posted task, can still be cancelled if the executor is destroyed first.
  jobs_.at(id)->completion_timer =
      loop_.RunAfter(std::chrono::steady_clock::duration::zero(),
                     [this, id, result = std::move(result)] { Complete(id, result); });
}

Result<JobId> LocalExecutor::Launch(const JobSpec& spec, Completion on_done) {
  if (Result<void> valid = Validate(spec); !valid) return valid.error();
  auto job = std::make_unique<Job>();
  job->on_done = std::move(on_done);
  job->started = clock_.Now();
  job->record.name = spec.name;
  std::error_code error;
  job->record.run_directory = std::filesystem::absolute(spec.run_directory, error);
  if (error) job->record.run_directory = spec.run_directory;
  Result<LaunchSpec> command = JobCommand(spec, options_);
  Result<StartedLauncher> launcher =
      command ? StartLauncher(job->record.run_directory, spec, *command, options_)
              : Result<StartedLauncher>(command.error());
  Job& added = *job;
  const JobId id = Add(std::move(job));
  if (!launcher) {
    JobResult result = LaunchFailure(launcher.error().ToString());
    result.started = added.started;
    CompleteSoon(id, std::move(result));
    return id;
  }
  added.launcher = std::move(launcher->child);
  added.launcher_pidfd = std::move(launcher->pidfd);
  added.record.process_id = launcher->pid;
  added.record.process_start_time = launcher->start_time;
  added.supervised_job = launcher->supervised_job;
  if (added.supervised_job != 0) added.spawner_pidfd = options_.spawner->pidfd();
  WatchExit(id, added);
  return id;
}

Result<JobId> LocalExecutor::Adopt(const JobRecord& record, Completion on_done) {
  const std::string where = "job " + Quote(record.name);
  if (record.run_directory.empty()) return InvalidArgument(where, "has no run directory");
  auto job = std::make_unique<Job>();
  job->record = record;
  job->on_done = std::move(on_done);
  job->is_adopted = true;
  const auto pid = static_cast<pid_t>(record.process_id);
  UniqueFd launcher = pid > 0 ? OpenPidfd(pid) : UniqueFd();
  // Checked after opening, so that the pidfd names the very process whose start time matched:
  // a pid reused since the record was made is never taken for the launcher.
  if (launcher && ProcessStartTime(pid) != record.process_start_time) launcher.reset();
  // A spawner supervising the job goes on while it has other jobs, so the job's exit record is
  // watched for rather than the spawner's end; the watch is set before the record is looked
  // for, so that a record written in between is not missed.
  if (launcher) {
    job->supervised_job = SupervisedJobOf(record);
    if (job->supervised_job != 0) {
      job->spawner_pidfd = launcher.get();
      job->record_watch.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
      if (!job->record_watch ||
          ::inotify_add_watch(job->record_watch.get(), record.run_directory.c_str(),
                              IN_MOVED_TO | IN_CREATE) < 0) {
        job->record_watch.reset();
      }
    }
  }
  auto ended = ReadExitRecord(record.run_directory);
  if (!ended) return ended.error();
  if (!*ended && launcher) {
    // Its exit record, if it is ending already, is read once it is written or the launcher has
    // gone.
    job->launcher_pidfd = std::move(launcher);
    job->started = clock_.Now();
    Job& added = *job;
    const JobId id = Add(std::move(job));
    WatchExit(id, added);
    if (added.record_watch) WatchRecord(id, added);
    return id;
  }
  if (!*ended) {
    return NotFound(where, "nothing runs it any more (its launcher, pid " +
                               std::to_string(record.process_id) + ", is gone) and " +
                               Quote(record.run_directory.string()) +
                               " holds no record of how it ended");
  }
  if ((*ended)->end_request == EndRequest::kAbandon) {
    return NotFound(where, "was killed when the executor running it shut down");
  }
  job->record_watch.reset();
  job->supervised_job = 0;
  job->spawner_pidfd = -1;
  JobResult result = ResultFrom(**ended);
  result.started = (*ended)->started;
  result.ended = (*ended)->ended;
  const JobId id = Add(std::move(job));
  CompleteSoon(id, std::move(result));
  return id;
}

JobRecord LocalExecutor::RecordOf(JobId job) const {
  auto found = jobs_.find(job);
  return found == jobs_.end() ? JobRecord{} : found->second->record;
}

void LocalExecutor::Stop(JobId job) {
  auto found = jobs_.find(job);
  if (found == jobs_.end()) return;
  Job& stopped = *found->second;
  // A job that never started still completes as kLaunchFailed; a second request changes
  // neither the outcome nor the grace period (the launcher keeps the first).
  if (stopped.launcher_fd() < 0 || stopped.is_stop_requested) return;
  stopped.is_stop_requested = true;
  stopped.Signal(SIGTERM);
}

void LocalExecutor::WatchExit(JobId id, Job& job) {
  job.exit_watch = loop_.WatchReadable(job.launcher_fd(), [this, id] { OnExitNotified(id); });
}

void LocalExecutor::WatchRecord(JobId id, Job& job) {
  job.record_watch_id =
      loop_.WatchReadable(job.record_watch.get(), [this, id] { OnRecordNotified(id); });
}

void LocalExecutor::OnRecordNotified(JobId id) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  Job& job = *found->second;
  job.record_watch_id.reset();
  char events[4096];
  while (::read(job.record_watch.get(), events, sizeof events) > 0) {
  }
  auto ended = ReadExitRecord(job.record.run_directory);
  if (ended && !*ended) {
    WatchRecord(id, job);
    return;
  }
  Complete(id, ResultOf(job, "ended"));
}

namespace {

enum class PipeRead { kRecord, kEnded, kWaiting };

// Takes what the supervising spawner sent through the job's pipe into `sent`, without waiting:
// kRecord once a whole record (a line) is there, kEnded at the pipe's end without one (exit.json
// then says how the job ended, or that nothing did), kWaiting otherwise.
PipeRead TakeSentRecord(int pipe, std::string& sent) {
  for (;;) {
    pollfd readable{.fd = pipe, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&readable, 1, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 1) return PipeRead::kWaiting;
    char buffer[4096];
    const ssize_t got = ::read(pipe, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return PipeRead::kEnded;
    sent.append(buffer, static_cast<size_t>(got));
    if (sent.back() == '\n') return PipeRead::kRecord;
  }
}

}  // namespace

void LocalExecutor::OnExitNotified(JobId id) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  Job& job = *found->second;
  job.exit_watch.reset();
  if (job.supervised_job != 0 && !job.launcher && !job.is_adopted) {
    switch (TakeSentRecord(job.launcher_pidfd.get(), job.sent_record)) {
      case PipeRead::kRecord:
        if (auto record = ParseExitRecord(job.sent_record, job.record.run_directory)) {
          Complete(id, ResultOf(job, "ended", std::move(*record)));
          return;
        }
        // Not a record after all: exit.json, written before the pipe ends, is the word.
        job.sent_record.clear();
        WatchExit(id, job);
        return;
      case PipeRead::kWaiting:
        WatchExit(id, job);
        return;
      case PipeRead::kEnded:
        break;
    }
  }
  std::string how = "ended";
  if (job.launcher) {
    std::optional<ProcessExit> exit = job.launcher->TryReap();
    if (!exit) {
      // Readiness is a hint; the launcher has not exited yet.
      WatchExit(id, job);
      return;
    }
    how = "ended with " + Describe(*exit);
  }
  // A forked or adopted launcher is not our child: its pidfd being readable is all there is
  // to see.
  Complete(id, ResultOf(job, how));
}

void LocalExecutor::Complete(JobId id, JobResult result) {
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  std::unique_ptr<Job> job = std::move(found->second);
  jobs_.erase(found);
  job->CancelCallbacks(loop_);
  if (!job->is_adopted) result.ended = clock_.Now();
  // Erased first, so that the completion sees running_jobs() without this job and may launch
  // or stop others freely.
  job->on_done(std::move(result));
}

JobResult LocalExecutor::ResultOf(const Job& job, const std::string& how_launcher_ended,
                                  std::optional<ExitRecord> sent) const {
  auto ended = sent ? Result<std::optional<ExitRecord>>(std::move(sent))
                    : ReadExitRecord(job.record.run_directory);
  JobResult result;
  if (!ended) {
    result = LaunchFailure("the job's exit record cannot be read: " + ended.error().ToString());
  } else if (!*ended) {
    result = LaunchFailure("its launcher " + how_launcher_ended +
                           " without recording how the job ended");
  } else {
    result = ResultFrom(**ended);
    if (job.is_adopted) {
      result.started = (*ended)->started;
      result.ended = (*ended)->ended;
      return result;
    }
  }
  result.started = job.started;
  return result;
}

}  // namespace sluice

#include "executors/job_supervisor.h"

#include "executors/child_process.h"
#include "executors/run_directory.h"

#include <climits>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <signal.h>
#include <string>
#include <unistd.h>

namespace sluice {

using SteadyTime = std::chrono::steady_clock::time_point;

struct JobSupervisor::Job {
  std::filesystem::path run_directory;
  Durability durability = Durability::kMachineCrash;
  std::optional<ChildProcess> process;
  RunClaim claim;         // held until the exit record is written
  UniqueFd ended_writer;  // closed once it is
  ExitRecord record;
  std::optional<SteadyTime> runtime_deadline;
  std::optional<SteadyTime> kill_deadline;
};

JobSupervisor::JobSupervisor(pid_t self, int64_t self_start_time)
    : self_(self), self_start_time_(self_start_time) {}

// A job still running when the supervisor goes (it only does once every job has ended, unless
// it fails) is killed with its group by its ChildProcess.
JobSupervisor::~JobSupervisor() = default;

Result<JobSupervisor::Started> JobSupervisor::Start(const LauncherOptions& options) {
  Result<RunClaim> claim = TryClaimRun(options.run_directory, options.durability);
  if (!claim) return claim.error();
  if (claim->kind == RunClaim::Kind::kHeld) return Started{};
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kUnavailable, "launcher spawner",
                     std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  UniqueFd reader(ends[0]);
  UniqueFd writer(ends[1]);
  if (claim->kind == RunClaim::Kind::kEnded) {
    return Started{.kind = Started::Kind::kEnded, .job = 0, .ended = std::move(reader)};
  }

  const int64_t number = next_job_;
  // The number travels as a signal's int value.
  next_job_ = next_job_ == INT_MAX ? 1 : next_job_ + 1;
  if (auto written = WriteLauncherRecord(claim->lock.get(), options.run_directory,
                                         LauncherRecord{.process_id = self_,
                                                        .process_start_time = self_start_time_,
                                                        .supervised_job = number},
                                         options.durability);
      !written) {
    return written.error();
  }
  auto job = std::make_unique<Job>();
  job->run_directory = options.run_directory;
  job->durability = options.durability;
  job->record.grace_period = options.grace_period;
  job->record.max_runtime = options.max_runtime;
  job->record.started = std::chrono::system_clock::now();
  Result<ChildProcess> process = ChildProcess::Spawn(JobLaunchSpec(options));
  if (!process) {
    job->record.launch_error = process.error().ToString();
    job->record.ended = job->record.started;
    if (auto written = WriteExitRecord(options.run_directory, job->record, options.durability);
        !written) {
      return written.error();
    }
    return Started{.kind = Started::Kind::kEnded, .job = 0, .ended = std::move(reader)};
  }
  job->process = std::move(*process);
  job->claim = std::move(*claim);
  job->ended_writer = std::move(writer);
  if (options.max_runtime.count() > 0) {
    job->runtime_deadline = std::chrono::steady_clock::now() + options.max_runtime;
  }
  jobs_.emplace(number, std::move(job));
  return Started{.kind = Started::Kind::kSupervised, .job = number, .ended = std::move(reader)};
}

void JobSupervisor::AppendWatched(std::vector<pollfd>& watched) const {
  for (const auto& [number, job] : jobs_) {
    watched.push_back({.fd = job->process->exit_notification_fd(), .events = POLLIN, .revents = 0});
  }
}

void JobSupervisor::Tend(std::span<const pollfd> watched) {
  // No job starts between AppendWatched and this, so the entries are the jobs in map order. A
  // job not reported now is asked at a later wake-up: an exited job's pidfd stays readable.
  size_t index = 0;
  for (auto found = jobs_.begin(); found != jobs_.end(); ++index) {
    const auto next = std::next(found);
    if (index >= watched.size() || watched[index].revents == 0) {
      found = next;
      continue;
    }
    if (std::optional<ProcessExit> exit = found->second->process->TryReap()) {
      found->second->record.exit_status = exit->exit_status;
      found->second->record.signal = exit->signal;
      Finish(found);
    }
    found = next;
  }
  const SteadyTime now = std::chrono::steady_clock::now();
  for (auto& [number, job] : jobs_) {
    if (job->runtime_deadline && now >= *job->runtime_deadline) {
      job->runtime_deadline.reset();
      RequestEnd(*job, EndRequest::kTimeout);
    }
    if (job->kill_deadline && now >= *job->kill_deadline) {
      job->kill_deadline.reset();
      job->record.was_killed = true;
      job->process->SignalGroup(SIGKILL);
    }
  }
}

void JobSupervisor::Take(const signalfd_siginfo& signal) {
  if (signal.ssi_code != SI_QUEUE) return;
  auto found = jobs_.find(signal.ssi_int);
  if (found == jobs_.end()) return;
  if (signal.ssi_signo == SIGTERM) RequestEnd(*found->second, EndRequest::kStop);
  if (signal.ssi_signo == SIGINT) RequestEnd(*found->second, EndRequest::kAbandon);
}

int JobSupervisor::MillisecondsToNextDeadline() const {
  std::optional<SteadyTime> next;
  for (const auto& [number, job] : jobs_) {
    for (const auto& deadline : {job->runtime_deadline, job->kill_deadline}) {
      if (deadline && (!next || *deadline < *next)) next = deadline;
    }
  }
  if (!next) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(*next - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// As a launcher does: the first request decides the outcome and the grace period; a later one
// changes neither. Abandoning overrides both: nobody waits any more.
void JobSupervisor::RequestEnd(Job& job, EndRequest request) {
  if (request == EndRequest::kAbandon) {
    job.record.end_request = EndRequest::kAbandon;
    job.kill_deadline.reset();
    job.process->SignalGroup(SIGKILL);
    return;
  }
  if (job.record.end_request != EndRequest::kNone) return;
  job.record.end_request = request;
  job.process->SignalGroup(SIGTERM);
  job.kill_deadline = std::chrono::steady_clock::now() + job.record.grace_period;
}

void JobSupervisor::Finish(std::map<int64_t, std::unique_ptr<Job>>::iterator found) {
  Job& job = *found->second;
  job.record.ended = std::chrono::system_clock::now();
  // The waiter gets the record through the pipe first, in one write (far below PIPE_BUF, so it
  // arrives whole), and goes on with it while exit.json is written here: creating that file was
  // the largest part of the time from a job's end to its waiter knowing of it. A waiter that
  // has gone takes nothing (EPIPE; the spawner ignores SIGPIPE), and a later one reads the file.
  const std::string text = ExitRecordText(job.record);
  ssize_t sent;
  do {
    sent = ::write(job.ended_writer.get(), text.data(), text.size());
  } while (sent < 0 && errno == EINTR);
  // Should the file not be written, a waiter that did not take the record from the pipe sees
  // its end with no record and takes the job as a launch failure, as for a launcher that died.
  (void)WriteExitRecordText(job.run_directory, text, job.durability);
  jobs_.erase(found);
}

}  // namespace sluice

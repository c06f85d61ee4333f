#include "executors/launcher.h"

#include "base/text.h"
#include "base/unique_fd.h"
#include "executors/child_process.h"
#include "executors/run_directory.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <vector>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

namespace sluice {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Where launchers kept the run's lock before it was taken on the launcher record.
constexpr const char* kOlderLockFileName = "lock";

// How often a launcher that found the run held looks again for the holder's record.
constexpr int kFollowPollMilliseconds = 10;

// SIGTERM and SIGINT as they arrive, read from a signalfd.
class SignalInbox {
 public:
  SignalInbox() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    fd_.reset(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  int fd() const { return fd_.get(); }
  bool is_valid() const { return fd_.is_valid(); }

  // The signals that arrived since the last call, in order.
  std::vector<int> Take() {
    std::vector<int> taken;
    signalfd_siginfo info{};
    while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      taken.push_back(static_cast<int>(info.ssi_signo));
    }
    return taken;
  }

 private:
  UniqueFd fd_;
};

// The launcher holding a run's lock: its own launcher, or a spawner supervising it.
struct Holder {
  UniqueFd pidfd;
  int64_t supervised_job = 0;
  void Signal(int signal) const { SignalLauncher(pidfd.get(), supervised_job, signal); }
};

// Waits while `holder` runs the job, passing on every signal we get; returns when it has ended.
void FollowHolder(const Holder& holder, SignalInbox& inbox,
                  const std::filesystem::path& run_directory) {
  for (;;) {
    pollfd watched[2] = {{.fd = holder.pidfd.get(), .events = POLLIN, .revents = 0},
                         {.fd = inbox.fd(), .events = POLLIN, .revents = 0}};
    // A spawner outlives the job it supervises; its record of the job's end is looked for.
    const int timeout = holder.supervised_job != 0 ? kFollowPollMilliseconds : -1;
    if (::poll(watched, 2, timeout) < 0 && errno != EINTR) return;
    for (int signal : inbox.Take()) holder.Signal(signal);
    if (watched[0].revents != 0) return;
    if (holder.supervised_job != 0) {
      auto ended = ReadExitRecord(run_directory);
      if (!ended || *ended) return;
    }
  }
}

// The launcher holding the run's lock, when its record names a live process.
Holder FindHolder(const std::filesystem::path& run_directory) {
  auto record = ReadLauncherRecord(run_directory);
  if (!record || !*record) return Holder{};
  const auto pid = static_cast<pid_t>((*record)->process_id);
  UniqueFd pidfd = OpenPidfd(pid);
  // Checked after opening: the pidfd then names the process whose start time matched.
  if (!pidfd || ProcessStartTime(pid) != (*record)->process_start_time) return Holder{};
  return Holder{.pidfd = std::move(pidfd), .supervised_job = (*record)->supervised_job};
}

// Takes the run (TryClaimRun), following whichever launcher holds it until it ends. Signals that
// arrive while nobody can be told are kept in `early`, for the job this launcher may yet run.
Result<RunClaim> ClaimRun(const LauncherOptions& options, SignalInbox& inbox,
                          std::vector<int>& early) {
  for (;;) {
    Result<RunClaim> claim = TryClaimRun(options.run_directory, options.durability);
    if (!claim || claim->kind != RunClaim::Kind::kHeld) return claim;
    if (Holder holder = FindHolder(options.run_directory); holder.pidfd) {
      for (int signal : early) holder.Signal(signal);
      early.clear();
      FollowHolder(holder, inbox, options.run_directory);
      continue;
    }
    // The holder has not written its record yet (it is just starting), or is just ending.
    pollfd watched = {.fd = inbox.fd(), .events = POLLIN, .revents = 0};
    ::poll(&watched, 1, kFollowPollMilliseconds);
    for (int signal : inbox.Take()) early.push_back(signal);
  }
}

int MillisecondsUntil(std::optional<SteadyTime> first, std::optional<SteadyTime> second) {
  std::optional<SteadyTime> deadline = first;
  if (second && (!deadline || *second < *deadline)) deadline = second;
  if (!deadline) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Runs the job to its end, ending it early when asked to or when it runs too long.
ExitRecord Supervise(const LauncherOptions& options, ChildProcess& job, SignalInbox& inbox,
                     const std::vector<int>& early) {
  ExitRecord record;
  record.grace_period = options.grace_period;
  record.max_runtime = options.max_runtime;
  record.started = std::chrono::system_clock::now();
  const SteadyTime started = std::chrono::steady_clock::now();
  std::optional<SteadyTime> runtime_deadline;
  if (options.max_runtime.count() > 0) runtime_deadline = started + options.max_runtime;
  std::optional<SteadyTime> kill_deadline;

  // The first request decides the outcome and the grace period; a later one (a stop after the
  // timeout, a second stop) changes neither. Abandoning overrides both: nobody waits any more.
  auto request_end = [&](EndRequest request) {
    if (request == EndRequest::kAbandon) {
      record.end_request = EndRequest::kAbandon;
      kill_deadline.reset();
      job.SignalGroup(SIGKILL);
      return;
    }
    if (record.end_request != EndRequest::kNone) return;
    record.end_request = request;
    job.SignalGroup(SIGTERM);
    kill_deadline = std::chrono::steady_clock::now() + options.grace_period;
  };
  auto take = [&](int signal) {
    if (signal == SIGTERM) request_end(EndRequest::kStop);
    if (signal == SIGINT) request_end(EndRequest::kAbandon);
  };
  for (int signal : early) take(signal);

  for (;;) {
    if (std::optional<ProcessExit> exit = job.TryReap()) {
      record.exit_status = exit->exit_status;
      record.signal = exit->signal;
      break;
    }
    pollfd watched[2] = {{.fd = job.exit_notification_fd(), .events = POLLIN, .revents = 0},
                         {.fd = inbox.fd(), .events = POLLIN, .revents = 0}};
    if (::poll(watched, 2, MillisecondsUntil(runtime_deadline, kill_deadline)) < 0 &&
        errno != EINTR) {
      // Nothing left to wait with but the blocking reap.
      const ProcessExit exit = job.Wait();
      record.exit_status = exit.exit_status;
      record.signal = exit.signal;
      break;
    }
    for (int signal : inbox.Take()) take(signal);
    const SteadyTime now = std::chrono::steady_clock::now();
    if (runtime_deadline && now >= *runtime_deadline) {
      runtime_deadline.reset();
      request_end(EndRequest::kTimeout);
    }
    if (kill_deadline && now >= *kill_deadline) {
      kill_deadline.reset();
      record.was_killed = true;
      job.SignalGroup(SIGKILL);
    }
  }
  record.ended = std::chrono::system_clock::now();
  return record;
}

int Fail(const Error& error) {
  std::fprintf(stderr, "sluice-run: %s\n", error.ToString().c_str());
  return kLauncherRecordFailure;
}

}  // namespace

LaunchSpec JobLaunchSpec(const LauncherOptions& options) {
  return LaunchSpec{.argv = options.command,
                    .environment = options.environment,
                    .working_directory = options.working_directory,
                    .log_file = options.log_file,
                    .blocked_signals = {},
                    .ignored_signals = options.ignored_signals};
}

bool SignalLauncher(int pidfd, int64_t supervised_job, int signal) {
  if (pidfd < 0) return false;
  if (supervised_job == 0) return pidfd_send_signal(pidfd, signal, nullptr, 0) == 0;
  siginfo_t info{};
  info.si_signo = signal;
  info.si_code = SI_QUEUE;
  info.si_pid = ::getpid();
  info.si_uid = ::getuid();
  info.si_value.sival_int = static_cast<int>(supervised_job);
  return pidfd_send_signal(pidfd, signal, &info, 0) == 0;
}

Result<RunClaim> TryClaimRun(const std::filesystem::path& run_directory, Durability durability) {
  std::error_code error;
  std::filesystem::create_directories(run_directory, error);
  if (error) {
    return MakeError(ErrorCode::kIo, Quote(run_directory.string()),
                     "cannot create: " + error.message());
  }
  const std::filesystem::path file = run_directory / kLauncherFileName;
  UniqueFd lock(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock) {
    return MakeError(ErrorCode::kIo, Quote(file.string()),
                     std::string("cannot open: ") + std::strerror(errno));
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return MakeError(ErrorCode::kIo, Quote(file.string()),
                       std::string("cannot lock: ") + std::strerror(errno));
    }
    return RunClaim{};
  }
  // A launcher from before the record was its own lock held a file of its own, `lock`, and may
  // still run the job. Where that file is, it is held too, against such launchers.
  UniqueFd older(::open((run_directory / kOlderLockFileName).c_str(), O_RDWR | O_CLOEXEC));
  if (older && ::flock(older.get(), LOCK_EX | LOCK_NB) != 0) return RunClaim{};

  // The lock is ours, so no launcher runs this job now. It may have run already.
  auto ended = ReadExitRecord(run_directory);
  if (!ended) return ended.error();
  if (*ended) return RunClaim{.kind = RunClaim::Kind::kEnded, .lock = {}, .older_lock = {}};
  auto earlier = ReadLauncherRecord(run_directory);
  if (!earlier) return earlier.error();
  if (*earlier) {
    ExitRecord record;
    record.launch_error = "an earlier launcher of this job (pid " +
                          std::to_string((*earlier)->process_id) +
                          ") ended without recording how the job ended";
    record.started = record.ended = std::chrono::system_clock::now();
    if (auto written = WriteExitRecord(run_directory, record, durability); !written) {
      return written.error();
    }
    return RunClaim{.kind = RunClaim::Kind::kEnded, .lock = {}, .older_lock = {}};
  }
  return RunClaim{
      .kind = RunClaim::Kind::kOurs, .lock = std::move(lock), .older_lock = std::move(older)};
}

int RunLauncher(const LauncherOptions& options) {
  SignalInbox inbox;
  if (!inbox.is_valid()) {
    return Fail(MakeError(ErrorCode::kInternal, "signalfd", std::strerror(errno)));
  }
  std::vector<int> early;
  Result<RunClaim> claimed = ClaimRun(options, inbox, early);
  if (!claimed) return Fail(claimed.error());
  if (claimed->kind == RunClaim::Kind::kEnded) return 0;
  const std::optional<int64_t> start_time = ProcessStartTime(::getpid());
  if (auto written = WriteLauncherRecord(
          claimed->lock.get(), options.run_directory,
          LauncherRecord{.process_id = ::getpid(), .process_start_time = start_time.value_or(0)},
          options.durability);
      !written) {
    return Fail(written.error());
  }

  ExitRecord record;
  Result<ChildProcess> job = ChildProcess::Spawn(JobLaunchSpec(options));
  if (job) {
    record = Supervise(options, *job, inbox, early);
  } else {
    record.launch_error = job.error().ToString();
    record.grace_period = options.grace_period;
    record.max_runtime = options.max_runtime;
    record.started = record.ended = std::chrono::system_clock::now();
  }
  if (auto written = WriteExitRecord(options.run_directory, record, options.durability); !written) {
    return Fail(written.error());
  }
  return 0;
}

}  // namespace sluice

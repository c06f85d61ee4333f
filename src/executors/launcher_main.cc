// sluice-run: the launcher every local job runs under (docs/adr/0004-job-launcher.md).
//
//   sluice-run --run-directory DIR --grace-period-ms N [--max-runtime-s N]
//              [--working-directory DIR] [--log-file FILE] [--durability process|machine]
//              -- PROGRAM [ARGUMENT...]
//
// It starts PROGRAM with its own environment as the job (in the job's own session and process
// group), waits for it, and writes how it ended to DIR/exit.json atomically. The launcher is
// started in a session of its own, so it and the job outlive the engine that started them; a
// later engine reads exit.json, or watches the launcher until it writes it.
//
// SIGTERM asks for a stop: the job's group gets SIGTERM, and SIGKILL after the grace period.
// So does the maximum runtime passing. SIGINT ends the job at once (its executor is going away).
// Whoever starts the launcher must start it with both blocked, so that neither is lost or
// fatal before the launcher is ready for them.
//
// The run directory belongs to one job: the launcher holding DIR/lock runs it, once. A launcher
// started on a directory whose job already ended exits at once, leaving its exit record; one
// started while another launcher runs the job follows that launcher, passing on what it is asked,
// until it ends. Exit status 0 when DIR/exit.json holds the job's end, 2 for a bad command line,
// 1 when no record could be written (the reason is on standard error).
#include "base/durability.h"
#include "base/result.h"
#include "base/text.h"
#include "base/unique_fd.h"
#include "executors/child_process.h"
#include "executors/run_directory.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <utility>
#include <vector>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

extern char** environ;

namespace sluice {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr int kUsageError = 2;
constexpr int kRecordFailure = 1;
// How often a launcher that found the run held looks again for the holder's record.
constexpr int kFollowPollMilliseconds = 10;

struct Options {
  std::filesystem::path run_directory;
  std::chrono::milliseconds grace_period{10000};
  std::chrono::seconds max_runtime{0};
  std::filesystem::path working_directory;
  std::filesystem::path log_file;
  Durability durability = Durability::kMachineCrash;
  std::vector<std::string> command;
};

Result<int64_t> ParseCount(std::string_view option, const char* text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) {
    return InvalidArgument(std::string(option), "expected a count, got " + Quote(text));
  }
  return value;
}

Result<Options> ParseOptions(int argc, char** argv) {
  Options options;
  int index = 1;
  for (; index < argc; ++index) {
    const std::string_view option = argv[index];
    if (option == "--") {
      ++index;
      break;
    }
    if (index + 1 >= argc) return InvalidArgument(std::string(option), "needs a value");
    const char* value = argv[++index];
    if (option == "--run-directory") {
      options.run_directory = value;
    } else if (option == "--working-directory") {
      options.working_directory = value;
    } else if (option == "--log-file") {
      options.log_file = value;
    } else if (option == "--durability") {
      const std::optional<Durability> durability = DurabilityFromName(value);
      if (!durability) {
        return InvalidArgument(std::string(option),
                               "expected process or machine, got " + Quote(value));
      }
      options.durability = *durability;
    } else if (option == "--grace-period-ms" || option == "--max-runtime-s") {
      Result<int64_t> count = ParseCount(option, value);
      if (!count) return count.error();
      if (option == "--grace-period-ms") {
        options.grace_period = std::chrono::milliseconds(*count);
      } else {
        options.max_runtime = std::chrono::seconds(*count);
      }
    } else {
      return InvalidArgument(std::string(option), "unknown option");
    }
  }
  if (options.run_directory.empty()) return InvalidArgument("--run-directory", "is required");
  for (; index < argc; ++index) options.command.emplace_back(argv[index]);
  if (options.command.empty()) return InvalidArgument("command", "no program after --");
  return options;
}

std::vector<std::pair<std::string, std::string>> OwnEnvironment() {
  std::vector<std::pair<std::string, std::string>> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace_back(std::string(text.substr(0, equals)),
                             std::string(text.substr(equals + 1)));
  }
  return environment;
}

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

// Waits while `holder` runs, passing on every signal we get; returns when it has ended.
void FollowHolder(const UniqueFd& holder, SignalInbox& inbox) {
  for (;;) {
    pollfd watched[2] = {{.fd = holder.get(), .events = POLLIN, .revents = 0},
                         {.fd = inbox.fd(), .events = POLLIN, .revents = 0}};
    if (::poll(watched, 2, -1) < 0 && errno != EINTR) return;
    for (int signal : inbox.Take()) pidfd_send_signal(holder.get(), signal, nullptr, 0);
    if (watched[0].revents != 0) return;
  }
}

// The launcher holding the run's lock, when its record names a live process.
UniqueFd FindHolder(const std::filesystem::path& run_directory) {
  auto record = ReadLauncherRecord(run_directory);
  if (!record || !*record) return UniqueFd();
  const auto pid = static_cast<pid_t>((*record)->process_id);
  UniqueFd pidfd = OpenPidfd(pid);
  // Checked after opening: the pidfd then names the process whose start time matched.
  if (!pidfd || ProcessStartTime(pid) != (*record)->process_start_time) return UniqueFd();
  return pidfd;
}

// Takes the run's lock, following whichever launcher holds it until it ends. Signals that
// arrive while nobody can be told are kept in `early`, for the job this launcher may yet run.
Result<UniqueFd> ClaimRun(const std::filesystem::path& run_directory, SignalInbox& inbox,
                          std::vector<int>& early) {
  const std::filesystem::path file = run_directory / kLockFileName;
  UniqueFd lock(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock) {
    return MakeError(ErrorCode::kIo, Quote(file.string()),
                     std::string("cannot open: ") + std::strerror(errno));
  }
  for (;;) {
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) return lock;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return MakeError(ErrorCode::kIo, Quote(file.string()),
                       std::string("cannot lock: ") + std::strerror(errno));
    }
    if (UniqueFd holder = FindHolder(run_directory)) {
      for (int signal : early) pidfd_send_signal(holder.get(), signal, nullptr, 0);
      early.clear();
      FollowHolder(holder, inbox);
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
ExitRecord Supervise(const Options& options, ChildProcess& job, SignalInbox& inbox,
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
  return kRecordFailure;
}

int Launch(const Options& options) {
  SignalInbox inbox;
  if (!inbox.is_valid()) {
    return Fail(MakeError(ErrorCode::kInternal, "signalfd", std::strerror(errno)));
  }
  std::error_code error;
  std::filesystem::create_directories(options.run_directory, error);
  if (error) {
    return Fail(MakeError(ErrorCode::kIo, Quote(options.run_directory.string()),
                          "cannot create: " + error.message()));
  }
  std::vector<int> early;
  Result<UniqueFd> lock = ClaimRun(options.run_directory, inbox, early);
  if (!lock) return Fail(lock.error());

  // The lock is ours, so no launcher runs this job now. It may have run already.
  auto ended = ReadExitRecord(options.run_directory);
  if (!ended) return Fail(ended.error());
  if (*ended) return 0;
  auto earlier = ReadLauncherRecord(options.run_directory);
  if (!earlier) return Fail(earlier.error());
  if (*earlier) {
    // A launcher got as far as claiming the run and then died without a record: the job may
    // have run, in part or whole, so it must not run again under the same identity.
    ExitRecord record;
    record.launch_error = "an earlier launcher of this job (pid " +
                          std::to_string((*earlier)->process_id) +
                          ") ended without recording how the job ended";
    record.started = record.ended = std::chrono::system_clock::now();
    if (auto written = WriteExitRecord(options.run_directory, record, options.durability);
        !written) {
      return Fail(written.error());
    }
    return 0;
  }
  const std::optional<int64_t> start_time = ProcessStartTime(::getpid());
  if (auto written = WriteLauncherRecord(
          options.run_directory,
          LauncherRecord{.process_id = ::getpid(), .process_start_time = start_time.value_or(0)},
          options.durability);
      !written) {
    return Fail(written.error());
  }

  ExitRecord record;
  Result<ChildProcess> job =
      ChildProcess::Spawn(LaunchSpec{.argv = options.command,
                                     .environment = OwnEnvironment(),
                                     .working_directory = options.working_directory,
                                     .log_file = options.log_file,
                                     .blocked_signals = {}});
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

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  sluice::Result<sluice::Options> options = sluice::ParseOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr, "sluice-run: %s\n", options.error().ToString().c_str());
    return sluice::kUsageError;
  }
  return sluice::Launch(*options);
}

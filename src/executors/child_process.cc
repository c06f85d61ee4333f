#include "executors/child_process.h"

#include "base/text.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

namespace sluice {

namespace {

// execvp's fallback when the environment has no PATH.
constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

std::string ProgramWhere(const std::string& program) { return "program " + Quote(program); }

Error SystemError(ErrorCode code, std::string where, std::string_view doing, int error_number) {
  return MakeError(code, std::move(where), std::string(doing) + ": " + std::strerror(error_number));
}

std::string_view PathOf(const LaunchSpec& spec) {
  for (const auto& [name, value] : spec.environment) {
    if (name == "PATH") return value;
  }
  return kDefaultPath;
}

bool IsExecutableFile(const std::filesystem::path& candidate) {
  struct stat status {};
  return ::stat(candidate.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
         ::access(candidate.c_str(), X_OK) == 0;
}

// posix_spawnp would search the engine's PATH; the job's own PATH is the one that matters.
Result<std::filesystem::path> ResolveProgram(const LaunchSpec& spec) {
  const std::string& program = spec.argv.front();
  if (program.find('/') != std::string::npos) return std::filesystem::path(program);
  const std::string_view search_path = PathOf(spec);
  size_t begin = 0;
  while (begin <= search_path.size()) {
    size_t end = search_path.find(':', begin);
    if (end == std::string_view::npos) end = search_path.size();
    // An empty entry means the working directory, as for execvp.
    std::filesystem::path directory(search_path.substr(begin, end - begin));
    if (directory.empty()) directory = ".";
    // The child resolves relative entries after changing to its working directory.
    if (directory.is_relative() && !spec.working_directory.empty()) {
      directory = spec.working_directory / directory;
    }
    std::filesystem::path candidate = directory / program;
    if (IsExecutableFile(candidate)) return candidate;
    begin = end + 1;
  }
  return MakeError(ErrorCode::kNotFound, ProgramWhere(program),
                   "not found in PATH " + Quote(search_path));
}

ProcessExit ExitFrom(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return ProcessExit{.exit_status = info.si_status, .signal = 0};
  return ProcessExit{.exit_status = 0, .signal = info.si_status};
}

// Owns the posix_spawn attribute objects for the duration of one spawn.
class SpawnSettings {
 public:
  SpawnSettings() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
  }
  ~SpawnSettings() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSettings(const SpawnSettings&) = delete;
  SpawnSettings& operator=(const SpawnSettings&) = delete;

  // Returns 0 or an errno value, as the posix_spawn functions do.
  int Prepare(const LaunchSpec& spec, int log_fd) {
    int error = 0;
    auto check = [&error](int result) {
      if (error == 0) error = result;
    };
    check(posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0));
    if (log_fd >= 0) {
      check(posix_spawn_file_actions_adddup2(&actions_, log_fd, STDOUT_FILENO));
      check(posix_spawn_file_actions_adddup2(&actions_, log_fd, STDERR_FILENO));
    } else {
      check(posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, "/dev/null", O_WRONLY, 0));
      check(posix_spawn_file_actions_adddup2(&actions_, STDOUT_FILENO, STDERR_FILENO));
    }
    if (!spec.working_directory.empty()) {
      check(posix_spawn_file_actions_addchdir_np(&actions_, spec.working_directory.c_str()));
    }
    // Descriptors other libraries opened without O_CLOEXEC must not leak into jobs.
    check(posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1));

    // A new session makes the child a group leader (so Stop reaches its whole tree) and
    // detaches it from our terminal. Dispositions and the mask are reset because whatever the
    // engine ignores or blocks (SIGPIPE, say) must not change how a job behaves.
    check(posix_spawnattr_setflags(
        &attributes_, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    sigset_t signals;
    sigemptyset(&signals);
    for (int blocked : spec.blocked_signals) sigaddset(&signals, blocked);
    check(posix_spawnattr_setsigmask(&attributes_, &signals));
    sigfillset(&signals);
    check(posix_spawnattr_setsigdefault(&attributes_, &signals));
    return error;
  }

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attributes() const { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

// posix_spawn cannot start a program with a signal ignored, so a spec that asks for one is
// started by fork and exec, set up as SpawnSettings would. Between the two only
// async-signal-safe calls, as the caller may have threads; a failed exec is reported through a
// pipe that a successful one closes.
Result<pid_t> ForkAndExec(const LaunchSpec& spec, const std::filesystem::path& program, int log_fd,
                          char* const* arguments, char* const* environment) {
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int signal : spec.blocked_signals) sigaddset(&blocked, signal);
  bool is_ignored[NSIG] = {};
  for (int signal : spec.ignored_signals) {
    if (signal > 0 && signal < NSIG) is_ignored[signal] = true;
  }
  const char* directory = spec.working_directory.empty() ? nullptr : spec.working_directory.c_str();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return SystemError(ErrorCode::kInternal, ProgramWhere(spec.argv.front()),
                       "cannot prepare the start", errno);
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(report[0]);
    ::close(report[1]);
    return SystemError(ErrorCode::kUnavailable, ProgramWhere(spec.argv.front()), "cannot start",
                       error);
  }
  if (pid == 0) {
    ::setsid();
    const int input = ::open("/dev/null", O_RDONLY);
    const int output = log_fd >= 0 ? log_fd : ::open("/dev/null", O_WRONLY);
    ::dup2(input, STDIN_FILENO);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    int error = 0;
    if (directory != nullptr && ::chdir(directory) != 0) error = errno;
    if (error == 0) {
      for (int signal = 1; signal < NSIG; ++signal) {
        struct sigaction action {};
        action.sa_handler = is_ignored[signal] ? SIG_IGN : SIG_DFL;
        ::sigaction(signal, &action, nullptr);
      }
      ::sigprocmask(SIG_SETMASK, &blocked, nullptr);
      ::close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
      ::execve(program.c_str(), arguments, environment);
      error = errno;
    }
    while (::write(report[1], &error, sizeof error) < 0 && errno == EINTR) {
    }
    ::_exit(127);
  }
  ::close(report[1]);
  int error = 0;
  ssize_t got;
  do {
    got = ::read(report[0], &error, sizeof error);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof error)) {
    ::waitpid(pid, nullptr, 0);
    return SystemError(ErrorCode::kUnavailable, ProgramWhere(spec.argv.front()), "cannot start",
                       error);
  }
  return pid;
}

}  // namespace

std::string Describe(const ProcessExit& exit) {
  if (exit.signal != 0) {
    const char* name = sigabbrev_np(exit.signal);
    if (name == nullptr) return "killed by signal " + std::to_string(exit.signal);
    return std::string("killed by SIG") + name;
  }
  if (exit.exit_status < 0) return "exit status unknown (the process was reaped elsewhere)";
  return "exit status " + std::to_string(exit.exit_status);
}

UniqueFd OpenPidfd(pid_t pid) { return UniqueFd(pidfd_open(pid, 0)); }

Result<ChildProcess> ChildProcess::Spawn(const LaunchSpec& spec) {
  if (spec.argv.empty()) return InvalidArgument("argv", "a command needs at least a program");
  const std::string& program = spec.argv.front();
  if (!spec.working_directory.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(spec.working_directory, error)) {
      return MakeError(ErrorCode::kNotFound,
                       "working directory " + Quote(spec.working_directory.string()),
                       "not a directory");
    }
  }
  Result<std::filesystem::path> resolved = ResolveProgram(spec);
  if (!resolved) return resolved.error();

  UniqueFd log;
  if (!spec.log_file.empty()) {
    log.reset(
        ::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644));
    if (!log) {
      return SystemError(ErrorCode::kIo, "log file " + Quote(spec.log_file.string()), "cannot open",
                         errno);
    }
  }

  std::vector<std::string> environment_entries;
  environment_entries.reserve(spec.environment.size());
  for (const auto& [name, value] : spec.environment) {
    environment_entries.push_back(name + "=" + value);
  }
  std::vector<char*> environment;
  for (std::string& entry : environment_entries) environment.push_back(entry.data());
  environment.push_back(nullptr);
  std::vector<std::string> argument_copies(spec.argv);
  std::vector<char*> arguments;
  for (std::string& argument : argument_copies) arguments.push_back(argument.data());
  arguments.push_back(nullptr);

  pid_t pid = -1;
  if (!spec.ignored_signals.empty()) {
    Result<pid_t> forked =
        ForkAndExec(spec, *resolved, log.get(), arguments.data(), environment.data());
    if (!forked) return forked.error();
    pid = *forked;
  } else {
    SpawnSettings settings;
    if (int error = settings.Prepare(spec, log.get()); error != 0) {
      return SystemError(ErrorCode::kInternal, ProgramWhere(program), "cannot prepare the spawn",
                         error);
    }
    // glibc reports a failed exec (missing interpreter, no permission) here, not as exit 127.
    if (int error = posix_spawn(&pid, resolved->c_str(), settings.actions(), settings.attributes(),
                                arguments.data(), environment.data());
        error != 0) {
      return SystemError(ErrorCode::kUnavailable, ProgramWhere(program), "cannot start", error);
    }
  }
  UniqueFd pidfd = OpenPidfd(pid);
  if (!pidfd) {
    const int error = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return SystemError(ErrorCode::kUnavailable, ProgramWhere(program),
                       "cannot watch the started process (pidfd_open)", error);
  }
  return ChildProcess(pid, std::move(pidfd));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (!is_reaped()) KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (!is_reaped()) KillAndReap();
}

void ChildProcess::SignalGroup(int signal) {
  if (is_reaped()) return;
  ::kill(-pid_, signal);
}

std::optional<ProcessExit> ChildProcess::TryReap() { return Reap(/*is_blocking=*/false); }

ProcessExit ChildProcess::Wait() {
  return Reap(/*is_blocking=*/true).value_or(ProcessExit{.exit_status = -1, .signal = 0});
}

ProcessExit ChildProcess::KillAndReap() {
  SignalGroup(SIGKILL);
  return Wait();
}

std::optional<ProcessExit> ChildProcess::Reap(bool is_blocking) {
  if (is_reaped()) return std::nullopt;
  siginfo_t info{};
  // First look without reaping: while the leader is a zombie its group id stays ours, so the
  // rest of the group can still be killed safely.
  const int peek_flags = WEXITED | WNOWAIT | (is_blocking ? 0 : WNOHANG);
  int result;
  while ((result = ::waitid(P_PIDFD, pidfd_.get(), &info, peek_flags)) != 0) {
    if (errno == EINTR) continue;
    // A non-blocking pidfd (someone set O_NONBLOCK on it) says EAGAIN instead of waiting.
    if (errno != EAGAIN) break;
    if (!is_blocking) return std::nullopt;
    pollfd exited{.fd = pidfd_.get(), .events = POLLIN, .revents = 0};
    ::poll(&exited, 1, -1);
  }
  if (result != 0) {
    // ECHILD: someone else reaped our child (a waitpid(-1) elsewhere in the process). There is
    // nothing left to wait for, and its status is lost.
    pid_ = -1;
    pidfd_.reset();
    return ProcessExit{.exit_status = -1, .signal = 0};
  }
  if (info.si_pid == 0) return std::nullopt;
  ::kill(-pid_, SIGKILL);
  // The leader has exited, so this returns at once, even on a non-blocking pidfd.
  do {
    result = ::waitid(P_PIDFD, pidfd_.get(), &info, WEXITED);
  } while (result != 0 && errno == EINTR);
  pid_ = -1;
  pidfd_.reset();
  return ExitFrom(info);
}

}  // namespace sluice

#include "executors/launcher_spawner.h"

#include "base/text.h"
#include "executors/child_process.h"
#include "executors/job_supervisor.h"
#include "executors/run_directory.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

// glibc 2.36 declares these without C++ linkage.
extern "C" {
#include <sys/pidfd.h>
}

namespace sluice {
namespace {

// A message on the socket is its length (native order: both ends are one program on one
// machine) and then fields, each its length and its bytes.
using Length = uint32_t;

// Far above any real request or reply (a command line and environment are bounded by ARG_MAX),
// and low enough that a corrupt length is refused at once rather than awaited.
constexpr Length kMaxMessageLength = 64u << 20;

// How long a destroyed spawner's owner waits for it to exit.
constexpr int kSpawnerExitTimeoutMilliseconds = 2000;

bool ParseInteger(std::string_view text, int64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

void AppendField(std::string& message, std::string_view field) {
  const auto length = static_cast<Length>(field.size());
  message.append(reinterpret_cast<const char*>(&length), sizeof length);
  message.append(field);
}

std::vector<std::string> Fields(std::string_view message) {
  std::vector<std::string> fields;
  while (message.size() >= sizeof(Length)) {
    Length length = 0;
    std::memcpy(&length, message.data(), sizeof length);
    message.remove_prefix(sizeof length);
    if (length > message.size()) break;
    fields.emplace_back(message.substr(0, length));
    message.remove_prefix(length);
  }
  return fields;
}

// Sends the whole message, `passed` (when valid) riding on its first byte.
bool SendMessage(int socket, const std::string& fields, int passed = -1) {
  const auto length = static_cast<Length>(fields.size());
  std::string message(reinterpret_cast<const char*>(&length), sizeof length);
  message += fields;
  size_t sent = 0;
  while (sent < message.size()) {
    iovec data{.iov_base = message.data() + sent, .iov_len = message.size() - sent};
    msghdr header{};
    header.msg_iov = &data;
    header.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (sent == 0 && passed >= 0) {
      header.msg_control = control;
      header.msg_controllen = sizeof control;
      cmsghdr* rights = CMSG_FIRSTHDR(&header);
      rights->cmsg_level = SOL_SOCKET;
      rights->cmsg_type = SCM_RIGHTS;
      rights->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(rights), &passed, sizeof passed);
    }
    const ssize_t wrote = ::sendmsg(socket, &header, MSG_NOSIGNAL);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    sent += static_cast<size_t>(wrote);
  }
  return true;
}

// Reads one whole message; nothing at end of file, on error or when the length it announces is
// over kMaxMessageLength (then `oversized`, when given, is set). A descriptor passed with it is
// kept in `passed`.
std::optional<std::string> ReceiveMessage(int socket, UniqueFd* passed = nullptr,
                                          bool* oversized = nullptr) {
  std::string message;
  size_t wanted = sizeof(Length);
  bool has_length = false;
  while (message.size() < wanted) {
    char buffer[16384];
    const size_t room = std::min(sizeof buffer, wanted - message.size());
    iovec data{.iov_base = buffer, .iov_len = room};
    msghdr header{};
    header.msg_iov = &data;
    header.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    for (cmsghdr* part = CMSG_FIRSTHDR(&header); part != nullptr;
         part = CMSG_NXTHDR(&header, part)) {
      if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_RIGHTS) continue;
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(part), sizeof fd);
      if (passed != nullptr) {
        passed->reset(fd);
      } else {
        ::close(fd);
      }
    }
    message.append(buffer, static_cast<size_t>(got));
    if (!has_length && message.size() >= sizeof(Length)) {
      Length length = 0;
      std::memcpy(&length, message.data(), sizeof length);
      if (length > kMaxMessageLength) {
        if (oversized != nullptr) *oversized = true;
        return std::nullopt;
      }
      message.erase(0, sizeof length);
      wanted = length;
      has_length = true;
    }
  }
  return message;
}

std::string EncodeRequest(const LauncherOptions& options) {
  std::string message;
  AppendField(message, options.run_directory.string());
  AppendField(message, std::to_string(options.grace_period.count()));
  AppendField(message, std::to_string(options.max_runtime.count()));
  AppendField(message, options.working_directory.string());
  AppendField(message, options.log_file.string());
  AppendField(message, DurabilityName(options.durability));
  std::string ignored;
  for (int signal : options.ignored_signals) ignored += std::to_string(signal) + ",";
  AppendField(message, ignored);
  AppendField(message, std::to_string(options.command.size()));
  for (const std::string& argument : options.command) AppendField(message, argument);
  for (const auto& [name, value] : options.environment) AppendField(message, name + "=" + value);
  return message;
}

std::optional<LauncherOptions> DecodeRequest(const std::vector<std::string>& fields) {
  constexpr size_t kFixed = 8;
  if (fields.size() < kFixed) return std::nullopt;
  LauncherOptions options;
  options.run_directory = fields[0];
  options.grace_period = std::chrono::milliseconds(std::stoll(fields[1]));
  options.max_runtime = std::chrono::seconds(std::stoll(fields[2]));
  options.working_directory = fields[3];
  options.log_file = fields[4];
  options.durability = DurabilityFromName(fields[5]).value_or(Durability::kMachineCrash);
  for (size_t begin = 0; begin < fields[6].size();) {
    const size_t end = fields[6].find(',', begin);
    options.ignored_signals.push_back(std::stoi(fields[6].substr(begin, end - begin)));
    begin = end == std::string::npos ? fields[6].size() : end + 1;
  }
  const size_t arguments = std::stoul(fields[7]);
  if (fields.size() < kFixed + arguments) return std::nullopt;
  options.command.assign(fields.begin() + kFixed, fields.begin() + kFixed + arguments);
  for (size_t index = kFixed + arguments; index < fields.size(); ++index) {
    const std::string& entry = fields[index];
    const size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    options.environment.emplace_back(entry.substr(0, equals), entry.substr(equals + 1));
  }
  return options;
}

// What a reply says was started; its descriptor is the launcher's pidfd, or for a supervised or
// ended job the read end of a pipe that reaches end of file once the exit record is written.
constexpr std::string_view kStartedLauncher = "launcher";
constexpr std::string_view kStartedJob = "job";
constexpr std::string_view kStartedEnded = "ended";

std::string Reply(std::string_view kind, pid_t pid, int64_t job, const std::string& where = "",
                  const std::string& what = "") {
  std::string message;
  AppendField(message, kind);
  AppendField(message, std::to_string(pid));
  AppendField(message, std::to_string(job));
  AppendField(message, where);
  AppendField(message, what);
  return message;
}

std::string FailureReply(const std::string& where, const std::string& what) {
  return Reply("", -1, 0, where, what);
}

sigset_t SpawnerSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGCHLD);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

// In the forked launcher: becomes what an executed sluice-run would be, then runs the job.
[[noreturn]] void BecomeLauncher(const LauncherOptions& options, int log) {
  ::setsid();
  ::dup2(log, STDOUT_FILENO);
  ::dup2(log, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  ::sigprocmask(SIG_SETMASK, &blocked, nullptr);
  int status = kLauncherRecordFailure;
  try {
    status = RunLauncher(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice-run: %s\n", error.what());
  }
  ::_exit(status);
}

// Forks a launcher for a job whose run directory another launcher holds: it follows the holder
// (launcher.h). The reply to send back.
std::string ForkLauncher(const LauncherOptions& options, std::vector<pid_t>& launchers,
                         UniqueFd& pidfd) {
  const std::filesystem::path log_file =
      options.log_file.empty() ? std::filesystem::path("/dev/null") : options.log_file;
  UniqueFd log(
      ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644));
  if (!log) {
    return FailureReply("log file " + Quote(log_file.string()),
                        std::string("cannot open: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    return FailureReply("launcher spawner", std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid == 0) BecomeLauncher(options, log.get());
  launchers.push_back(pid);
  // Not reaped before this returns, so the pid cannot name another process yet.
  pidfd = OpenPidfd(pid);
  if (!pidfd) {
    const int error = errno;
    ::kill(pid, SIGKILL);
    return FailureReply(
        "launcher spawner",
        std::string("cannot watch its launcher (pidfd_open): ") + std::strerror(error));
  }
  return Reply(kStartedLauncher, pid, 0);
}

// Starts the job of one request; the reply to send back, `passed` riding with it.
std::string Launch(const std::vector<std::string>& fields, JobSupervisor& supervisor,
                   std::vector<pid_t>& launchers, UniqueFd& passed) {
  std::optional<LauncherOptions> options;
  try {
    options = DecodeRequest(fields);
  } catch (const std::exception&) {
    options.reset();
  }
  if (!options) return FailureReply("launcher spawner", "got a malformed request");
  Result<JobSupervisor::Started> started = supervisor.Start(*options);
  if (!started) return FailureReply(started.error().where, started.error().message);
  switch (started->kind) {
    case JobSupervisor::Started::Kind::kSupervised:
      passed = std::move(started->ended);
      return Reply(kStartedJob, ::getpid(), started->job);
    case JobSupervisor::Started::Kind::kEnded:
      passed = std::move(started->ended);
      return Reply(kStartedEnded, 0, 0);
    case JobSupervisor::Started::Kind::kHeld:
      break;
  }
  return ForkLauncher(*options, launchers, passed);
}

// Reaps the forked launchers that have ended; the supervised jobs are reaped by their
// ChildProcess, so nothing here waits for any child.
void ReapEnded(std::vector<pid_t>& launchers) {
  std::erase_if(launchers, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
}

}  // namespace

[[noreturn]] void ServeLaunchRequests(int socket) {
  if (socket <= STDERR_FILENO) socket = ::fcntl(socket, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) ::signal(signal, SIG_DFL);
  }
  // A job's exit record goes into a pipe whose reader, the engine, may have gone: that write
  // must fail, not end the spawner and every job it supervises. The jobs get their signals'
  // defaults back (ChildProcess), so they do not inherit this.
  ::signal(SIGPIPE, SIG_IGN);
  const sigset_t signals = SpawnerSignals();
  ::sigprocmask(SIG_SETMASK, &signals, nullptr);
  // Out of the engine's session and group, so that what is sent to those (a terminal's
  // signals, a kill of the group) reaches no launcher, even one just forked.
  ::setsid();
  // Nothing of the engine's stays open here: not its terminal or pipes (whoever reads the
  // engine's output sees its end when the engine ends), not its store.
  const int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
  if (socket > 3) ::close_range(3, static_cast<unsigned>(socket) - 1, 0);
  ::close_range(static_cast<unsigned>(socket) + 1, ~0U, 0);
  // Stop requests for supervised jobs come as signals too (job_supervisor.h).
  UniqueFd signal_inbox(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  JobSupervisor supervisor(::getpid(), ProcessStartTime(::getpid()).value_or(0));
  std::vector<pid_t> launchers;
  bool is_engine_connected = true;

  // When the engine ends or dies, the jobs and launchers still running go on: this process
  // stays until each has ended, recording the supervised ones and reaping the launchers, so that
  // they are reaped even where nothing else would reap orphans.
  while (is_engine_connected || !supervisor.empty() || !launchers.empty()) {
    std::vector<pollfd> watched = {
        {.fd = is_engine_connected ? socket : -1, .events = POLLIN, .revents = 0},
        {.fd = signal_inbox.get(), .events = POLLIN, .revents = 0}};
    constexpr size_t kFirstJob = 2;
    supervisor.AppendWatched(watched);
    if (::poll(watched.data(), watched.size(), supervisor.MillisecondsToNextDeadline()) < 0 &&
        errno != EINTR) {
      break;
    }
    if (watched[1].revents != 0) {
      signalfd_siginfo info{};
      while (::read(signal_inbox.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo != SIGCHLD) supervisor.Take(info);
      }
    }
    ReapEnded(launchers);
    supervisor.Tend(std::span<const pollfd>(watched).subspan(kFirstJob));
    if (!is_engine_connected || watched[0].revents == 0) continue;
    std::optional<std::string> request = ReceiveMessage(socket);
    if (request) {
      UniqueFd passed;
      const std::string reply = Launch(Fields(*request), supervisor, launchers, passed);
      if (SendMessage(socket, reply, passed.get())) continue;
    }
    is_engine_connected = false;
    ::close(socket);
  }
  ::_exit(0);
}

Result<std::unique_ptr<LauncherSpawner>> LauncherSpawner::Start(
    const std::filesystem::path& launcher_program) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return MakeError(ErrorCode::kUnavailable, "launcher spawner",
                     std::string("cannot make its socket: ") + std::strerror(errno));
  }
  UniqueFd ours(ends[0]);
  UniqueFd theirs(ends[1]);
  const std::string program = launcher_program.string();
  const char* argv[] = {program.c_str(), kSpawnerModeOption, "3", nullptr};
  // Spawned rather than forked: a fork copies the page tables of the whole engine, libraries
  // and all, and then takes a copy-on-write fault for each page the engine writes until the
  // child has executed the spawner. The socket is the spawner's descriptor 3, the only one kept
  // open across exec (a dup2 onto itself clears its close-on-exec flag).
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 3);
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr,
                                    const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return MakeError(ErrorCode::kUnavailable, "launcher spawner",
                     "cannot start " + program + ": " + std::strerror(spawned));
  }
  theirs.reset();
  UniqueFd pidfd = OpenPidfd(pid);
  // Read while the child is unreaped, so it is the spawner's whatever the child has become.
  const int64_t start_time = ProcessStartTime(pid).value_or(0);
  return std::unique_ptr<LauncherSpawner>(
      new LauncherSpawner(pid, start_time, std::move(pidfd), std::move(ours)));
}

LauncherSpawner::~LauncherSpawner() {
  socket_.reset();
  if (pidfd_) {
    pollfd ended{.fd = pidfd_.get(), .events = POLLIN, .revents = 0};
    while (::poll(&ended, 1, kSpawnerExitTimeoutMilliseconds) < 0 && errno == EINTR) {
    }
  }
  // Still running, it ends with its last launcher and is then reaped by whoever inherits it.
  ::waitpid(pid_, nullptr, WNOHANG);
}

Result<SpawnedLauncher> LauncherSpawner::Spawn(const LauncherOptions& options) {
  const std::string where = "launcher spawner (pid " + std::to_string(pid_) + ")";
  UniqueFd pidfd;
  std::optional<std::string> reply;
  bool oversized = false;
  if (SendMessage(socket_.get(), EncodeRequest(options)))
    reply = ReceiveMessage(socket_.get(), &pidfd, &oversized);
  if (!reply) {
    socket_.reset();
    if (oversized) {
      return MakeError(ErrorCode::kInternal, where,
                       "sent a reply longer than " + std::to_string(kMaxMessageLength) +
                           " bytes; it is no longer used");
    }
    return MakeError(ErrorCode::kUnavailable, where, "is gone");
  }
  const std::vector<std::string> fields = Fields(*reply);
  if (fields.size() != 5) return MakeError(ErrorCode::kInternal, where, "sent a malformed reply");
  if (!fields[3].empty()) return MakeError(ErrorCode::kIo, fields[3], fields[4]);
  if (!pidfd) return MakeError(ErrorCode::kInternal, where, "sent no descriptor");
  // Read without exceptions: this runs on the engine's loop thread.
  int64_t pid = 0;
  int64_t job = 0;
  if (!ParseInteger(fields[1], pid) || !ParseInteger(fields[2], job)) {
    return MakeError(ErrorCode::kInternal, where, "sent a malformed reply");
  }
  // Read at once for a forked launcher: one that has already ended and been reaped leaves 0, and
  // its exit record says how the job ended.
  SpawnedLauncher spawned{
      .pid = static_cast<pid_t>(pid), .pidfd = std::move(pidfd), .supervised_job = job};
  if (fields[0] == kStartedJob) {
    spawned.start_time = start_time_;
  } else if (pid > 0) {
    spawned.start_time = ProcessStartTime(spawned.pid).value_or(0);
  }
  return spawned;
}

bool LauncherSpawner::SignalJob(int64_t job, int signal) const {
  return SignalLauncher(pidfd_.get(), job, signal);
}

}  // namespace sluice

// ChildProcess owns a process we spawned until it has been reaped. The child leads a new session
// and process group (its pid is the group id), so one signal reaches everything it starts, and it
// has no controlling terminal to inject input into. Its stdout and stderr are appended to a log
// file, its stdin is /dev/null, and it inherits no descriptor, signal mask or ignored signal
// (its spec may ask for some signals to start blocked, or ignored).
//
// Exit is observed through a pidfd (exit_notification_fd()), which an event loop can watch: no
// SIGCHLD handler, no polling, no thread per child, and no risk of signalling a reused pid.
// The group is signalled only while the leader is unreaped (a zombie still holds the group id),
// and when the leader has exited the rest of its group is killed before the leader is reaped, so
// nothing it started outlives it. Destroying a ChildProcess that was not reaped kills the group
// and reaps the leader, blocking briefly, so no code path leaks a child or a zombie.
//
// Move-only. Not thread-safe: one thread (the event loop's) uses a ChildProcess at a time.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace sluice {

struct LaunchSpec {
  // argv[0] is a path, or a bare name looked up in the PATH of `environment` (the engine's own
  // PATH plays no part; without one, /usr/local/bin:/usr/bin:/bin).
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> environment;  // the whole environment
  std::filesystem::path working_directory;                       // empty: the parent's
  std::filesystem::path log_file;  // stdout and stderr, appended; empty: /dev/null
  // Blocked when the program starts (every other signal is not), so that a signal sent right
  // after the spawn waits until the program is ready to take it rather than killing it.
  std::vector<int> blocked_signals = {};
  // Ignored when the program starts (every other signal has its default action); a program
  // keeps an ignored signal across exec unless it changes it.
  std::vector<int> ignored_signals = {};
};

struct ProcessExit {
  int exit_status = 0;  // meaningful when signal == 0
  int signal = 0;       // the signal that ended the process, or 0 when it exited
  bool operator==(const ProcessExit&) const = default;
};

// "exit status 3" or "killed by SIGKILL".
std::string Describe(const ProcessExit& exit);

// A pidfd for any process, child or not: readable once it has exited. Empty on failure (errno
// says why), for instance when the process no longer exists.
UniqueFd OpenPidfd(pid_t pid);

class ChildProcess {
 public:
  // Fails (without leaving a process behind) when the program cannot be found or executed, the
  // working directory cannot be entered, or the log file cannot be opened; the message names
  // the program or path.
  static Result<ChildProcess> Spawn(const LaunchSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;  // leaves `other` empty
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The leader's pid, which is also the process group and session id; -1 when empty.
  pid_t pid() const { return pid_; }
  // Readable once the leader has exited. Owned by this object; valid until it is reaped.
  int exit_notification_fd() const { return pidfd_.get(); }
  bool is_reaped() const { return pid_ < 0; }

  // Sends `signal` to every process in the group. Does nothing once reaped: the group id may
  // then belong to someone else.
  void SignalGroup(int signal);

  // When the leader has exited: kills what is left of its group, reaps the leader and returns
  // how it ended. Otherwise (still running, or a spurious wake-up) returns nothing. Never blocks.
  std::optional<ProcessExit> TryReap();

  // Blocks until the leader exits, then kills what is left of its group and reaps the leader.
  // For short helpers only; jobs are waited for through exit_notification_fd().
  ProcessExit Wait();

  // Kills the group, then blocks until the leader is reaped.
  ProcessExit KillAndReap();

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  std::optional<ProcessExit> Reap(bool is_blocking);

  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

}  // namespace sluice

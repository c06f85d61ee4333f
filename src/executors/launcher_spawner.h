// LauncherSpawner starts launchers (launcher.h) by forking, without executing a program per job:
// one process per engine, sluice-run started once in its spawner mode, forks a launcher for each
// request it reads from a socket pair and hands back the launcher's pidfd. Forking that small,
// statically linked process costs less than executing sluice-run, and far less than forking the
// engine itself, whose address space is many times larger.
//
// A launcher must outlive the engine that asked for it, so it is never the engine's child: it
// is the spawner's, in a session of its own (the spawner too leaves the engine's). When the engine
// ends or dies, the spawner sees the socket close, stays only to reap the launchers still running
// (whose jobs go on, and which a later engine adopts), then exits. The spawner takes no stop
// signals of its own (SIGTERM and SIGINT stay blocked, so that each launcher starts with them
// blocked, as launcher.h needs), and holds no descriptor of the engine's but its end of the socket.
//
// Loop thread only, like the executor that uses it: one request at a time.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"
#include "executors/launcher.h"

#include <filesystem>
#include <memory>
#include <sys/types.h>

namespace sluice {

struct SpawnedLauncher {
  pid_t pid = -1;
  UniqueFd pidfd;  // readable once the launcher has exited; the spawner reaps it
};

class LauncherSpawner {
 public:
  // Starts `launcher_program` (sluice-run) as the spawner.
  static Result<std::unique_ptr<LauncherSpawner>> Start(
      const std::filesystem::path& launcher_program);

  // Closes the socket and waits briefly for the spawner to exit (it does at once unless some
  // launcher still runs, which then goes on without this process).
  ~LauncherSpawner();
  LauncherSpawner(const LauncherSpawner&) = delete;
  LauncherSpawner& operator=(const LauncherSpawner&) = delete;

  // Forks a launcher running `options`. kUnavailable when the spawner itself is gone (it was
  // killed): the caller may start the launcher another way; the run directory's lock keeps a
  // launcher that the spawner forked before it died from running the job a second time. Other
  // errors (the log file cannot be opened) name what failed.
  Result<SpawnedLauncher> Spawn(const LauncherOptions& options);

  pid_t pid() const { return pid_; }

 private:
  LauncherSpawner(pid_t pid, UniqueFd pidfd, UniqueFd socket)
      : pid_(pid), pidfd_(std::move(pidfd)), socket_(std::move(socket)) {}

  pid_t pid_;
  UniqueFd pidfd_;
  UniqueFd socket_;
};

// sluice-run's command line in spawner mode: this option, then the socket's descriptor number.
inline constexpr const char* kSpawnerModeOption = "--serve-launchers";

// The spawner's side, for sluice-run's spawner mode: serves requests from `socket` until the
// engine has gone and every launcher forked has ended, then exits.
[[noreturn]] void ServeLaunchRequests(int socket);

}  // namespace sluice

// LauncherSpawner runs jobs under a launcher's care (launcher.h) without executing a program per
// job: one process per engine, sluice-run started once in its spawner mode, reads requests from a
// socket pair and supervises each job itself (job_supervisor.h): the job is the spawner's child,
// and no launcher process is made for it. Only a job whose run directory another launcher holds
// gets a launcher forked for it, which follows the holder. The reply hands back what to watch:
// a pipe that reaches end of file once the job's exit record is written, or the forked
// launcher's pidfd.
//
// A job must outlive the engine that asked for it, so it is never the engine's child: it is the
// spawner's, in a session of its own (the spawner too leaves the engine's). When the engine ends
// or dies, the spawner sees the socket close, stays until its last job has ended and is recorded
// (its jobs go on, and a later engine adopts them) and its last launcher is reaped, then exits.
// The spawner takes no stop signals of its own (SIGTERM and SIGINT stay blocked, so that each
// launcher starts with them blocked, as launcher.h needs; queued with a job's number they ask it
// to end that job), and holds no descriptor of the engine's but its end of the socket.
//
// Loop thread only, like the executor that uses it: one request at a time.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"
#include "executors/launcher.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <sys/types.h>

namespace sluice {

struct SpawnedLauncher {
  // The process that watches the job: the spawner for a supervised job, else the forked
  // launcher; 0 when the job had already ended (its exit record says how).
  pid_t pid = -1;
  // When that process started (run_directory.h's ProcessStartTime), for the job's record.
  int64_t start_time = 0;
  // Readable once the job's exit record is written (or the watcher died without one).
  UniqueFd pidfd;
  // The job's number in the spawner (SignalJob), 0 when a launcher of its own runs it: its
  // pidfd then takes the stop signals.
  int64_t supervised_job = 0;
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

  // Starts the job `options` describes. kUnavailable when the spawner itself is gone (it was
  // killed): the caller may start the launcher another way; the run directory's lock keeps a
  // job that the spawner started before it died from running a second time. Other errors (the
  // run directory cannot be created) name what failed; a job that cannot start (its log file
  // cannot be opened, its program is missing) is started and ends at once with an exit record
  // that says why.
  Result<SpawnedLauncher> Spawn(const LauncherOptions& options);

  // Asks the spawner to end a supervised job, as SIGTERM (stop) or SIGINT (abandon) to a
  // launcher does. Whether the signal was sent.
  bool SignalJob(int64_t job, int signal) const;

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // When the spawner started (run_directory.h's ProcessStartTime), for job records.
  int64_t start_time() const { return start_time_; }

 private:
  LauncherSpawner(pid_t pid, int64_t start_time, UniqueFd pidfd, UniqueFd socket)
      : pid_(pid), start_time_(start_time), pidfd_(std::move(pidfd)), socket_(std::move(socket)) {}

  pid_t pid_;
  int64_t start_time_;
  UniqueFd pidfd_;
  UniqueFd socket_;
};

// sluice-run's command line in spawner mode: this option, then the socket's descriptor number.
inline constexpr const char* kSpawnerModeOption = "--serve-launchers";

// The spawner's side, for sluice-run's spawner mode: serves requests from `socket` until the
// engine has gone and every launcher forked has ended, then exits.
[[noreturn]] void ServeLaunchRequests(int socket);

}  // namespace sluice

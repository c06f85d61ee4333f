// JobSupervisor does a launcher's work (launcher.h) for many jobs at once, inside the spawner
// (launcher_spawner.h): it claims each job's run directory, starts the job as its own child,
// waits for it among the others through its pidfd, ends it when asked or when it runs past its
// maximum runtime, and writes its exit record. So a job costs one process, its own, rather than
// a launcher forked for it as well; the spawner already outlives the engine, as a launcher must.
//
// The run directory's records keep their meaning: launcher.json, locked while the job runs,
// names the spawner (pid and start time) and the job's number in it, so that a launcher started
// later on the same directory follows this one, and a restarted engine finds the job. A
// directory another launcher holds is not supervised here: Start() says so (kHeld) and the
// spawner forks a launcher to follow the holder, as before.
//
// Asking it to end a job: SIGTERM (stop, with the grace period) or SIGINT (abandon: kill at once)
// queued with the job's number as the signal's value (SignalLauncher). A plain signal names no
// job and is ignored: the spawner takes no stop signal of its own.
//
// One thread, the spawner's only one.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"
#include "executors/launcher.h"
#include "executors/run_directory.h"

#include <cstdint>
#include <map>
#include <memory>
#include <poll.h>
#include <span>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <vector>

namespace sluice {

class JobSupervisor {
 public:
  // `self` is the spawner; its start time goes into each launcher record.
  JobSupervisor(pid_t self, int64_t self_start_time);
  ~JobSupervisor();
  JobSupervisor(const JobSupervisor&) = delete;
  JobSupervisor& operator=(const JobSupervisor&) = delete;

  struct Started {
    enum class Kind {
      kSupervised,  // running here as `job`
      kEnded,       // already ended, or could not start: exit.json says how
      kHeld,        // another launcher holds the run directory; nothing was started
    };
    Kind kind = Kind::kHeld;
    int64_t job = 0;
    // kSupervised and kEnded: a pipe's read end that reaches end of file once exit.json holds
    // the job's end (at once for kEnded). For kSupervised the exit record's text comes through
    // it first, before exit.json is written. Whoever waits for the job watches it.
    UniqueFd ended;
  };
  // Errors name the run directory's file that could not be created, locked or read.
  Result<Started> Start(const LauncherOptions& options);

  // The descriptors to wait on, one per running job, appended to `watched`.
  void AppendWatched(std::vector<pollfd>& watched) const;
  // After a wait on them: records the jobs whose descriptor was ready (`watched`, what
  // AppendWatched appended, in that order, with the wait's revents), and carries out the
  // deadlines that passed. Only those jobs are asked, so a wake-up costs nothing per job still
  // running.
  void Tend(std::span<const pollfd> watched);
  // A signal read from the spawner's signalfd.
  void Take(const signalfd_siginfo& signal);
  // Until the next deadline (a maximum runtime, the end of a grace period); -1 for none.
  int MillisecondsToNextDeadline() const;
  bool empty() const { return jobs_.empty(); }

 private:
  struct Job;
  void RequestEnd(Job& job, EndRequest request);
  void Finish(std::map<int64_t, std::unique_ptr<Job>>::iterator found);

  pid_t self_;
  int64_t self_start_time_;
  int64_t next_job_ = 1;
  std::map<int64_t, std::unique_ptr<Job>> jobs_;
};

}  // namespace sluice

// The records a job's launcher (sluice-run) keeps in the job's run directory, shared by the
// launcher that writes them and the executor that reads them, possibly in a later engine:
//
//   launcher.json  locked (flock) by the launcher that runs the job, for as long as it runs;
//                  that launcher's pid and start time, written into it once it holds the lock
//                  (the launcher may be a spawner supervising several jobs: then also the job's
//                  number there)
//   exit.json      how the job ended, written once, atomically (write, fsync, rename)
//
// The launcher record is empty until its launcher writes it, in one write, before the job
// starts; an exit record exists whole or not at all. (Run directories from before held the
// lock in a file of its own, `lock`.)
// Plain functions over files; each is thread-safe as far as the file system is.
#pragma once

#include "base/durability.h"
#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace sluice {

inline constexpr const char* kLauncherFileName = "launcher.json";
inline constexpr const char* kExitFileName = "exit.json";

struct LauncherRecord {
  int64_t process_id = 0;
  int64_t process_start_time = 0;  // clock ticks since boot, as /proc/<pid>/stat has it
  // Set when the process is a spawner supervising this job among others (job_supervisor.h): the
  // job's number there, which a signal asking it to end the job carries. 0: the process is the
  // job's own launcher, and a plain signal to it is about this job.
  int64_t supervised_job = 0;
  bool operator==(const LauncherRecord&) const = default;
};

// Why the launcher ended the job, if it did.
enum class EndRequest {
  kNone,     // the job ended by itself
  kStop,     // stopped on request (SIGTERM to the launcher)
  kTimeout,  // ran past its maximum runtime
  kAbandon,  // killed at once because its executor shut down (SIGINT to the launcher)
};

struct ExitRecord {
  // Set when the job never started; the other fields then say nothing.
  std::optional<std::string> launch_error;
  int exit_status = 0;
  int signal = 0;  // the signal that ended the job's leader, or 0 when it exited
  EndRequest end_request = EndRequest::kNone;
  bool was_killed = false;  // SIGKILLed after ignoring SIGTERM for the grace period
  std::chrono::milliseconds grace_period{0};
  std::chrono::seconds max_runtime{0};  // 0: none
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
  bool operator==(const ExitRecord&) const = default;
};

// Writes `contents` to `directory`/`name` so that it appears whole or not at all, and durably:
// a temporary file is written and fsynced, renamed over `name`, and the directory fsynced.
// With kProcessCrash the file is renamed into place without syncing (see base/durability.h).
Result<void> WriteFileAtomically(const std::filesystem::path& directory, const std::string& name,
                                 const std::string& contents,
                                 Durability durability = Durability::kMachineCrash);

// Into `lock`, the open and locked launcher.json of `run_directory`, which is empty.
Result<void> WriteLauncherRecord(int lock, const std::filesystem::path& run_directory,
                                 const LauncherRecord& record,
                                 Durability durability = Durability::kMachineCrash);
// Nothing when the run directory holds no launcher record (or an empty one); an error when it
// holds one that cannot be read.
Result<std::optional<LauncherRecord>> ReadLauncherRecord(
    const std::filesystem::path& run_directory);

Result<void> WriteExitRecord(const std::filesystem::path& run_directory, const ExitRecord& record,
                             Durability durability = Durability::kMachineCrash);
Result<std::optional<ExitRecord>> ReadExitRecord(const std::filesystem::path& run_directory);
// The exit record as exit.json holds it (one line of JSON), so that a supervisor can hand the
// same text to whoever waits for the job before the file is written.
std::string ExitRecordText(const ExitRecord& record);
Result<void> WriteExitRecordText(const std::filesystem::path& run_directory,
                                 const std::string& text,
                                 Durability durability = Durability::kMachineCrash);
// Reads a record sent as ExitRecordText made it; errors name `run_directory`'s exit.json.
Result<ExitRecord> ParseExitRecord(std::string_view text,
                                   const std::filesystem::path& run_directory);

// When the process `pid` started, in clock ticks since boot (field 22 of /proc/<pid>/stat);
// nothing when there is no such process. With the pid, it names one process for good: a pid
// can be reused, but not with the same start time.
std::optional<int64_t> ProcessStartTime(pid_t pid);

}  // namespace sluice

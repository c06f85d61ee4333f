// The job's view of the filesystem under Isolation::kBubblewrap, and the bwrap command line that
// builds it: the host's /usr and /etc read-only (merged-/usr symlinks for /bin, /lib, /lib64,
// /sbin), a fresh /dev and /proc, a private /tmp, the step's ml_root at /opt/ml, then each Mount
// in order (a later one shadows an earlier one). Own pid, ipc and uts namespaces, hostname
// algo-1; the network is shared unless the spec asks for isolation. The sandbox dies with bwrap.
//
// A job killed by a signal inside the sandbox shows as exit status 128 + signal, as in a
// container. Pure functions apart from CheckBubblewrap(), which runs bwrap; all thread-safe.
#pragma once

#include "base/result.h"
#include "executors/executor.h"

#include <filesystem>
#include <signal.h>
#include <string>
#include <vector>

namespace sluice {

inline constexpr const char* kDefaultBubblewrapPath = "/usr/bin/bwrap";

// bwrap's own processes must survive the SIGTERM that a stop sends to the job's process group:
// bwrap dies of it by default, and --die-with-parent would then SIGKILL the job at once, leaving
// it no grace period. So BubblewrapCommand is started with this signal ignored
// (LaunchSpec::ignored_signals); the job itself gets its default action back.
inline constexpr int kBubblewrapIgnoredSignal = SIGTERM;

// The argv that runs `spec.command` in its sandbox. The environment is not on the command line
// (where every local user could read it in the process list): bwrap is started with the job's
// environment and passes it on unchanged, adding only PWD.
std::vector<std::string> BubblewrapCommand(const JobSpec& spec,
                                           const std::filesystem::path& bubblewrap_path);

// Checks, before spawning, what bwrap would otherwise only report as "exit status 1" in the log:
// that ml_root and every mount source exist, and that the program and working directory exist in
// the job's view. Programs are looked up in the PATH of the job's environment.
Result<void> CheckSandboxedJob(const JobSpec& spec);

// Really runs a trivial job under the same flags, so a caller can fall back to Isolation::kNone
// and tell the user why ("bwrap: No permissions to create a new namespace", a missing binary).
// Blocks for a few milliseconds; creates and removes a scratch directory under /tmp.
Result<void> CheckBubblewrap(const std::filesystem::path& bubblewrap_path);

// CheckBubblewrap, skipped when `verdict_file` says that this bwrap worked since the machine
// last booted, for this user, under the same user-namespace settings; a run that passes writes
// it. Each `sluice run` asks, and the probe is a whole sandbox set up and torn down: remembering
// takes it off the start of every run but the first. A failure is never remembered.
Result<void> CheckBubblewrapRemembered(const std::filesystem::path& bubblewrap_path,
                                       const std::filesystem::path& verdict_file);

// CheckBubblewrap(kDefaultBubblewrapPath), run once per process and remembered.
bool IsBubblewrapUsable();

}  // namespace sluice

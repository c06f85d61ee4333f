// The model server process a batch transform talks to: started as the driver's child in its
// own process group with its output appended to a log file, and stopped with SIGTERM to the
// group, then SIGKILL after a grace period. Destroying a running server stops it, so no path out
// of the driver leaves it behind. Not thread-safe; owned by the driver's main thread.
#pragma once

#include "base/result.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace sluice {

class ModelServerProcess {
 public:
  // Starts `command` (argv[0] looked up in PATH when bare) with the driver's environment plus
  // `environment`. `log_file` empty: the server shares the driver's stdout and stderr.
  static Result<ModelServerProcess> Start(
      const std::vector<std::string>& command,
      const std::vector<std::pair<std::string, std::string>>& environment,
      const std::filesystem::path& log_file);

  ModelServerProcess(ModelServerProcess&& other) noexcept;
  ModelServerProcess& operator=(ModelServerProcess&& other) noexcept;
  ModelServerProcess(const ModelServerProcess&) = delete;
  ModelServerProcess& operator=(const ModelServerProcess&) = delete;
  ~ModelServerProcess();

  // The exit description ("exited with status 2", "killed by signal 9") once the server has
  // ended; nullopt while it runs.
  std::optional<std::string> ExitDescription();

  // SIGTERM to the process group, SIGKILL after `grace`, then reaps. Idempotent.
  void Stop(std::chrono::milliseconds grace);

  // The last `bytes` of the server's log, for error messages; empty without a log file.
  std::string LogTail(size_t bytes) const;

 private:
  ModelServerProcess(pid_t pid, std::filesystem::path log_file)
      : pid_(pid), log_file_(std::move(log_file)) {}

  pid_t pid_ = -1;
  std::filesystem::path log_file_;
  std::optional<std::string> exit_description_;
};

}  // namespace sluice

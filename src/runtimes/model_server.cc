#include "runtimes/model_server.h"

#include "base/text.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace sluice {
namespace {

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

std::vector<std::string> MergedEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    merged[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
  }
  for (const auto& [name, value] : overrides) merged[name] = value;
  std::vector<std::string> flattened;
  for (const auto& [name, value] : merged) flattened.push_back(name + "=" + value);
  return flattened;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Result<ModelServerProcess> ModelServerProcess::Start(
    const std::vector<std::string>& command,
    const std::vector<std::pair<std::string, std::string>>& environment,
    const std::filesystem::path& log_file) {
  if (command.empty()) return InvalidArgument("model server", "the command is empty");
  std::vector<std::string> arguments = command;
  std::vector<std::string> variables = MergedEnvironment(environment);
  std::vector<char*> argv = Pointers(arguments);
  std::vector<char*> envp = Pointers(variables);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that Stop reaches the workers a server forks.
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigset_t all_signals;
  sigfillset(&all_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int error = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return MakeError(ErrorCode::kUnavailable, "model server",
                     "cannot start " + Quote(command[0]) + ": " + std::strerror(error));
  }
  return ModelServerProcess(pid, log_file);
}

ModelServerProcess::ModelServerProcess(ModelServerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      log_file_(std::move(other.log_file_)),
      exit_description_(std::move(other.exit_description_)) {}

ModelServerProcess& ModelServerProcess::operator=(ModelServerProcess&& other) noexcept {
  if (this != &other) {
    Stop(std::chrono::seconds(5));
    pid_ = std::exchange(other.pid_, -1);
    log_file_ = std::move(other.log_file_);
    exit_description_ = std::move(other.exit_description_);
  }
  return *this;
}

ModelServerProcess::~ModelServerProcess() { Stop(std::chrono::seconds(5)); }

std::optional<std::string> ModelServerProcess::ExitDescription() {
  if (pid_ < 0 || exit_description_) return exit_description_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_description_ = Describe(status);
    // Workers the server left in its group go too, at once, before the group id can be reused.
    kill(-pid_, SIGKILL);
  }
  return exit_description_;
}

void ModelServerProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return;
  if (!ExitDescription()) {
    kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!ExitDescription() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ExitDescription()) {
      kill(-pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      exit_description_ = Describe(status);
    }
  }
  pid_ = -1;
}

std::string ModelServerProcess::LogTail(size_t bytes) const {
  if (log_file_.empty()) return "";
  std::ifstream log(log_file_, std::ios::binary | std::ios::ate);
  if (!log) return "";
  const std::streamoff size = log.tellg();
  const std::streamoff start =
      size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
  log.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  log.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

}  // namespace sluice

// Helpers for the executor tests: a scratch directory removed at the end of the test, small file
// utilities, and a ready signal from a job. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sluice::testing {

class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = ::testing::TempDir() + "sluice-executors-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    // The real path, because jobs report what getcwd() says.
    path_ = std::filesystem::canonical(pattern);
  }
  ~ScratchDirectory() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream stream(file);
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

inline void WriteFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

inline void WriteExecutable(const std::filesystem::path& file, const std::string& text) {
  WriteFile(file, text);
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
}

// A named pipe a job writes a line into to say it is ready (a trap is set, a pid is known), so
// that a test acts on an event instead of sleeping. The read end is open from construction on,
// so the job's `echo ... > fifo` never blocks.
class ReadySignal {
 public:
  explicit ReadySignal(std::filesystem::path path) : path_(std::move(path)) {
    if (::mkfifo(path_.c_str(), 0600) != 0) ADD_FAILURE() << "mkfifo failed for " << path_;
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) ADD_FAILURE() << "cannot open " << path_;
    // With a writer always open, a job closing its end never reads as end of file, so the
    // read end is readable only when there is something to read.
    writer_fd_ = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer_fd_ < 0) ADD_FAILURE() << "cannot open " << path_ << " for writing";
  }
  ~ReadySignal() {
    ::close(writer_fd_);
    ::close(fd_);
  }
  ReadySignal(const ReadySignal&) = delete;
  ReadySignal& operator=(const ReadySignal&) = delete;

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }

  // What has been written so far, without waiting.
  std::string ReadAvailable() {
    std::string text;
    char buffer[256];
    ssize_t count;
    while ((count = ::read(fd_, buffer, sizeof buffer)) > 0) text.append(buffer, count);
    return text;
  }

  // Waits for the job's line; a job that never writes fails the test after a minute instead of
  // hanging it.
  std::string WaitForLine() {
    std::string text;
    while (text.find('\n') == std::string::npos) {
      pollfd entry{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&entry, 1, 60'000) != 1) {
        ADD_FAILURE() << "no line arrived in " << path_;
        return text;
      }
      text += ReadAvailable();
    }
    return text;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  int writer_fd_ = -1;
};

}  // namespace sluice::testing

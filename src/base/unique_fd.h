// UniqueFd owns one file descriptor and closes it when destroyed, so no code path can leak one.
// Move-only; a moved-from or default-constructed UniqueFd holds nothing (-1). Not thread-safe:
// like any value, one thread uses it at a time.
#pragma once

#include <unistd.h>
#include <utility>

namespace sluice {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool is_valid() const { return fd_ >= 0; }
  explicit operator bool() const { return is_valid(); }

  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }

  // Closes the held descriptor, then owns `fd`. close() is not retried on EINTR: Linux has
  // released the descriptor by then, and a retry could close one another thread just opened.
  void reset(int fd = -1) {
    const int previous = std::exchange(fd_, fd);
    if (previous >= 0) ::close(previous);
  }

 private:
  int fd_ = -1;
};

}  // namespace sluice

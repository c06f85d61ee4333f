#include "steps/host_files.h"

#include "base/unique_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>

namespace sluice {
namespace {

Error IoError(const std::filesystem::path& path, std::string_view what, int error_number) {
  return MakeError(ErrorCode::kIo, path.string(),
                   std::string(what) + ": " + std::strerror(error_number));
}

// EEXIST says only that a name exists, so a file where a directory belongs is told apart.
bool IsDirectory(const std::filesystem::path& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

}  // namespace

Result<void> MakeDirectories(const std::filesystem::path& directory) {
  if (directory.empty()) return {};
  if (::mkdir(directory.c_str(), 0777) == 0) return {};
  const int error_number = errno;
  if (error_number == EEXIST) {
    if (IsDirectory(directory)) return {};
    return IoError(directory, "cannot create the directory", ENOTDIR);
  }
  const std::filesystem::path parent = directory.parent_path();
  if (error_number != ENOENT || parent == directory || parent.empty()) {
    return IoError(directory, "cannot create the directory", error_number);
  }
  if (auto made = MakeDirectories(parent); !made) return made;
  // Another thread may have made it meanwhile: EEXIST of a directory is success here too.
  if (::mkdir(directory.c_str(), 0777) == 0 || (errno == EEXIST && IsDirectory(directory))) {
    return {};
  }
  return IoError(directory, "cannot create the directory", errno);
}

Result<void> WriteWholeFile(const std::filesystem::path& file, std::string_view text) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  UniqueFd out(::open(file.c_str(), kFlags, 0666));
  if (!out && errno == ENOENT && file.has_parent_path()) {
    if (auto made = MakeDirectories(file.parent_path()); !made) return made;
    out.reset(::open(file.c_str(), kFlags, 0666));
  }
  if (!out) return IoError(file, "cannot write the file", errno);
  while (!text.empty()) {
    const ssize_t written = ::write(out.get(), text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return IoError(file, "cannot write the file", errno);
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  // A failed close can report a write that did not reach the file (NFS, a full quota).
  if (::close(out.release()) != 0) return IoError(file, "cannot write the file", errno);
  return {};
}

}  // namespace sluice

#include "store/store_image.h"

#include "base/unique_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <string>
#include <unistd.h>

namespace sluice {
namespace {

Error Failure(const std::filesystem::path& file, const std::string& what) {
  return MakeError(ErrorCode::kIo, file.string(), what + ": " + std::strerror(errno));
}

Result<void> WriteImage(int fd, const std::filesystem::path& file, bool sync) {
  const StoreImage& image = EmptyStoreImage();
  if (ftruncate(fd, static_cast<off_t>(image.file_size)) != 0) {
    return Failure(file, "sizing the new metadata store");
  }
  for (size_t i = 0; i < image.piece_count; ++i) {
    const StoreImagePiece& piece = image.pieces[i];
    size_t written = 0;
    while (written < piece.size) {
      const ssize_t done =
          pwrite(fd, image.bytes + piece.byte_offset + written, piece.size - written,
                 static_cast<off_t>(piece.file_offset + written));
      if (done < 0 && errno == EINTR) continue;
      if (done <= 0) return Failure(file, "writing the new metadata store");
      written += static_cast<size_t>(done);
    }
  }
  if (sync && fsync(fd) != 0) return Failure(file, "syncing the new metadata store");
  return {};
}

// Places the written image at `file` unless a store is there already; false then.
Result<bool> Place(const std::string& source, const std::filesystem::path& file, int source_flags) {
  // link() rather than rename(): a store another process created meanwhile is left alone.
  if (linkat(AT_FDCWD, source.c_str(), AT_FDCWD, file.c_str(), source_flags) == 0) return true;
  if (errno == EEXIST) return false;
  return Failure(file, "placing the new metadata store");
}

// The image in a file with no name until it is linked into place, so that a process killed
// while writing it leaves nothing behind. Nothing when the file system cannot make such a file.
std::optional<Result<bool>> CreateUnnamed(const std::filesystem::path& file, bool sync) {
  const std::filesystem::path directory =
      file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  UniqueFd fd(open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return std::nullopt;
    return Result<bool>(Failure(file, "creating the new metadata store"));
  }
  if (auto written = WriteImage(fd.get(), file, sync); !written) {
    return Result<bool>(written.error());
  }
  // Through /proc, as linkat(AT_EMPTY_PATH) needs a privilege an engine need not have; with no
  // /proc to go through, the named way is left.
  const std::string source = "/proc/self/fd/" + std::to_string(fd.get());
  if (access(source.c_str(), F_OK) != 0) return std::nullopt;
  return Place(source, file, AT_SYMLINK_FOLLOW);
}

// Written beside `file` under a name of its own, then linked into place and unlinked.
Result<bool> CreateNamed(const std::filesystem::path& file, bool sync) {
  // Named after this process, so one left by a process that died while writing it is stale.
  const std::string staged = file.string() + ".new-" + std::to_string(getpid());
  UniqueFd fd(open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Failure(file, "creating the new metadata store");
  auto written = WriteImage(fd.get(), file, sync);
  Result<bool> placed = written ? Place(staged, file, 0) : Result<bool>(written.error());
  unlink(staged.c_str());
  return placed;
}

}  // namespace

Result<bool> CreateFromEmptyStoreImage(const std::filesystem::path& file, bool sync) {
  std::optional<Result<bool>> unnamed = CreateUnnamed(file, sync);
  Result<bool> placed = unnamed ? std::move(*unnamed) : CreateNamed(file, sync);
  if (!placed) return placed.error();
  if (sync) {
    UniqueFd directory(open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory || fsync(directory.get()) != 0) {
      return Failure(file, "syncing the metadata store's directory");
    }
  }
  return *placed;
}

}  // namespace sluice

#include "store/store_image.h"

#include "base/unique_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
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

}  // namespace

Result<bool> CreateFromEmptyStoreImage(const std::filesystem::path& file, bool sync) {
  // Named after this process, so one left by a process that died while writing it is stale.
  const std::string staged = file.string() + ".new-" + std::to_string(getpid());
  UniqueFd fd(open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Failure(file, "creating the new metadata store");
  auto written = WriteImage(fd.get(), file, sync);
  bool is_placed = false;
  // link() rather than rename(): a store another process created meanwhile is left alone.
  if (written) {
    is_placed = link(staged.c_str(), file.c_str()) == 0;
    if (!is_placed && errno != EEXIST) written = Failure(file, "placing the new metadata store");
  }
  unlink(staged.c_str());
  if (!written) return written.error();
  if (sync) {
    UniqueFd directory(open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory || fsync(directory.get()) != 0) {
      return Failure(file, "syncing the metadata store's directory");
    }
  }
  return is_placed;
}

}  // namespace sluice

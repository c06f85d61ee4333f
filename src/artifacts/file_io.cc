#include "artifacts/file_io.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace sluice {
namespace {

constexpr size_t kCopyBufferSize = 1 << 18;

Result<void> WriteAll(int descriptor, std::string_view bytes, const std::filesystem::path& file) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return SystemError(file.string(), "cannot write", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

// The rename is only durable once the directory entry itself reaches the disk.
Result<void> SyncDirectory(const std::filesystem::path& directory) {
  const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) return SystemError(directory.string(), "cannot open directory", errno);
  const int synced = ::fsync(descriptor);
  const int sync_error = errno;
  ::close(descriptor);
  if (synced != 0) return SystemError(directory.string(), "cannot sync directory", sync_error);
  return {};
}

}  // namespace

Error SystemError(std::string where, std::string_view action, int error_number) {
  const ErrorCode code = error_number == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
  return MakeError(code, std::move(where),
                   std::string(action) + ": " + std::generic_category().message(error_number));
}

Result<AtomicFile> AtomicFile::Create(const std::filesystem::path& destination,
                                      Durability durability) {
  const std::filesystem::path directory = destination.parent_path();
  std::string name_template = (directory / (std::string(kPartialFilePrefix) + "XXXXXX")).string();
  const int descriptor = ::mkostemp(name_template.data(), O_CLOEXEC);
  if (descriptor < 0) {
    return SystemError(destination.string(), "cannot create a temporary file beside it", errno);
  }
  // mkostemp creates 0600; objects are data anyone on the host may read, like files S3 hands out.
  ::fchmod(descriptor, 0644);
  return AtomicFile(destination, std::filesystem::path(name_template), descriptor, durability);
}

AtomicFile::AtomicFile(std::filesystem::path destination, std::filesystem::path temporary,
                       int descriptor, Durability durability)
    : destination_(std::move(destination)),
      temporary_(std::move(temporary)),
      descriptor_(descriptor),
      durability_(durability) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : destination_(std::move(other.destination_)),
      temporary_(std::move(other.temporary_)),
      descriptor_(std::exchange(other.descriptor_, -1)),
      durability_(other.durability_) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    Discard();
    destination_ = std::move(other.destination_);
    temporary_ = std::move(other.temporary_);
    descriptor_ = std::exchange(other.descriptor_, -1);
    durability_ = other.durability_;
  }
  return *this;
}

AtomicFile::~AtomicFile() { Discard(); }

void AtomicFile::Discard() {
  if (descriptor_ < 0) return;
  ::close(descriptor_);
  ::unlink(temporary_.c_str());
  descriptor_ = -1;
}

Result<void> AtomicFile::Write(std::string_view bytes) {
  return WriteAll(descriptor_, bytes, destination_);
}

Result<void> AtomicFile::CopyFrom(const std::filesystem::path& source) {
  const int input = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (input < 0) return SystemError(source.string(), "cannot open", errno);
  std::string buffer(kCopyBufferSize, '\0');
  Result<void> outcome;
  while (true) {
    const ssize_t count = ::read(input, buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      outcome = SystemError(source.string(), "cannot read", errno);
      break;
    }
    if (count == 0) break;
    outcome = Write(std::string_view(buffer.data(), static_cast<size_t>(count)));
    if (!outcome) break;
  }
  ::close(input);
  return outcome;
}

Result<void> AtomicFile::Commit() {
  const std::string where = destination_.string();
  const bool is_synced = durability_ == Durability::kMachineCrash;
  if (is_synced && ::fsync(descriptor_) != 0) {
    const int error_number = errno;
    Discard();
    return SystemError(where, "cannot sync", error_number);
  }
  const int closed = ::close(descriptor_);
  const int close_error = errno;
  descriptor_ = -1;
  if (closed != 0) {
    ::unlink(temporary_.c_str());
    return SystemError(where, "cannot close", close_error);
  }
  if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary_.c_str());
    return SystemError(where, "cannot rename the finished file into place", error_number);
  }
  if (!is_synced) return {};
  return SyncDirectory(destination_.parent_path());
}

Result<std::string> ReadWholeFile(const std::filesystem::path& file) {
  const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return SystemError(file.string(), "cannot open", errno);
  std::string contents;
  std::string buffer(kCopyBufferSize, '\0');
  Result<std::string> outcome = std::string();
  while (true) {
    const ssize_t count = ::read(descriptor, buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      outcome = SystemError(file.string(), "cannot read", errno);
      break;
    }
    if (count == 0) {
      outcome = std::move(contents);
      break;
    }
    contents.append(buffer.data(), static_cast<size_t>(count));
  }
  ::close(descriptor);
  return outcome;
}

Result<std::vector<TreeEntry>> WalkTree(const std::filesystem::path& directory) {
  std::vector<TreeEntry> entries;
  std::error_code error;
  std::filesystem::recursive_directory_iterator walk(directory, error);
  if (error) return SystemError(directory.string(), "cannot list directory", error.value());
  for (; walk != std::filesystem::recursive_directory_iterator(); walk.increment(error)) {
    const std::filesystem::directory_entry& entry = *walk;
    if (entry.path().filename().string().starts_with(kPartialFilePrefix)) continue;
    std::error_code status_error;
    const std::filesystem::file_status status = entry.symlink_status(status_error);
    if (status_error) {
      return SystemError(entry.path().string(), "cannot inspect", status_error.value());
    }
    EntryKind kind = EntryKind::kOther;
    if (std::filesystem::is_symlink(status)) {
      kind = EntryKind::kSymlink;
    } else if (std::filesystem::is_regular_file(status)) {
      kind = EntryKind::kFile;
    } else if (std::filesystem::is_directory(status)) {
      kind = EntryKind::kDirectory;
    }
    entries.push_back(TreeEntry{entry.path().lexically_relative(directory).generic_string(), kind});
  }
  if (error) return SystemError(directory.string(), "cannot list directory", error.value());
  std::sort(entries.begin(), entries.end(), [](const TreeEntry& a, const TreeEntry& b) {
    return a.relative_path < b.relative_path;
  });
  return entries;
}

}  // namespace sluice

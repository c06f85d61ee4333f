// Packing: a sorted walk of the directory, one tar entry per file, directory or link, with the
// varying parts of a header (owner, times) fixed so that packing is reproducible.
#include "artifacts/archive.h"
#include "artifacts/archive_library.h"
#include "artifacts/file_io.h"
#include "base/text.h"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sluice {
namespace {

constexpr size_t kBlockSize = 1 << 16;

struct WriterDeleter {
  decltype(&::archive_write_free) free;
  void operator()(struct archive* writer) const { free(writer); }
};
struct EntryDeleter {
  decltype(&::archive_entry_free) free;
  void operator()(archive_entry* entry) const { free(entry); }
};

std::string LibraryMessage(const ArchiveLibrary& library, struct archive* handle) {
  const char* message = library.archive_error_string(handle);
  return message != nullptr ? message : "unknown libarchive error";
}

bool IsInside(const std::filesystem::path& path, const std::filesystem::path& directory) {
  const std::filesystem::path relative = path.lexically_relative(directory);
  return !relative.empty() && *relative.begin() != "..";
}

Result<void> WriteFileData(const ArchiveLibrary& library, struct archive* writer,
                           const std::filesystem::path& file, off_t expected_size) {
  const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (descriptor < 0) return SystemError(file.string(), "cannot open", errno);
  std::vector<char> buffer(kBlockSize);
  off_t total = 0;
  Result<void> outcome;
  while (true) {
    const ssize_t count = ::read(descriptor, buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      outcome = SystemError(file.string(), "cannot read", errno);
      break;
    }
    if (count == 0) break;
    total += count;
    if (total > expected_size) break;
    if (library.archive_write_data(writer, buffer.data(), static_cast<size_t>(count)) != count) {
      outcome = MakeError(ErrorCode::kIo, file.string(),
                          "cannot add to the archive: " + LibraryMessage(library, writer));
      break;
    }
  }
  ::close(descriptor);
  if (outcome && total != expected_size) {
    return MakeError(ErrorCode::kConflict, file.string(),
                     "the file changed size while it was being packed");
  }
  return outcome;
}

Result<void> WriteEntry(const ArchiveLibrary& library, struct archive* writer,
                        const std::filesystem::path& directory, const TreeEntry& tree_entry) {
  const std::filesystem::path file = directory / tree_entry.relative_path;
  struct stat status;
  if (::lstat(file.c_str(), &status) != 0) return SystemError(file.string(), "cannot pack", errno);
  std::unique_ptr<archive_entry, EntryDeleter> entry(library.archive_entry_new(),
                                                     {library.archive_entry_free});
  std::string name = tree_entry.relative_path;
  std::string link_target;
  if (S_ISREG(status.st_mode)) {
    library.archive_entry_set_filetype(entry.get(), AE_IFREG);
    library.archive_entry_set_size(entry.get(), status.st_size);
  } else if (S_ISDIR(status.st_mode)) {
    library.archive_entry_set_filetype(entry.get(), AE_IFDIR);
    name += '/';
  } else if (S_ISLNK(status.st_mode)) {
    std::error_code error;
    link_target = std::filesystem::read_symlink(file, error).string();
    if (error) return SystemError(file.string(), "cannot read the symbolic link", error.value());
    library.archive_entry_set_filetype(entry.get(), AE_IFLNK);
    library.archive_entry_set_symlink(entry.get(), link_target.c_str());
  } else {
    return InvalidArgument(file.string(),
                           "expected a file, a directory or a symbolic link to pack, found a "
                           "socket, FIFO or device");
  }
  library.archive_entry_set_pathname(entry.get(), name.c_str());
  library.archive_entry_set_perm(entry.get(), status.st_mode & 0777);
  library.archive_entry_set_uid(entry.get(), 0);
  library.archive_entry_set_gid(entry.get(), 0);
  library.archive_entry_set_mtime(entry.get(), 0, 0);
  // ARCHIVE_WARN still wrote the header (a name that has no form in the locale's charset).
  if (library.archive_write_header(writer, entry.get()) < ARCHIVE_WARN) {
    return MakeError(ErrorCode::kIo, file.string(),
                     "cannot add to the archive: " + LibraryMessage(library, writer));
  }
  if (S_ISREG(status.st_mode)) return WriteFileData(library, writer, file, status.st_size);
  return {};
}

}  // namespace

Result<void> PackTarGz(const std::filesystem::path& directory,
                       const std::filesystem::path& output) {
  auto opened = OpenArchiveLibrary();
  if (!opened) return opened.error();
  const ArchiveLibrary& library = **opened;
  std::error_code error;
  const std::filesystem::path canonical_directory = std::filesystem::canonical(directory, error);
  if (error) return SystemError(directory.string(), "cannot pack", error.value());
  if (!std::filesystem::is_directory(canonical_directory)) {
    return InvalidArgument(directory.string(), "expected a directory to pack");
  }
  const std::filesystem::path canonical_output = std::filesystem::weakly_canonical(output, error);
  if (error) return SystemError(output.string(), "cannot resolve", error.value());
  if (IsInside(canonical_output, canonical_directory)) {
    return InvalidArgument(output.string(), "the archive would be inside the directory it packs, " +
                                                Quote(directory.string()));
  }
  auto entries = WalkTree(directory);
  if (!entries) return entries.error();
  if (!output.parent_path().empty()) {
    std::filesystem::create_directories(output.parent_path(), error);
    if (error) {
      return SystemError(output.parent_path().string(), "cannot create directory", error.value());
    }
  }
  auto file = AtomicFile::Create(output);
  if (!file) return file.error();

  std::unique_ptr<struct archive, WriterDeleter> writer(library.archive_write_new(),
                                                        {library.archive_write_free});
  library.archive_write_add_filter_gzip(writer.get());
  // A null value turns the option off: no time stamp in the gzip header.
  library.archive_write_set_filter_option(writer.get(), "gzip", "timestamp", nullptr);
  library.archive_write_set_format_pax_restricted(writer.get());
  // Padding a compressed stream to a tape block only appends zeros after the gzip member.
  library.archive_write_set_bytes_in_last_block(writer.get(), 1);
  if (library.archive_write_open_fd(writer.get(), file->descriptor()) != ARCHIVE_OK) {
    return MakeError(ErrorCode::kIo, output.string(),
                     "cannot start the archive: " + LibraryMessage(library, writer.get()));
  }
  for (const TreeEntry& entry : *entries) {
    if (auto written = WriteEntry(library, writer.get(), directory, entry); !written)
      return written;
  }
  if (library.archive_write_close(writer.get()) != ARCHIVE_OK) {
    return MakeError(ErrorCode::kIo, output.string(),
                     "cannot finish the archive: " + LibraryMessage(library, writer.get()));
  }
  return file->Commit();
}

}  // namespace sluice

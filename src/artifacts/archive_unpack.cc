// Unpacking: every entry is checked against the destination before anything is written for it.
// Entries are written here rather than by archive_write_disk: its symlink check covers the whole
// path (so a destination below a linked directory would be refused), and it never checks where a
// link points, which is what keeps later readers inside the destination.
#include "artifacts/archive.h"
#include "artifacts/archive_library.h"
#include "artifacts/file_io.h"
#include "base/text.h"

#include <algorithm>
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

struct ReaderDeleter {
  decltype(&::archive_read_free) free;
  void operator()(struct archive* reader) const { free(reader); }
};
std::string LibraryMessage(const ArchiveLibrary& library, struct archive* handle) {
  const char* message = library.archive_error_string(handle);
  return message != nullptr ? message : "unknown libarchive error";
}

bool IsInside(const std::filesystem::path& path, const std::filesystem::path& directory) {
  const std::filesystem::path relative = path.lexically_relative(directory);
  return !relative.empty() && *relative.begin() != "..";
}

// Paths inside the archive, made relative and normalized: "./a//b/" -> "a/b"; "." -> "".
Result<std::string> NormalizedName(std::string_view name, std::string_view archive,
                                   std::string_view what) {
  if (name.starts_with('/')) {
    return InvalidArgument(std::string(archive), std::string(what) + " " + Quote(name) +
                                                     " is an absolute path; expected a path "
                                                     "relative to the archive's root");
  }
  std::string normalized;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view segment = name.substr(start, end - start);
    start = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      return InvalidArgument(std::string(archive), std::string(what) + " " + Quote(name) +
                                                       " has a \"..\" segment, which would "
                                                       "leave the destination directory");
    }
    if (!normalized.empty()) normalized += '/';
    normalized += segment;
  }
  return normalized;
}

// A link target that, resolved from the link's own directory, cannot leave the root: relative,
// with ".." only before any other segment and no more of them than the link is deep. Later ".."
// segments are refused because a segment before them may itself be a link.
bool IsContainedLinkTarget(std::string_view link_name, std::string_view target) {
  if (target.empty() || target.starts_with('/')) return false;
  size_t depth = 0;
  for (char c : link_name) depth += c == '/' ? 1 : 0;
  bool has_descended = false;
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    const std::string_view segment = target.substr(start, end - start);
    start = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment != "..") {
      has_descended = true;
      continue;
    }
    if (has_descended || depth == 0) return false;
    --depth;
  }
  return true;
}

class Extractor {
 public:
  Extractor(const ArchiveLibrary& library, const std::filesystem::path& archive,
            const std::filesystem::path& directory)
      : library_(library), archive_(archive.string()), directory_(directory) {}

  Result<void> Run();

 private:
  Error Refuse(std::string_view name, std::string message) const {
    return InvalidArgument(archive_, "entry " + Quote(name) + " " + std::move(message));
  }
  Error Failure(std::string_view name, std::string_view action, int error_number) const {
    return SystemError(archive_, "entry " + Quote(name) + ": " + std::string(action), error_number);
  }
  Result<void> PrepareParents(std::string_view name, std::string_view shown);
  Result<void> RemoveExisting(std::string_view name, std::string_view shown);
  Result<void> ExtractFile(struct archive* reader, const std::string& name, std::string_view shown,
                           mode_t mode);
  Result<void> ExtractLink(const std::string& name, std::string_view shown,
                           std::string_view target);
  Result<void> ExtractHardLink(const std::string& name, std::string_view shown,
                               std::string_view target);
  Result<void> ExtractDirectory(const std::string& name, std::string_view shown, mode_t mode);

  const ArchiveLibrary& library_;
  std::string archive_;
  std::filesystem::path directory_;
  std::filesystem::path canonical_directory_;
  // Applied last, deepest first, so a read-only directory can still be filled.
  std::vector<std::pair<std::filesystem::path, mode_t>> directory_modes_;
};

// Every directory above the entry must be a real directory below the root: never a link, which
// could lead anywhere.
Result<void> Extractor::PrepareParents(std::string_view name, std::string_view shown) {
  for (size_t slash = name.find('/'); slash != std::string_view::npos;
       slash = name.find('/', slash + 1)) {
    const std::string parent(name.substr(0, slash));
    const std::filesystem::path path = directory_ / parent;
    struct stat status;
    if (::lstat(path.c_str(), &status) != 0) {
      if (errno != ENOENT) return Failure(shown, "cannot inspect " + Quote(parent), errno);
      if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        return Failure(shown, "cannot create " + Quote(parent), errno);
      }
      continue;
    }
    if (S_ISLNK(status.st_mode)) {
      return Refuse(shown, "would be written through the symbolic link " + Quote(parent));
    }
    if (!S_ISDIR(status.st_mode)) {
      return MakeError(ErrorCode::kConflict, archive_,
                       "entry " + Quote(shown) + " needs " + Quote(parent) +
                           " to be a directory, but it is a file");
    }
  }
  return {};
}

// A later entry replaces an earlier one of the same name, as tar does, but never a directory.
Result<void> Extractor::RemoveExisting(std::string_view name, std::string_view shown) {
  const std::filesystem::path path = directory_ / name;
  struct stat status;
  if (::lstat(path.c_str(), &status) != 0) return {};
  if (S_ISDIR(status.st_mode)) {
    return MakeError(ErrorCode::kConflict, archive_,
                     "entry " + Quote(shown) + " would replace the directory " + Quote(name));
  }
  if (::unlink(path.c_str()) != 0) return Failure(shown, "cannot replace", errno);
  return {};
}

Result<void> Extractor::ExtractFile(struct archive* reader, const std::string& name,
                                    std::string_view shown, mode_t mode) {
  if (auto removed = RemoveExisting(name, shown); !removed) return removed;
  const std::filesystem::path path = directory_ / name;
  const int descriptor =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (descriptor < 0) return Failure(shown, "cannot create", errno);
  Result<void> outcome;
  off_t end = 0;
  while (true) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    const int status = library_.archive_read_data_block(reader, &block, &size, &offset);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      outcome =
          MakeError(ErrorCode::kIo, archive_,
                    "cannot read entry " + Quote(shown) + ": " + LibraryMessage(library_, reader));
      break;
    }
    // Offsets, not a running position, so sparse entries keep their holes.
    const char* bytes = static_cast<const char*>(block);
    while (size > 0) {
      const ssize_t written = ::pwrite(descriptor, bytes, size, offset);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) {
        outcome = Failure(shown, "cannot write", errno);
        break;
      }
      bytes += written;
      size -= static_cast<size_t>(written);
      offset += written;
    }
    if (!outcome) break;
    end = std::max<off_t>(end, offset);
  }
  if (outcome && ::ftruncate(descriptor, end) != 0) outcome = Failure(shown, "cannot write", errno);
  if (outcome && ::fchmod(descriptor, mode) != 0) {
    outcome = Failure(shown, "cannot set permissions", errno);
  }
  ::close(descriptor);
  return outcome;
}

Result<void> Extractor::ExtractLink(const std::string& name, std::string_view shown,
                                    std::string_view target) {
  const std::string refusal =
      "is a symbolic link to " + Quote(target) + ", which leaves the destination directory";
  if (!IsContainedLinkTarget(name, target)) return Refuse(shown, refusal);
  // Links already in the directory (it need not be empty) are followed as the kernel would.
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(
      (directory_ / name).parent_path() / std::string(target), error);
  if (error || (resolved != canonical_directory_ && !IsInside(resolved, canonical_directory_))) {
    return Refuse(shown, refusal);
  }
  if (auto removed = RemoveExisting(name, shown); !removed) return removed;
  if (::symlink(std::string(target).c_str(), (directory_ / name).c_str()) != 0) {
    return Failure(shown, "cannot create the symbolic link", errno);
  }
  return {};
}

Result<void> Extractor::ExtractHardLink(const std::string& name, std::string_view shown,
                                        std::string_view target) {
  auto normalized = NormalizedName(target, archive_, "hard link target");
  if (!normalized) {
    return Refuse(
        shown, "is a hard link to " + Quote(target) + ", which leaves the destination directory");
  }
  if (auto parents = PrepareParents(*normalized, shown); !parents) return parents;
  struct stat status;
  const std::filesystem::path source = directory_ / *normalized;
  if (normalized->empty() || ::lstat(source.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
    return Refuse(
        shown, "is a hard link to " + Quote(target) + ", which is not a file extracted before it");
  }
  if (auto removed = RemoveExisting(name, shown); !removed) return removed;
  if (::link(source.c_str(), (directory_ / name).c_str()) != 0) {
    return Failure(shown, "cannot create the hard link", errno);
  }
  return {};
}

Result<void> Extractor::ExtractDirectory(const std::string& name, std::string_view shown,
                                         mode_t mode) {
  const std::filesystem::path path = directory_ / name;
  if (::mkdir(path.c_str(), 0700) != 0) {
    struct stat status;
    if (errno != EEXIST) return Failure(shown, "cannot create", errno);
    if (::lstat(path.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
      return MakeError(ErrorCode::kConflict, archive_,
                       "entry " + Quote(shown) + " is a directory, but " + Quote(name) +
                           " already exists as something else");
    }
  }
  directory_modes_.emplace_back(path, mode);
  return {};
}

std::string_view KindName(mode_t file_type) {
  switch (file_type) {
    case AE_IFCHR:
      return "a character device";
    case AE_IFBLK:
      return "a block device";
    case AE_IFIFO:
      return "a FIFO";
    case AE_IFSOCK:
      return "a socket";
    default:
      return "of an unknown type";
  }
}

Result<void> Extractor::Run() {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) return SystemError(directory_.string(), "cannot create directory", error.value());
  canonical_directory_ = std::filesystem::canonical(directory_, error);
  if (error) return SystemError(directory_.string(), "cannot resolve", error.value());

  std::unique_ptr<struct archive, ReaderDeleter> reader(library_.archive_read_new(),
                                                        {library_.archive_read_free});
  library_.archive_read_support_filter_gzip(reader.get());
  library_.archive_read_support_format_tar(reader.get());
  if (library_.archive_read_open_filename(reader.get(), archive_.c_str(), kBlockSize) !=
      ARCHIVE_OK) {
    const int error_number = library_.archive_errno(reader.get());
    if (error_number == ENOENT) return SystemError(archive_, "cannot open", ENOENT);
    return MakeError(ErrorCode::kInvalidArgument, archive_,
                     "cannot open as a tar.gz archive: " + LibraryMessage(library_, reader.get()));
  }
  while (true) {
    archive_entry* entry = nullptr;
    const int status = library_.archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      return MakeError(ErrorCode::kInvalidArgument, archive_,
                       "cannot read the archive: " + LibraryMessage(library_, reader.get()));
    }
    const char* raw_name = library_.archive_entry_pathname(entry);
    const std::string shown = raw_name != nullptr ? raw_name : "";
    auto name = NormalizedName(shown, archive_, "entry");
    if (!name) return name.error();
    const mode_t mode = library_.archive_entry_perm(entry) & 0777;
    const char* hard_link = library_.archive_entry_hardlink(entry);
    const mode_t file_type = library_.archive_entry_filetype(entry);
    if (name->empty()) {
      if (file_type == AE_IFDIR) continue;
      return Refuse(shown, "has no name below the archive's root");
    }
    Result<void> extracted;
    if (auto parents = PrepareParents(*name, shown); !parents) return parents;
    if (hard_link != nullptr) {
      extracted = ExtractHardLink(*name, shown, hard_link);
    } else if (file_type == AE_IFREG) {
      extracted = ExtractFile(reader.get(), *name, shown, mode);
    } else if (file_type == AE_IFDIR) {
      extracted = ExtractDirectory(*name, shown, mode);
    } else if (file_type == AE_IFLNK) {
      const char* target = library_.archive_entry_symlink(entry);
      extracted = ExtractLink(*name, shown, target != nullptr ? target : "");
    } else {
      extracted = Refuse(shown, "is " + std::string(KindName(file_type)) +
                                    "; expected a file, a directory or a symbolic link");
    }
    if (!extracted) return extracted;
  }
  for (auto it = directory_modes_.rbegin(); it != directory_modes_.rend(); ++it) {
    if (::chmod(it->first.c_str(), it->second) != 0) {
      return SystemError(it->first.string(), "cannot set permissions", errno);
    }
  }
  return {};
}

}  // namespace

Result<void> UnpackTarGz(const std::filesystem::path& archive,
                         const std::filesystem::path& directory) {
  auto library = OpenArchiveLibrary();
  if (!library) return library.error();
  return Extractor(**library, archive, directory).Run();
}

}  // namespace sluice

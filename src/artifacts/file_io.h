// File-system building blocks shared by the local artifact store and the archive code: files
// that appear complete or not at all, error values from errno, and a sorted walk of a tree.
// Everything here is stateless and safe to call from several threads at once.
#pragma once

#include "base/durability.h"
#include "base/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Names of files still being written start with this. They live beside their destination (so the
// final rename stays on one file system), and listings skip them; keys may not use the prefix.
inline constexpr std::string_view kPartialFilePrefix = ".sluice-partial-";

// An error for a failed system call: `where` is the path, the message "<action>: <reason>".
// ENOENT becomes kNotFound, everything else kIo.
Error SystemError(std::string where, std::string_view action, int error_number);

// A file written under a temporary name beside `destination`. Commit() syncs it, renames it onto
// the destination and syncs the directory, so a reader sees the old content or the new one and a
// crash never leaves a truncated destination. Dropping an uncommitted file removes the temporary.
// The destination's directory must exist. Not thread-safe; one writer per instance.
class AtomicFile {
 public:
  // With kProcessCrash, Commit() renames without syncing: the content is complete in the kernel's
  // cache, which outlives any process, and the rename is still atomic.
  static Result<AtomicFile> Create(const std::filesystem::path& destination,
                                   Durability durability = Durability::kMachineCrash);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // The open descriptor, for writers that produce the content themselves (libarchive).
  int descriptor() const { return descriptor_; }
  Result<void> Write(std::string_view bytes);
  // Copies the whole of `source` (a regular file) into this file.
  Result<void> CopyFrom(const std::filesystem::path& source);
  // Requires: called at most once. Afterwards the instance owns nothing.
  Result<void> Commit();

 private:
  AtomicFile(std::filesystem::path destination, std::filesystem::path temporary, int descriptor,
             Durability durability);
  void Discard();

  std::filesystem::path destination_;
  std::filesystem::path temporary_;
  int descriptor_ = -1;
  Durability durability_ = Durability::kMachineCrash;
};

Result<std::string> ReadWholeFile(const std::filesystem::path& file);

// What a walk found at a relative path. Symbolic links are reported, never followed.
enum class EntryKind { kFile, kDirectory, kSymlink, kOther };

struct TreeEntry {
  std::string relative_path;  // '/'-separated, relative to the walked directory
  EntryKind kind = EntryKind::kOther;
};

// Every entry below `directory` (not the directory itself), sorted by relative path in byte order,
// so a directory always precedes its contents. Partially written files are left out.
Result<std::vector<TreeEntry>> WalkTree(const std::filesystem::path& directory);

}  // namespace sluice

#include "artifacts/local_artifact_store.h"

#include "artifacts/file_io.h"
#include "artifacts/object_location.h"
#include "artifacts/sha256.h"
#include "base/text.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sluice {
namespace {

// File times advance in kernel ticks of a few milliseconds, so a file changed twice within one
// tick keeps its times; Git calls such an entry "racily clean". Two seconds also covers file
// systems with coarse timestamps.
constexpr std::chrono::seconds kUnsettledWindow(2);

Error Conflict(std::string_view where, std::string message) {
  return MakeError(ErrorCode::kConflict, std::string(where), std::move(message));
}

Error At(Error error, std::string_view where) {
  error.where = std::string(where);
  return error;
}

int64_t Nanoseconds(const timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

TimePoint ToTimePoint(const timespec& time) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(Nanoseconds(time))));
}

bool IsDirectory(const std::filesystem::path& path) {
  struct stat status;
  return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

Error Missing(const ObjectLocation& location, std::string_view uri) {
  if (!location.is_host_file && !IsDirectory(location.base)) {
    return NotFound(std::string(uri), "no such bucket " + Quote(location.bucket));
  }
  return NotFound(std::string(uri), "no such object");
}

Error NoMatches(const ObjectLocation& prefix, std::string_view uri) {
  if (!prefix.is_host_file && !IsDirectory(prefix.base)) return Missing(prefix, uri);
  if (prefix.key.empty()) {
    return NotFound(std::string(uri), "bucket " + Quote(prefix.bucket) + " holds no objects");
  }
  return NotFound(std::string(uri), "no object " + prefix.Noun() + "starts with " +
                                        Quote(prefix.Display(prefix.key)));
}

Error PrefixIsNotAnObject(const ObjectLocation& location, std::string_view uri) {
  return NotFound(std::string(uri), "no such object; " +
                                        Quote(location.Display(location.key) + "/") +
                                        " is a prefix of other objects");
}

Result<void> CheckIsObject(const struct stat& status, const ObjectLocation& location,
                           std::string_view uri) {
  if (S_ISDIR(status.st_mode)) return PrefixIsNotAnObject(location, uri);
  if (!S_ISREG(status.st_mode)) {
    return InvalidArgument(std::string(uri), "expected a regular file, found a special file");
  }
  return {};
}

Result<struct stat> StatObject(const ObjectLocation& location, std::string_view uri) {
  struct stat status;
  if (::stat(location.Path().c_str(), &status) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Missing(location, uri);
    return SystemError(std::string(uri), "cannot inspect", errno);
  }
  if (auto checked = CheckIsObject(status, location, uri); !checked) return checked.error();
  return status;
}

// The first ancestor of `key` (as a key) that exists but is not a directory.
std::optional<std::string> BlockingAncestor(const ObjectLocation& location) {
  for (size_t slash = location.key.find('/'); slash != std::string::npos;
       slash = location.key.find('/', slash + 1)) {
    std::string ancestor = location.key.substr(0, slash);
    struct stat status;
    if (::stat((location.base / ancestor).c_str(), &status) != 0) return std::nullopt;
    if (!S_ISDIR(status.st_mode)) return ancestor;
  }
  return std::nullopt;
}

Error AncestorConflict(const ObjectLocation& location, std::string_view uri,
                       const std::string& ancestor) {
  return Conflict(uri, Quote(location.Display(ancestor)) + " is an object, so no " +
                           location.Noun() + "can continue below it (a file cannot also be a " +
                           "directory)");
}

Error PrefixConflict(const ObjectLocation& location, std::string_view uri) {
  return Conflict(uri, "objects exist under " + Quote(location.Display(location.key) + "/") +
                           ", so it cannot also be an object (a directory cannot also be a file)");
}

Result<AtomicFile> OpenObjectForWrite(const ObjectLocation& location, std::string_view uri,
                                      Durability durability) {
  if (auto ancestor = BlockingAncestor(location)) return AncestorConflict(location, uri, *ancestor);
  const std::filesystem::path path = location.Path();
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    // Another writer may have stored an object at an ancestor since the check above.
    if (auto ancestor = BlockingAncestor(location)) {
      return AncestorConflict(location, uri, *ancestor);
    }
    return SystemError(std::string(uri), "cannot create the directories above it", error.value());
  }
  if (IsDirectory(path)) return PrefixConflict(location, uri);
  auto file = AtomicFile::Create(path, durability);
  if (!file) return At(std::move(file).error(), uri);
  return file;
}

Result<void> CommitObject(AtomicFile& file, const ObjectLocation& location, std::string_view uri) {
  auto committed = file.Commit();
  if (committed) return {};
  if (IsDirectory(location.Path())) return PrefixConflict(location, uri);
  return At(std::move(committed).error(), uri);
}

// Where an object matched by a prefix lands below the download directory (see the header).
std::string DownloadPath(std::string_view prefix_key, std::string_view key) {
  if (key == prefix_key) {
    const size_t slash = key.rfind('/');
    return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
  }
  if (prefix_key.empty() || prefix_key.ends_with('/')) {
    return std::string(key.substr(prefix_key.size()));
  }
  if (key[prefix_key.size()] == '/') return std::string(key.substr(prefix_key.size() + 1));
  const size_t slash = prefix_key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

// Two objects must not land on one local path, nor one on a directory another needs.
Result<void> CheckDownloadPaths(const std::map<std::string, std::string>& uri_by_path,
                                std::string_view uri) {
  for (const auto& [path, object_uri] : uri_by_path) {
    auto below = uri_by_path.lower_bound(path + "/");
    if (below != uri_by_path.end() && below->first.starts_with(path + "/")) {
      return Conflict(uri, "object " + Quote(object_uri) + " would be downloaded to " +
                               Quote(path) + ", which object " + Quote(below->second) +
                               " needs as a directory");
    }
  }
  return {};
}

Result<void> CopyToLocalFile(const std::filesystem::path& source,
                             const std::filesystem::path& destination, Durability durability) {
  std::error_code error;
  std::filesystem::create_directories(destination.parent_path(), error);
  if (error) {
    return SystemError(destination.parent_path().string(), "cannot create directory",
                       error.value());
  }
  if (IsDirectory(destination)) {
    return Conflict(destination.string(), "expected to write a file here, found a directory");
  }
  auto file = AtomicFile::Create(destination, durability);
  if (!file) return file.error();
  if (auto copied = file->CopyFrom(source); !copied) return copied.error();
  return file->Commit();
}

// Keys below the prefix's directory whose first segment there starts with the prefix's last
// segment, so only the directories that can match are walked.
Result<std::vector<std::string>> MatchingKeys(const ObjectLocation& prefix, std::string_view uri) {
  const size_t slash = prefix.key.rfind('/');
  const std::string directory_part =
      slash == std::string::npos ? std::string() : prefix.key.substr(0, slash + 1);
  const std::string name_part = prefix.key.substr(directory_part.size());
  const std::filesystem::path directory = prefix.base / directory_part;
  std::vector<std::string> keys;
  std::error_code error;
  std::filesystem::directory_iterator entries(directory, error);
  if (error) {
    if (error.value() == ENOENT || error.value() == ENOTDIR) return NoMatches(prefix, uri);
    return SystemError(std::string(uri), "cannot list", error.value());
  }
  for (; entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    const std::string name = entries->path().filename().string();
    if (!name.starts_with(name_part) || name.starts_with(kPartialFilePrefix)) continue;
    std::error_code status_error;
    const std::filesystem::file_status status = entries->symlink_status(status_error);
    if (status_error) return SystemError(std::string(uri), "cannot list", status_error.value());
    const std::string key = directory_part + name;
    if (std::filesystem::is_regular_file(status)) {
      keys.push_back(key);
    } else if (std::filesystem::is_directory(status)) {
      auto tree = WalkTree(entries->path());
      if (!tree) return At(std::move(tree).error(), uri);
      for (const TreeEntry& entry : *tree) {
        if (entry.kind == EntryKind::kFile) keys.push_back(key + "/" + entry.relative_path);
      }
    }
  }
  if (error) return SystemError(std::string(uri), "cannot list", error.value());
  if (keys.empty()) return NoMatches(prefix, uri);
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

LocalArtifactStore::LocalArtifactStore(std::filesystem::path root, const Clock& clock,
                                       Durability durability)
    : root_(std::move(root)), clock_(clock), durability_(durability) {}

Result<void> LocalArtifactStore::Upload(const std::filesystem::path& local, std::string_view uri) {
  struct stat status;
  if (::stat(local.c_str(), &status) != 0) {
    return SystemError(local.string(), "cannot upload", errno);
  }
  auto prefix = LocateUri(root_, uri, UriUse::kPrefix);
  if (!prefix) return prefix.error();
  std::vector<std::pair<std::string, std::filesystem::path>> uploads;
  if (S_ISREG(status.st_mode)) {
    std::string key = prefix->key;
    // As "aws s3 cp": a destination that names a folder receives the file under its own name.
    if (key.empty() || key.ends_with('/')) key += local.filename().string();
    uploads.emplace_back(prefix->UriOf(key), local);
  } else if (S_ISDIR(status.st_mode)) {
    auto tree = WalkTree(local);
    if (!tree) return tree.error();
    std::string key_prefix = prefix->key;
    if (!key_prefix.empty() && !key_prefix.ends_with('/')) key_prefix += '/';
    for (const TreeEntry& entry : *tree) {
      if (entry.kind != EntryKind::kFile) continue;
      uploads.emplace_back(prefix->UriOf(key_prefix + entry.relative_path),
                           local / entry.relative_path);
    }
  } else {
    return InvalidArgument(local.string(), "expected a regular file or a directory to upload");
  }
  // Refuse a bad name before copying anything, so a failed upload rarely leaves a partial tree.
  std::vector<ObjectLocation> locations;
  for (const auto& [object_uri, source] : uploads) {
    auto location = LocateUri(root_, object_uri, UriUse::kObject);
    if (!location) return location.error();
    locations.push_back(std::move(*location));
  }
  for (size_t i = 0; i < uploads.size(); ++i) {
    auto file = OpenObjectForWrite(locations[i], uploads[i].first, durability_);
    if (!file) return file.error();
    if (auto copied = file->CopyFrom(uploads[i].second); !copied) return copied.error();
    if (auto committed = CommitObject(*file, locations[i], uploads[i].first); !committed) {
      return committed;
    }
  }
  return {};
}

Result<void> LocalArtifactStore::Download(std::string_view uri,
                                          const std::filesystem::path& local) {
  auto prefix = LocateUri(root_, uri, UriUse::kPrefix);
  if (!prefix) return prefix.error();
  auto keys = MatchingKeys(*prefix, uri);
  if (!keys) return keys.error();
  std::map<std::string, std::string> uri_by_path;
  for (const std::string& key : *keys) {
    const std::string path = DownloadPath(prefix->key, key);
    auto [existing, is_new] = uri_by_path.emplace(path, prefix->UriOf(key));
    if (!is_new) {
      return Conflict(uri, "objects " + Quote(existing->second) + " and " +
                               Quote(prefix->UriOf(key)) + " would both be downloaded to " +
                               Quote(path));
    }
  }
  if (auto checked = CheckDownloadPaths(uri_by_path, uri); !checked) return checked;
  for (const std::string& key : *keys) {
    const std::filesystem::path destination = local / DownloadPath(prefix->key, key);
    if (auto copied = CopyToLocalFile(prefix->base / key, destination, durability_); !copied)
      return copied;
  }
  return {};
}

Result<ObjectInfo> LocalArtifactStore::Stat(std::string_view uri) {
  auto location = LocateUri(root_, uri, UriUse::kObject);
  if (!location) return location.error();
  auto status = StatObject(*location, uri);
  if (!status) return status.error();
  return ObjectInfo{std::string(uri), static_cast<uint64_t>(status->st_size),
                    ToTimePoint(status->st_mtim)};
}

Result<std::vector<ObjectInfo>> LocalArtifactStore::List(std::string_view prefix) {
  auto location = LocateUri(root_, prefix, UriUse::kPrefix);
  if (!location) return location.error();
  auto keys = MatchingKeys(*location, prefix);
  if (!keys) return keys.error();
  std::vector<ObjectInfo> objects;
  objects.reserve(keys->size());
  for (const std::string& key : *keys) {
    const std::string object_uri = location->UriOf(key);
    struct stat status;
    if (::stat((location->base / key).c_str(), &status) != 0) {
      return SystemError(object_uri, "cannot inspect", errno);
    }
    objects.push_back(
        ObjectInfo{object_uri, static_cast<uint64_t>(status.st_size), ToTimePoint(status.st_mtim)});
  }
  return objects;
}

Result<std::string> LocalArtifactStore::ReadObject(std::string_view uri) {
  auto location = LocateUri(root_, uri, UriUse::kObject);
  if (!location) return location.error();
  if (auto status = StatObject(*location, uri); !status) return status.error();
  auto contents = ReadWholeFile(location->Path());
  if (!contents) return At(std::move(contents).error(), uri);
  return contents;
}

Result<void> LocalArtifactStore::WriteObject(std::string_view uri, std::string_view contents) {
  auto location = LocateUri(root_, uri, UriUse::kObject);
  if (!location) return location.error();
  auto file = OpenObjectForWrite(*location, uri, durability_);
  if (!file) return file.error();
  if (auto written = file->Write(contents); !written) return At(std::move(written).error(), uri);
  return CommitObject(*file, *location, uri);
}

Result<std::string> LocalArtifactStore::Digest(std::string_view uri) {
  auto location = LocateUri(root_, uri, UriUse::kObject);
  if (!location) return location.error();
  const std::string path = location->Path().string();
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Missing(*location, uri);
    return SystemError(std::string(uri), "cannot open", errno);
  }
  struct Closer {
    int descriptor;
    ~Closer() { ::close(descriptor); }
  } closer{descriptor};

  auto identity_of = [&](FileIdentity& identity) -> Result<void> {
    struct stat status;
    if (::fstat(descriptor, &status) != 0) {
      return SystemError(std::string(uri), "cannot inspect", errno);
    }
    if (auto checked = CheckIsObject(status, *location, uri); !checked) return checked;
    identity = FileIdentity{status.st_dev, status.st_ino, status.st_size,
                            Nanoseconds(status.st_mtim), Nanoseconds(status.st_ctim)};
    return {};
  };
  FileIdentity before;
  if (auto known = identity_of(before); !known) return known.error();
  {
    std::lock_guard lock(digest_mutex_);
    if (auto cached = digests_.find(path);
        cached != digests_.end() && cached->second.identity == before) {
      return cached->second.sha256;
    }
  }
  auto digest = Sha256HexOfDescriptor(descriptor, uri);
  if (!digest) return digest.error();
  FileIdentity after;
  const bool is_unchanged = identity_of(after).has_value() && after == before;
  const TimePoint changed(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(before.changed_ns)));
  const bool is_settled = clock_.Now() - changed >= kUnsettledWindow;
  if (is_unchanged && is_settled) {
    std::lock_guard lock(digest_mutex_);
    digests_[path] = CachedDigest{before, *digest};
  }
  return digest;
}

}  // namespace sluice

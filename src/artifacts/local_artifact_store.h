// ArtifactStore on the local file system, so pipelines run with no cloud account: the object
// "s3://bucket/key" is the file <root>/<bucket>/<key>, and "file:///abs/path" is the host file
// /abs/path itself (read in place; writes to it are allowed too).
//
// Semantics, following S3 where a file system allows it:
// - A prefix is a plain key prefix: "s3://b/train" matches "train.csv", "train/part1" and
//   "training/x". Download places an object whose key equals the prefix at local/<base name>, an
//   object below "<prefix>/" at its key after that, and one that only shares the start of its
//   last segment ("train.csv") at its key after the prefix's last "/", so no name is cut in two.
// - Keys must be plain relative paths (no "." or "..", no empty segments); anything else is
//   refused, so no URI reaches outside its bucket's directory.
// - An object "a/b" and objects under "a/b/" cannot both exist (one would be a file, the other a
//   directory of the same name); writing either when the other exists fails with kConflict.
// - Writes go to a temporary file in the destination's directory, which is synced and renamed into
//   place: readers see the old object or the new one, and a crash leaves no truncated object.
// - Walking a tree (List, Download of a prefix, Upload of a directory) skips symbolic links.
//
// The store owns no files beyond what it writes, keeps no state but a digest cache, and is safe to
// call from several threads at once.
#pragma once

#include "artifacts/artifact_store.h"
#include "base/clock.h"
#include "base/durability.h"

#include <mutex>
#include <string>
#include <sys/types.h>
#include <unordered_map>

namespace sluice {

class LocalArtifactStore final : public ArtifactStore {
 public:
  // `root` is the state directory's objects/ folder; it and the bucket directories are created as
  // objects are written. `clock` must outlive the store: digests of files changed within the
  // last seconds are not cached, since a second change in the same timestamp tick would go unseen.
  LocalArtifactStore(std::filesystem::path root, const Clock& clock,
                     Durability durability = Durability::kMachineCrash);

  Result<void> Upload(const std::filesystem::path& local, std::string_view uri) override;
  Result<void> Download(std::string_view uri, const std::filesystem::path& local) override;
  Result<ObjectInfo> Stat(std::string_view uri) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<std::string> ReadObject(std::string_view uri) override;
  Result<void> WriteObject(std::string_view uri, std::string_view contents) override;
  Result<std::string> Digest(std::string_view uri) override;

 private:
  // A digest is reused only while the file is provably the one that was hashed.
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t modified_ns = 0;
    int64_t changed_ns = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  struct CachedDigest {
    FileIdentity identity;
    std::string sha256;
  };

  std::filesystem::path root_;
  const Clock& clock_;
  Durability durability_;
  std::mutex digest_mutex_;
  std::unordered_map<std::string, CachedDigest> digests_;  // by file path; guarded by the mutex
};

}  // namespace sluice

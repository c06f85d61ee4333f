// Where step inputs and outputs live: objects addressed by "s3://bucket/key" URIs (and
// "file:///abs/path" URIs for data already on the host). A prefix URI names every object whose
// key starts with it, as S3's S3Prefix data type does.
//
// All calls block (they copy files); the engine runs them on its worker pool. Implementations are
// safe to call from several threads at once.
#pragma once

#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct ObjectInfo {
  std::string uri;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // Copies a local file to the object `uri`, or a local directory tree to the objects under the
  // prefix `uri` (relative paths become the rest of each key). Symlinks are not followed.
  virtual Result<void> Upload(const std::filesystem::path& local, std::string_view uri) = 0;

  // Copies the object `uri`, or every object under the prefix `uri`, into the directory `local`.
  // An object whose key equals the prefix lands as local/<its base name>; the others keep their
  // key below the prefix ("s3://b/data" with key "data/x/a.csv" -> local/x/a.csv), or, when they
  // only share the start of the prefix's last segment, their key below the prefix's folder
  // ("s3://b/data" with key "data2/y" -> local/data2/y). Fails with kNotFound when nothing
  // matches, and with kConflict when two objects would land on one local path.
  virtual Result<void> Download(std::string_view uri, const std::filesystem::path& local) = 0;

  virtual Result<ObjectInfo> Stat(std::string_view uri) = 0;
  // Every object under the prefix, sorted by URI. Fails with kNotFound when nothing matches.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  virtual Result<std::string> ReadObject(std::string_view uri) = 0;
  virtual Result<void> WriteObject(std::string_view uri, std::string_view contents) = 0;

  // Hex SHA-256 of an object's content (cache keys compare inputs by content, not by name).
  virtual Result<std::string> Digest(std::string_view uri) = 0;
};

// "s3://bucket/key" -> {"bucket", "key"}; errors name the URI and what was expected.
struct S3Location {
  std::string bucket;
  std::string key;
};
Result<S3Location> ParseS3Uri(std::string_view uri);

}  // namespace sluice

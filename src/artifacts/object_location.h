// Where an "s3://bucket/key" or "file:///abs/path" URI lives on the local file system. Keys
// become relative file paths, so only keys that are plain paths are accepted: no "." or ".."
// segments, no empty segments, nothing that could leave the bucket's directory. Pure and
// thread-safe.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace sluice {

// Whether a URI names one object or a key prefix. A prefix may end in "/" and its last segment
// may be partial ("s3://b/train" matches "train.csv").
enum class UriUse { kObject, kPrefix };

struct ObjectLocation {
  bool is_host_file = false;   // a file:// URI: the key is an absolute path without its "/"
  std::string bucket;          // empty for file:// URIs
  std::filesystem::path base;  // the bucket's directory, or "/"
  std::string uri_base;        // "s3://bucket/" or "file:///"; uri_base + key is the URI
  std::string key;             // '/'-separated, relative to `base`

  std::filesystem::path Path() const { return base / key; }
  std::string UriOf(std::string_view key_below_base) const {
    return uri_base + std::string(key_below_base);
  }
  // The key as messages show it: "data/x.csv" for S3, "/data/x.csv" for host files.
  std::string Display(std::string_view key_below_base) const {
    std::string shown = is_host_file ? "/" : "";
    shown += key_below_base;
    return shown;
  }
  // "key " or "path ", to start a message about the key.
  std::string Noun() const { return is_host_file ? "path " : "key "; }
};

// Requires nothing of the file system; `root` is where buckets live.
Result<ObjectLocation> LocateUri(const std::filesystem::path& root, std::string_view uri,
                                 UriUse use);

}  // namespace sluice

#include "artifacts/object_location.h"

#include "artifacts/artifact_store.h"
#include "artifacts/file_io.h"
#include "base/text.h"

namespace sluice {
namespace {

constexpr std::string_view kFileScheme = "file://";
constexpr size_t kMaxFileNameBytes = 255;

// What is wrong with one '/'-separated segment of a key, or "" when it can be a file name.
std::string SegmentProblem(std::string_view segment) {
  if (segment.empty()) return "an empty segment";
  if (segment == ".") return "a \".\" segment";
  if (segment == "..") return "a \"..\" segment";
  if (segment.find('\0') != std::string_view::npos) return "a NUL character";
  if (segment.starts_with(kPartialFilePrefix)) {
    return "a segment starting with " + Quote(kPartialFilePrefix) +
           ", which names files still being written";
  }
  if (segment.size() > kMaxFileNameBytes) {
    return "a segment of " + std::to_string(segment.size()) +
           " bytes, longer than a file name may be (255)";
  }
  return "";
}

// Checks every segment; for a prefix the last segment is only a string to match names against.
Result<void> CheckKey(const ObjectLocation& location, std::string_view uri, UriUse use) {
  std::string_view rest = location.key;
  while (true) {
    const size_t slash = rest.find('/');
    const bool is_last = slash == std::string_view::npos;
    const std::string_view segment = rest.substr(0, slash);
    if (is_last && use == UriUse::kPrefix) {
      if (segment.find('\0') == std::string_view::npos) return {};
    }
    if (std::string problem = SegmentProblem(segment); !problem.empty()) {
      std::string message = location.Noun();
      message += Quote(location.Display(location.key)) + " has " + problem + "; ";
      message += location.is_host_file
                     ? "expected a normalized absolute path"
                     : "expected \"/\"-separated file names that stay below the bucket";
      return InvalidArgument(std::string(uri), std::move(message));
    }
    if (is_last) return {};
    rest.remove_prefix(slash + 1);
  }
}

Result<ObjectLocation> LocateHostFile(std::string_view uri) {
  const std::string_view path = uri.substr(kFileScheme.size());
  if (!path.starts_with('/')) {
    return InvalidArgument(std::string(uri),
                           "expected \"file:///\" followed by an absolute path, with no host name");
  }
  ObjectLocation location;
  location.is_host_file = true;
  location.base = "/";
  location.uri_base = "file:///";
  location.key = std::string(path.substr(1));
  return location;
}

}  // namespace

Result<ObjectLocation> LocateUri(const std::filesystem::path& root, std::string_view uri,
                                 UriUse use) {
  Result<ObjectLocation> location = ObjectLocation();
  if (uri.starts_with(kFileScheme)) {
    location = LocateHostFile(uri);
  } else if (uri.starts_with("s3://")) {
    auto parsed = ParseS3Uri(uri);
    if (!parsed) return parsed.error();
    ObjectLocation s3;
    s3.bucket = parsed->bucket;
    s3.base = root / parsed->bucket;
    s3.uri_base = "s3://" + parsed->bucket + "/";
    s3.key = std::move(parsed->key);
    location = std::move(s3);
  } else {
    return InvalidArgument(std::string(uri),
                           "expected an \"s3://bucket/key\" or \"file:///absolute/path\" URI");
  }
  if (!location) return location;
  // Listing or copying the whole host file system is never what a pipeline means.
  if (location->is_host_file && location->key.empty()) {
    return InvalidArgument(std::string(uri), "expected a path below \"/\"");
  }
  if (use == UriUse::kObject) {
    if (location->key.empty()) {
      return InvalidArgument(std::string(uri), "expected an object key after the bucket name");
    }
    if (location->key.ends_with('/')) {
      std::string message = location->Noun();
      message += Quote(location->Display(location->key));
      message += " ends with \"/\", which names a folder, not an object";
      return InvalidArgument(std::string(uri), std::move(message));
    }
  }
  if (!location->key.empty()) {
    if (auto checked = CheckKey(*location, uri, use); !checked) return checked.error();
  }
  return location;
}

}  // namespace sluice

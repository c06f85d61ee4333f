// Bucket names follow S3's rules for general purpose buckets, so a pipeline that runs here is not
// refused later by S3 itself; keys are only limited in length, as S3 limits them.
#include "artifacts/artifact_store.h"
#include "base/text.h"

#include <array>
#include <cctype>

namespace sluice {
namespace {

constexpr std::string_view kScheme = "s3://";
constexpr size_t kMaxKeyBytes = 1024;

bool IsLowercaseLetterOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Four dot-separated groups of digits, as "192.168.5.4"; S3 refuses such names.
bool LooksLikeIpAddress(std::string_view name) {
  int groups = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view group = name.substr(start, end - start);
    if (group.empty() || group.size() > 3) return false;
    for (char c : group) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    ++groups;
    start = end + 1;
  }
  return groups == 4;
}

// The problem with a bucket name, or "" when S3 would accept it.
std::string BucketNameProblem(std::string_view name) {
  const std::string quoted = "bucket name " + Quote(name);
  if (name.size() < 3 || name.size() > 63) {
    return quoted + " is " + std::to_string(name.size()) +
           " characters long; expected 3 to 63 characters";
  }
  for (char c : name) {
    if (!IsLowercaseLetterOrDigit(c) && c != '.' && c != '-') {
      return quoted + " contains " + Quote(std::string_view(&c, 1)) +
             "; expected only lowercase letters, digits, \".\" and \"-\"";
    }
  }
  if (!IsLowercaseLetterOrDigit(name.front()) || !IsLowercaseLetterOrDigit(name.back())) {
    return quoted + " must begin and end with a lowercase letter or a digit";
  }
  if (name.find("..") != std::string_view::npos) {
    return quoted + " contains two adjacent periods";
  }
  if (LooksLikeIpAddress(name)) return quoted + " is formatted as an IP address";
  for (std::string_view prefix : std::array<std::string_view, 2>{"xn--", "sthree-"}) {
    if (name.starts_with(prefix)) {
      return quoted + " begins with " + Quote(prefix) + ", which S3 reserves";
    }
  }
  for (std::string_view suffix : std::array<std::string_view, 2>{"-s3alias", "--ol-s3"}) {
    if (name.ends_with(suffix))
      return quoted + " ends with " + Quote(suffix) + ", which S3 reserves";
  }
  return "";
}

}  // namespace

Result<S3Location> ParseS3Uri(std::string_view uri) {
  if (!uri.starts_with(kScheme)) {
    return InvalidArgument(std::string(uri), "expected a URI of the form \"s3://bucket/key\"");
  }
  const std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) {
    return InvalidArgument(std::string(uri), "expected a bucket name after \"s3://\"");
  }
  if (std::string problem = BucketNameProblem(bucket); !problem.empty()) {
    return InvalidArgument(std::string(uri), std::move(problem));
  }
  const std::string_view key =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (key.size() > kMaxKeyBytes) {
    return InvalidArgument(std::string(uri), "the key is " + std::to_string(key.size()) +
                                                 " bytes long; S3 allows at most 1024");
  }
  return S3Location{std::string(bucket), std::string(key)};
}

}  // namespace sluice

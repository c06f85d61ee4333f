#include "steps/container_contract.h"

#include "artifacts/artifact_store.h"
#include "base/text.h"
#include "base/time_format.h"
#include "base/unique_fd.h"
#include "definition/json.h"
#include "steps/host_files.h"
#include "steps/step_handler.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <unistd.h>

namespace sluice {
namespace {

constexpr std::string_view kMlRoot = "/opt/ml";

bool IsUnderMlRoot(std::string_view path) {
  return path == kMlRoot || (path.substr(0, kMlRoot.size()) == kMlRoot &&
                             path.size() > kMlRoot.size() && path[kMlRoot.size()] == '/');
}

}  // namespace

Result<std::filesystem::path> MlLayout::OnHost(std::string_view job_path,
                                               std::string_view where) const {
  if (!IsUnderMlRoot(job_path)) {
    return InvalidArgument(std::string(where),
                           "expected a path under /opt/ml, got " + Quote(job_path));
  }
  std::string_view rest = job_path.substr(kMlRoot.size());
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  std::filesystem::path relative(rest);
  for (const auto& part : relative) {
    if (part == "..") {
      return InvalidArgument(
          std::string(where),
          "expected a path under /opt/ml without \"..\", got " + Quote(job_path));
    }
  }
  return host_root_ / relative;
}

std::string MlLayout::InJob(std::string_view job_path) const {
  return is_isolated() ? std::string(job_path) : Remap(job_path);
}

std::string MlLayout::Remap(std::string_view text) const {
  if (is_isolated()) return std::string(text);
  std::string result(text);
  const std::string host = host_root_.string();
  // Rewrite "/opt/ml" where it starts a path: at the beginning or after '=' or ':'.
  size_t position = 0;
  while ((position = result.find(kMlRoot, position)) != std::string::npos) {
    const bool starts_path = position == 0 || result[position - 1] == '=' ||
                             result[position - 1] == ':' || result[position - 1] == ' ';
    const size_t end = position + kMlRoot.size();
    const bool ends_segment = end == result.size() || result[end] == '/';
    if (starts_path && ends_segment) {
      result.replace(position, kMlRoot.size(), host);
      position += host.size();
    } else {
      position = end;
    }
  }
  return result;
}

void SetVariable(Environment& environment, std::string name, std::string value) {
  for (auto& [existing, existing_value] : environment) {
    if (existing == name) {
      existing_value = std::move(value);
      return;
    }
  }
  environment.emplace_back(std::move(name), std::move(value));
}

const Value* MemberAt(const Value& document, std::initializer_list<std::string_view> path) {
  const Value* current = &document;
  for (std::string_view key : path) {
    current = current->Find(key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::string StringAt(const Value& document, std::initializer_list<std::string_view> path,
                     std::string fallback) {
  const Value* found = MemberAt(document, path);
  if (found == nullptr || found->is_null()) return fallback;
  return TextOf(*found);
}

std::string TextOf(const Value& value) {
  return value.is_string() ? value.as_string() : RenderForJoin(value);
}

std::vector<std::string> TextsOf(const Value* list) {
  std::vector<std::string> items;
  if (list == nullptr || !list->is_list()) return items;
  for (const Value& item : list->as_list()) items.push_back(TextOf(item));
  return items;
}

Result<void> WriteJsonFile(const std::filesystem::path& file, const Value& value) {
  return WriteWholeFile(file, WriteJson(value, 2) + "\n");
}

std::string ReadFileHead(const std::filesystem::path& file, size_t limit) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::string ReadLogTail(const std::filesystem::path& file, size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    // Sluice's own notes are not the job's output.
    if (line.rfind("[sluice] ", 0) == 0) continue;
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string text;
  for (const std::string& kept : tail) text += kept + "\n";
  return text;
}

void AppendToLog(const std::filesystem::path& log_file, std::string_view line) {
  AppendToLog(log_file, std::vector<std::string>{std::string(line)});
}

void AppendToLog(const std::filesystem::path& log_file, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "[sluice] " + line + "\n";
  // O_APPEND: the job and its launcher write into the same log; a note must not overwrite them.
  UniqueFd out(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666));
  if (!out) return;  // the log is for people; a step does not fail for want of a note in it
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t written = ::write(out.get(), rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    rest.remove_prefix(static_cast<size_t>(written));
  }
}

std::string ResourceArn(const ExecutionIdentity& execution, std::string_view resource,
                        std::string_view name) {
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "arn:aws:sagemaker:" + execution.region + ":" + execution.account + ":" +
         std::string(resource) + "/" + lowered;
}

Result<void> StageInput(ArtifactStore& artifacts, std::string_view uri,
                        const std::filesystem::path& directory, std::string_view where) {
  if (auto made = MakeDirectories(directory); !made) {
    Error failure = made.error();
    failure.message = "cannot create the input directory: " + failure.message;
    return failure;
  }
  if (auto downloaded = artifacts.Download(uri, directory); !downloaded) {
    Error failure = downloaded.error();
    failure.where = std::string(where);
    failure.message = "cannot stage input " + Quote(uri) + ": " + downloaded.error().message;
    return failure;
  }
  return {};
}

JobFailure ClassifyJobEnd(const JobResult& job, std::string_view failure_text,
                          std::string_view error_kind, const std::filesystem::path& log_file) {
  JobFailure failure;
  auto starts_with = [&](std::string_view prefix) {
    return failure_text.substr(0, prefix.size()) == prefix;
  };
  std::string text(failure_text.substr(0, 1024));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  switch (job.outcome) {
    case JobResult::Outcome::kExited:
      if (job.exit_status == 0) return failure;
      if (starts_with("CapacityError")) {
        failure.failure_class = FailureClass::kCapacityError;
      } else if (starts_with("ResourceLimitExceeded")) {
        failure.failure_class = FailureClass::kResourceLimit;
      } else if (starts_with("InternalServerError")) {
        failure.failure_class = FailureClass::kJobInternalError;
      } else {
        failure.failure_class = FailureClass::kClientError;
      }
      if (text.empty()) {
        std::string tail = ReadLogTail(log_file, 5);
        while (!tail.empty() && tail.back() == '\n') tail.pop_back();
        text = std::string(error_kind) + ": the job exited with status " +
               std::to_string(job.exit_status) + (tail.empty() ? "" : "; last output:\n" + tail);
      }
      failure.reason = text;
      return failure;
    case JobResult::Outcome::kSignaled:
      failure.failure_class = FailureClass::kJobInternalError;
      failure.reason = text.empty() ? "InternalServerError: the job was killed by signal " +
                                          std::to_string(job.signal)
                                    : text;
      return failure;
    case JobResult::Outcome::kStopped:
      failure.failure_class = FailureClass::kNone;
      failure.reason = "Stopped on request";
      return failure;
    case JobResult::Outcome::kTimedOut:
      failure.failure_class = FailureClass::kClientError;
      failure.reason = "MaxRuntimeExceeded: the job ran past StoppingCondition.MaxRuntimeInSeconds";
      return failure;
    case JobResult::Outcome::kLaunchFailed:
      failure.failure_class = FailureClass::kServiceFault;
      failure.reason = "the job could not be started: " + job.message;
      return failure;
  }
  return failure;
}

FailureClass ClassOfArtifactError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kIo:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      return FailureClass::kServiceFault;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return FailureClass::kClientError;
  }
  return FailureClass::kClientError;
}

std::string FormatTime(TimePoint time) { return FormatIsoTime(time); }

std::string JobNameFor(std::string_view execution_id, std::string_view step_name, int64_t attempt) {
  std::string step;
  for (char c : step_name) {
    const unsigned char u = static_cast<unsigned char>(c);
    step += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  const std::string seed =
      std::string(execution_id) + "/" + std::string(step_name) + "/" + std::to_string(attempt);
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
  for (unsigned char c : seed) hash = (hash ^ c) * 1099511628211ULL;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string suffix;
  for (int i = 0; i < 10; ++i) {
    suffix += kAlphabet[hash % 36];
    hash /= 36;
    if (hash == 0) hash = 1469598103934665603ULL ^ static_cast<uint64_t>(i);
  }
  std::string prefix = "pipelines-" + std::string(execution_id) + "-";
  const size_t room = 63 - prefix.size() - 1 - suffix.size();
  if (step.size() > room) step.resize(room);
  return prefix + step + "-" + suffix;
}

}  // namespace sluice

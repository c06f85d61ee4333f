#include "executors/run_directory.h"

#include "base/text.h"
#include "base/unique_fd.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace sluice {
namespace {

using Json = nlohmann::json;

Error FileError(const std::filesystem::path& file, std::string_view doing, int error_number) {
  return MakeError(ErrorCode::kIo, Quote(file.string()),
                   std::string(doing) + ": " + std::strerror(error_number));
}

Result<void> WriteAll(int fd, const std::string& contents, const std::filesystem::path& file) {
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t count = ::write(fd, contents.data() + written, contents.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      return FileError(file, "cannot write", errno);
    }
    written += static_cast<size_t>(count);
  }
  return {};
}

Result<void> SyncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError(directory, "cannot open", errno);
  const int synced = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  if (synced != 0) return FileError(directory, "cannot fsync", error_number);
  return {};
}

// The rest of `fd`, with read(2): an ifstream's set-up costs several times the read of a record
// this small, and its filebuf throws on a failed read. Nothing when a read fails (errno says why).
std::optional<std::string> ReadRest(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) return text;
    text.append(buffer, static_cast<size_t>(got));
  }
}

// Nothing when the file does not exist, or when it is empty and `is_empty_none`.
Result<std::optional<Json>> ReadJsonFile(const std::filesystem::path& file,
                                         bool is_empty_none = false) {
  const UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    if (errno == ENOENT) return std::optional<Json>();
    return FileError(file, "cannot open", errno);
  }
  const std::optional<std::string> text = ReadRest(in.get());
  if (!text) return FileError(file, "cannot read", errno);
  if (text->empty() && is_empty_none) return std::optional<Json>();
  Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(ErrorCode::kIo, Quote(file.string()), "not a JSON object");
  }
  return std::optional<Json>(std::move(json));
}

// Reads the fields of one record, keeping the first problem, so that a record is checked whole
// before any of it is used.
class FieldReader {
 public:
  FieldReader(const Json& json, const std::filesystem::path& file) : json_(json), file_(file) {}

  int64_t Integer(const char* name) {
    const Json* field = Find(name);
    if (field == nullptr) return 0;
    if (!field->is_number_integer()) {
      WrongType(name);
      return 0;
    }
    return field->get<int64_t>();
  }
  bool Boolean(const char* name) {
    const Json* field = Find(name);
    if (field == nullptr) return false;
    if (!field->is_boolean()) {
      WrongType(name);
      return false;
    }
    return field->get<bool>();
  }
  std::string Text(const char* name) {
    const Json* field = Find(name);
    if (field == nullptr) return {};
    if (!field->is_string()) {
      WrongType(name);
      return std::string();
    }
    return field->get<std::string>();
  }
  void Fail(std::string message) {
    if (!problem_) problem_ = MakeError(ErrorCode::kIo, Quote(file_.string()), std::move(message));
  }
  const std::optional<Error>& problem() const { return problem_; }

 private:
  const Json* Find(const char* name) {
    const auto found = json_.find(name);
    if (found != json_.end()) return &*found;
    Fail(std::string("no field ") + name);
    return nullptr;
  }
  void WrongType(const char* name) { Fail(std::string("field ") + name + " has the wrong type"); }

  const Json& json_;
  const std::filesystem::path& file_;
  std::optional<Error> problem_;
};

constexpr std::string_view EndRequestName(EndRequest request) {
  switch (request) {
    case EndRequest::kNone:
      return "none";
    case EndRequest::kStop:
      return "stop";
    case EndRequest::kTimeout:
      return "timeout";
    case EndRequest::kAbandon:
      return "abandon";
  }
  return "none";
}

std::optional<EndRequest> EndRequestFromName(std::string_view name) {
  for (EndRequest request :
       {EndRequest::kNone, EndRequest::kStop, EndRequest::kTimeout, EndRequest::kAbandon}) {
    if (EndRequestName(request) == name) return request;
  }
  return std::nullopt;
}

int64_t MillisecondsOf(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point TimeOf(int64_t milliseconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(milliseconds)));
}

}  // namespace

Result<void> WriteFileAtomically(const std::filesystem::path& directory, const std::string& name,
                                 const std::string& contents, Durability durability) {
  const std::filesystem::path file = directory / name;
  const std::filesystem::path temporary = directory / (name + ".partial");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(temporary, "cannot create", errno);
  Result<void> written = WriteAll(fd, contents, temporary);
  const bool is_synced = durability == Durability::kMachineCrash;
  if (written && is_synced && ::fsync(fd) != 0) {
    written = FileError(temporary, "cannot fsync", errno);
  }
  ::close(fd);
  if (!written) return written;
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    return FileError(file, "cannot rename into place", errno);
  }
  // The rename is durable only once the directory entry is.
  if (!is_synced) return {};
  return SyncDirectory(directory);
}

Result<void> WriteLauncherRecord(int lock, const std::filesystem::path& run_directory,
                                 const LauncherRecord& record, Durability durability) {
  const std::filesystem::path file = run_directory / kLauncherFileName;
  Json json = {{"pid", record.process_id}, {"start_time", record.process_start_time}};
  if (record.supervised_job != 0) json["supervised_job"] = record.supervised_job;
  if (Result<void> written = WriteAll(lock, json.dump() + "\n", file); !written) return written;
  if (durability == Durability::kMachineCrash && ::fsync(lock) != 0) {
    return FileError(file, "cannot fsync", errno);
  }
  return {};
}

Result<std::optional<LauncherRecord>> ReadLauncherRecord(
    const std::filesystem::path& run_directory) {
  const std::filesystem::path file = run_directory / kLauncherFileName;
  auto json = ReadJsonFile(file, /*is_empty_none=*/true);
  if (!json) return json.error();
  if (!*json) return std::optional<LauncherRecord>();
  FieldReader fields(**json, file);
  LauncherRecord record{
      .process_id = fields.Integer("pid"),
      .process_start_time = fields.Integer("start_time"),
      .supervised_job = (*json)->contains("supervised_job") ? fields.Integer("supervised_job") : 0};
  if (fields.problem()) return *fields.problem();
  return std::optional<LauncherRecord>(record);
}

std::string ExitRecordText(const ExitRecord& record) {
  Json json = {
      {"exit_status", record.exit_status},
      {"signal", record.signal},
      {"end_request", std::string(EndRequestName(record.end_request))},
      {"was_killed", record.was_killed},
      {"grace_period_ms", record.grace_period.count()},
      {"max_runtime_s", record.max_runtime.count()},
      {"started_ms", MillisecondsOf(record.started)},
      {"ended_ms", MillisecondsOf(record.ended)},
  };
  if (record.launch_error) json["launch_error"] = *record.launch_error;
  return json.dump() + "\n";
}

Result<void> WriteExitRecord(const std::filesystem::path& run_directory, const ExitRecord& record,
                             Durability durability) {
  return WriteExitRecordText(run_directory, ExitRecordText(record), durability);
}

Result<void> WriteExitRecordText(const std::filesystem::path& run_directory,
                                 const std::string& text, Durability durability) {
  return WriteFileAtomically(run_directory, kExitFileName, text, durability);
}

namespace {

Result<ExitRecord> ExitRecordOf(const Json& json, const std::filesystem::path& file) {
  FieldReader fields(json, file);
  ExitRecord record;
  if (json.contains("launch_error")) record.launch_error = fields.Text("launch_error");
  record.exit_status = static_cast<int>(fields.Integer("exit_status"));
  record.signal = static_cast<int>(fields.Integer("signal"));
  const std::string end_request = fields.Text("end_request");
  record.was_killed = fields.Boolean("was_killed");
  record.grace_period = std::chrono::milliseconds(fields.Integer("grace_period_ms"));
  record.max_runtime = std::chrono::seconds(fields.Integer("max_runtime_s"));
  record.started = TimeOf(fields.Integer("started_ms"));
  record.ended = TimeOf(fields.Integer("ended_ms"));
  const std::optional<EndRequest> request = EndRequestFromName(end_request);
  if (request) {
    record.end_request = *request;
  } else {
    fields.Fail("unknown end_request " + Quote(end_request));
  }
  if (fields.problem()) return *fields.problem();
  return record;
}

}  // namespace

Result<std::optional<ExitRecord>> ReadExitRecord(const std::filesystem::path& run_directory) {
  const std::filesystem::path file = run_directory / kExitFileName;
  auto json = ReadJsonFile(file);
  if (!json) return json.error();
  if (!*json) return std::optional<ExitRecord>();
  auto record = ExitRecordOf(**json, file);
  if (!record) return record.error();
  return std::optional<ExitRecord>(std::move(*record));
}

Result<ExitRecord> ParseExitRecord(std::string_view text,
                                   const std::filesystem::path& run_directory) {
  const std::filesystem::path file = run_directory / kExitFileName;
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(ErrorCode::kIo, Quote(file.string()), "not a JSON object");
  }
  return ExitRecordOf(json, file);
}

std::optional<int64_t> ProcessStartTime(pid_t pid) {
  // The process may end and be reaped between the open and the read, which then fails (ESRCH).
  const UniqueFd file(
      open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return std::nullopt;
  const std::optional<std::string> contents = ReadRest(file.get());
  if (!contents) return std::nullopt;
  const std::string& text = *contents;
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses,
  // so the fields are counted from the last ')'.
  const size_t name_end = text.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 1));
  std::string field;
  // Field 3 (the state) comes first; the start time is field 22.
  for (int number = 3; number < 22; ++number) {
    if (!(fields >> field)) return std::nullopt;
  }
  int64_t start_time = 0;
  if (!(fields >> start_time)) return std::nullopt;
  return start_time;
}

}  // namespace sluice

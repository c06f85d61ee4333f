#include "steps/function_map.h"

#include "base/text.h"
#include "definition/json.h"
#include "runtimes/runtime_map.h"

#include <fstream>
#include <sstream>

namespace sluice {
namespace {

std::string EscapePointerToken(std::string_view token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace

Result<FunctionMap> FunctionMap::Parse(std::string_view text, std::string_view file_name) {
  auto parsed = ParseJson(text, file_name);
  if (!parsed) return parsed.error();
  const std::string file(file_name);
  if (!parsed->is_map()) {
    return InvalidArgument(file,
                           "expected an object mapping function ARN patterns to "
                           "{\"command\": [...]} or {\"url\": \"...\"}, got " +
                               parsed->Describe());
  }
  FunctionMap map;
  for (const Member& entry : parsed->as_map()) {
    const std::string where = file + ": /" + EscapePointerToken(entry.key);
    if (!entry.value.is_map()) {
      return InvalidArgument(where, "expected {\"command\": [...]} or {\"url\": \"...\"}, got " +
                                        entry.value.Describe());
    }
    FunctionTarget target{entry.key, {}, "", where};
    const Value* command = entry.value.Find("command");
    const Value* url = entry.value.Find("url");
    if ((command == nullptr) == (url == nullptr)) {
      return InvalidArgument(where, "expected exactly one of \"command\" and \"url\"");
    }
    for (const Member& member : entry.value.as_map()) {
      if (member.key != "command" && member.key != "url") {
        return InvalidArgument(
            where + "/" + EscapePointerToken(member.key),
            "unknown key " + Quote(member.key) + " (expected \"command\" or \"url\")");
      }
    }
    if (command != nullptr) {
      if (!command->is_list() || command->as_list().empty()) {
        return InvalidArgument(
            where + "/command",
            "expected a non-empty list of strings (the argv), got " + command->Describe());
      }
      for (size_t i = 0; i < command->as_list().size(); ++i) {
        const Value& argument = command->as_list()[i];
        if (!argument.is_string()) {
          return InvalidArgument(where + "/command/" + std::to_string(i),
                                 "expected a string, got " + argument.Describe());
        }
        target.command.push_back(argument.as_string());
      }
    } else {
      if (!url->is_string() || (url->as_string().rfind("http://", 0) != 0 &&
                                url->as_string().rfind("https://", 0) != 0)) {
        return InvalidArgument(where + "/url",
                               "expected an http:// or https:// URL, got " + url->Describe());
      }
      target.url = url->as_string();
    }
    map.targets_.push_back(std::move(target));
  }
  return map;
}

Result<FunctionMap> FunctionMap::LoadIfPresent(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) return FunctionMap{};
    return MakeError(ErrorCode::kUnavailable, file.string(), "cannot read the function map");
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), file.string());
}

const FunctionTarget* FunctionMap::Find(std::string_view arn) const {
  for (const FunctionTarget& target : targets_) {
    if (MatchesImagePattern(target.arn_pattern, arn)) return &target;
  }
  return nullptr;
}

}  // namespace sluice

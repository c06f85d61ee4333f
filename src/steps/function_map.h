// The function map: where a Lambda step's FunctionArn runs on a machine without AWS Lambda.
// `functions.json` in the state directory is a JSON object whose keys are ARN globs (the image
// patterns of runtimes/runtime_map.h: `*` any run of characters, `?` one) and whose values say
// how to invoke the function:
//
//   {"arn:aws:lambda:*:*:function:my-fn": {"command": ["python3", "fn.py"]},
//    "arn:aws:lambda:*:*:function:remote-*": {"url": "http://127.0.0.1:9000/invoke"}}
//
// Keys are tried in written order; the first glob that matches the whole ARN wins. A command
// gets the event JSON on stdin and prints the result object on stdout; a URL gets the event
// POSTed and answers with the result object.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct FunctionTarget {
  std::string arn_pattern;
  std::vector<std::string> command;  // argv; empty when `url` is set
  std::string url;
  std::string location;  // "functions.json: /arn:...", for messages
};

class FunctionMap {
 public:
  // Errors name the file, the JSON location and what was expected.
  static Result<FunctionMap> Parse(std::string_view text, std::string_view file_name);
  // A file that does not exist is an empty map.
  static Result<FunctionMap> LoadIfPresent(const std::filesystem::path& file);

  // The first entry whose pattern matches `arn`, or nullptr.
  const FunctionTarget* Find(std::string_view arn) const;
  const std::vector<FunctionTarget>& targets() const { return targets_; }

 private:
  std::vector<FunctionTarget> targets_;
};

}  // namespace sluice

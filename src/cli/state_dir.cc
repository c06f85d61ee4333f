#include "cli/state_dir.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sluice {

std::filesystem::path ResolveStateDir(const std::string& flag) {
  if (!flag.empty()) return std::filesystem::absolute(flag);
  if (const char* home = std::getenv("SLUICE_HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::absolute(home);
  }
  return std::filesystem::absolute(".sluice");
}

Result<void> EnsureStateDir(const std::filesystem::path& state) {
  std::error_code error;
  std::filesystem::create_directories(ObjectsPath(state), error);
  if (error) {
    return MakeError(ErrorCode::kIo, state.string(),
                     "cannot create the state directory: " + error.message());
  }
  return {};
}

Result<std::string> ReadTextFile(const std::string& file) {
  std::ifstream stream;
  std::istream* input = &std::cin;
  if (file != "-") {
    stream.open(file, std::ios::binary);
    if (!stream) return MakeError(ErrorCode::kNotFound, file, "cannot open the file");
    input = &stream;
  }
  std::ostringstream contents;
  contents << input->rdbuf();
  if (input->bad()) return MakeError(ErrorCode::kIo, file, "cannot read the file");
  return contents.str();
}

}  // namespace sluice

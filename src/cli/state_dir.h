// Where a Sluice installation keeps its state: one directory (`--state-dir`, else $SLUICE_HOME,
// else ./.sluice) holding the metadata store (sluice.db), the local object store (objects/),
// execution work directories and logs (executions/), created resources (resources/), the
// optional image runtime map (runtimes.json) and whether bubblewrap worked since the last boot
// (bubblewrap-usable).
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string>

namespace sluice {

std::filesystem::path ResolveStateDir(const std::string& flag);

inline std::filesystem::path DatabasePath(const std::filesystem::path& state) {
  return state / "sluice.db";
}
inline std::filesystem::path ObjectsPath(const std::filesystem::path& state) {
  return state / "objects";
}
inline std::filesystem::path BubblewrapVerdictPath(const std::filesystem::path& state) {
  return state / "bubblewrap-usable";
}

Result<void> EnsureStateDir(const std::filesystem::path& state);

Result<std::string> ReadTextFile(const std::string& file);

}  // namespace sluice

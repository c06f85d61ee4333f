// Creating an attempt's directories and files on the host with few system calls: a step makes
// about five directories and five files, and for a short job that set-up is a large part of what
// the engine does per step. Both functions report failures as errors; neither throws.
#pragma once

#include "base/result.h"

#include <filesystem>
#include <string_view>

namespace sluice {

// Like `mkdir -p`, but from the leaf up: one mkdir when the parent exists (the usual case), and
// a walk up only on ENOENT. An existing directory is fine; an existing non-directory is an error.
Result<void> MakeDirectories(const std::filesystem::path& directory);

// Writes `text` as the whole content of `file` (created or truncated) with one open, write and
// close; the parent directories are made only when the open says they are missing.
Result<void> WriteWholeFile(const std::filesystem::path& file, std::string_view text);

}  // namespace sluice

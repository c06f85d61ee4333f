// Files the cross-module suites read: the shared fixtures beside the checkout
// (SLUICE_SHARED_DIR) and the data kept in this folder (SLUICE_TESTS_DIR).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::testing {

std::filesystem::path SharedDir();
std::filesystem::path TestsDir();

// The whole file, byte for byte; empty when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// The files directly in `directory` whose names end in `extension` (".json"), sorted by name.
std::vector<std::filesystem::path> FilesIn(const std::filesystem::path& directory,
                                           std::string_view extension);

}  // namespace sluice::testing

#include "test_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sluice::testing {

std::filesystem::path SharedDir() { return SLUICE_SHARED_DIR; }

std::filesystem::path TestsDir() { return SLUICE_TESTS_DIR; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

std::vector<std::filesystem::path> FilesIn(const std::filesystem::path& directory,
                                           std::string_view extension) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace sluice::testing

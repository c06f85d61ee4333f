#include "invalid_corpus.h"

#include "test_files.h"
#include <sstream>

namespace sluice::testing {

std::filesystem::path InvalidCorpusDir() { return TestsDir() / "invalid"; }

std::filesystem::path ExpectedFileOf(const std::filesystem::path& definition) {
  return std::filesystem::path(definition).replace_extension(".expected");
}

std::vector<InvalidCase> InvalidCases() {
  std::vector<InvalidCase> cases;
  for (const auto& file : FilesIn(InvalidCorpusDir(), ".json")) {
    cases.push_back(InvalidCase{file, ReadFile(file), Lines(ReadFile(ExpectedFileOf(file)))});
  }
  return cases;
}

std::vector<std::string> ReportLines(const CompileOutcome& outcome) {
  std::vector<std::string> lines;
  for (const Error& error : outcome.errors) lines.push_back("error: " + error.ToString());
  for (const Error& warning : outcome.warnings) lines.push_back("warning: " + warning.ToString());
  return lines;
}

size_t CountErrors(const std::vector<std::string>& report) {
  size_t count = 0;
  for (const std::string& line : report) count += line.rfind("error: ", 0) == 0 ? 1 : 0;
  return count;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

}  // namespace sluice::testing

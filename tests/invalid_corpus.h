// The invalid-definitions corpus in tests/invalid (see its README.md): NNN-name.json with the
// report NNN-name.expected that refusing it must produce.
#pragma once

#include "graph/compiled_pipeline.h"

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::testing {

struct InvalidCase {
  std::filesystem::path file;
  std::string text;
  std::vector<std::string> expected;  // "error: WHERE: MESSAGE" or "warning: WHERE: MESSAGE"
};

std::filesystem::path InvalidCorpusDir();
std::vector<InvalidCase> InvalidCases();
std::filesystem::path ExpectedFileOf(const std::filesystem::path& definition);

// The report as the CLI prints it after "FILE: ": errors first, then warnings.
std::vector<std::string> ReportLines(const CompileOutcome& outcome);
size_t CountErrors(const std::vector<std::string>& report);

std::vector<std::string> Lines(const std::string& text);

}  // namespace sluice::testing

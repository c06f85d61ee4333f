// The invalid-definitions corpus (tests/invalid, see its README.md) through Compile(): each
// NNN-name.json is refused with exactly the report in NNN-name.expected, every error at a place
// that exists in the definition; and the inline size limit, which warns rather than refuses.
#include "base/text.h"
#include "definition/json.h"
#include "definition/parser.h"
#include "graph/compiled_pipeline.h"

#include <gtest/gtest.h>

#include "invalid_corpus.h"
#include "test_files.h"
#include <charconv>
#include <filesystem>

namespace sluice {
namespace {

using testing::CountErrors;
using testing::ExpectedFileOf;
using testing::InvalidCase;
using testing::InvalidCases;
using testing::InvalidCorpusDir;
using testing::Lines;
using testing::ReportLines;

constexpr size_t kMinimumCases = 40;

TEST(InvalidDefinitions, EveryCaseHasAnExpectedReportWithAnError) {
  const std::vector<InvalidCase> cases = InvalidCases();
  ASSERT_GE(cases.size(), kMinimumCases) << "the corpus is read from " << InvalidCorpusDir();
  for (const InvalidCase& test : cases) {
    SCOPED_TRACE(test.file.filename().string());
    EXPECT_TRUE(std::filesystem::exists(ExpectedFileOf(test.file)));
    EXPECT_GE(CountErrors(test.expected), 1u);
  }
  for (const auto& expected : testing::FilesIn(InvalidCorpusDir(), ".expected")) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(expected).replace_extension(".json")))
        << expected.filename() << " has no definition beside it";
  }
}

TEST(InvalidDefinitions, CompileReportsExactlyTheExpectedErrorsAndWarnings) {
  for (const InvalidCase& test : InvalidCases()) {
    SCOPED_TRACE(test.file.filename().string());
    CompileOutcome outcome = Compile(test.text);
    EXPECT_FALSE(outcome.pipeline);
    EXPECT_EQ(Join(ReportLines(outcome), "\n"), Join(test.expected, "\n"));
  }
}

// The value at a JSON Pointer (RFC 6901), or nullptr when the pointer leads nowhere.
const Value* Resolve(const Value& document, const std::string& pointer) {
  const Value* current = &document;
  size_t start = 1;
  while (current != nullptr && start <= pointer.size()) {
    const size_t end = std::min(pointer.find('/', start), pointer.size());
    std::string token;  // unescaped: "~1" is "/", "~0" is "~"
    for (size_t k = start; k < end; ++k) {
      if (pointer[k] == '~' && k + 1 < end) {
        token += pointer[++k] == '1' ? '/' : '~';
      } else {
        token += pointer[k];
      }
    }
    if (current->is_map()) {
      current = current->Find(token);
    } else if (current->is_list()) {
      size_t index = 0;
      auto [rest, problem] = std::from_chars(token.data(), token.data() + token.size(), index);
      const bool is_index = problem == std::errc() && rest == token.data() + token.size();
      current =
          is_index && index < current->as_list().size() ? &current->as_list()[index] : nullptr;
    } else {
      current = nullptr;
    }
    start = end + 1;
  }
  return current;
}

// "LINE:COLUMN" inside the text (the column may be one past the line's end, where a missing
// token was expected).
bool IsPositionInText(const std::string& where, const std::string& text) {
  size_t line = 0, column = 0;
  const char* colon = std::find(where.data(), where.data() + where.size(), ':');
  if (std::from_chars(where.data(), colon, line).ec != std::errc() ||
      colon == where.data() + where.size() ||
      std::from_chars(colon + 1, where.data() + where.size(), column).ec != std::errc()) {
    return false;
  }
  const std::vector<std::string> lines = Lines(text);
  if (line == 0 || column == 0) return false;
  // The end of a text that ends with a line break (or is empty) is the start of the next line.
  if (line == lines.size() + 1) return column == 1 && (text.empty() || text.back() == '\n');
  return line <= lines.size() && column <= lines[line - 1].size() + 1;
}

TEST(InvalidDefinitions, EveryErrorPointsAtAPlaceInTheDefinition) {
  for (const InvalidCase& test : InvalidCases()) {
    SCOPED_TRACE(test.file.filename().string());
    CompileOutcome outcome = Compile(test.text);
    Result<Value> document = ParseJson(test.text);
    for (const Error& error : outcome.errors) {
      if (error.where.empty()) continue;  // the document as a whole
      if (error.where.front() == '/') {
        ASSERT_TRUE(document.has_value()) << error.ToString();
        EXPECT_NE(Resolve(*document, error.where), nullptr)
            << error.where << " is not a location in the definition";
      } else {
        EXPECT_FALSE(document.has_value());
        EXPECT_TRUE(IsPositionInText(error.where, test.text))
            << error.where << " is not a line and column of the text";
      }
    }
  }
}

// A definition of exactly `size` characters: one Fail step whose message pads it out.
std::string DefinitionOfSize(size_t size, std::string_view depends_on = "") {
  const std::string head =
      R"({"Version": "2020-12-01", "Steps": [{"Name": "Stop", "Type": "Fail", )" +
      std::string(depends_on) + R"("Arguments": {"ErrorMessage": ")";
  const std::string tail = R"("}}]})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

std::string OversizeWarning(size_t size) {
  return "warning: the definition is " + std::to_string(size) +
         " characters, more than SageMaker's inline limit of 1,048,576; create the pipeline with "
         "PipelineDefinitionS3Location";
}

TEST(OversizedDefinition, OneCharacterPastTheInlineLimitIsAWarningNotAnError) {
  CompileOutcome at_limit = Compile(DefinitionOfSize(kMaxDefinitionSize));
  EXPECT_TRUE(at_limit.pipeline);
  EXPECT_EQ(ReportLines(at_limit), std::vector<std::string>{});

  CompileOutcome past_limit = Compile(DefinitionOfSize(kMaxDefinitionSize + 1));
  EXPECT_TRUE(past_limit.pipeline);
  EXPECT_EQ(ReportLines(past_limit),
            std::vector<std::string>{OversizeWarning(kMaxDefinitionSize + 1)});
}

TEST(OversizedDefinition, ErrorsAreStillReportedBesideTheSizeWarning) {
  const size_t size = 2 * kMaxDefinitionSize;
  CompileOutcome outcome = Compile(DefinitionOfSize(size, R"("DependsOn": ["Prepare"], )"));
  EXPECT_FALSE(outcome.pipeline);
  EXPECT_EQ(ReportLines(outcome),
            (std::vector<std::string>{
                "error: /Steps/0/DependsOn/0: step \"Stop\" depends on \"Prepare\", which is "
                "not a step",
                OversizeWarning(size)}));
}

}  // namespace
}  // namespace sluice

// The `sluice` binary as a user runs it: on the shared SDK fixtures, `validate` and
// `definition normalize` print what the library computes; on the invalid-definitions corpus,
// `validate` exits 2 with exactly the expected report, in text and in JSON.
#include "base/text.h"
#include "definition/json.h"
#include "definition/writer.h"
#include "graph/compiled_pipeline.h"

#include <gtest/gtest.h>

#include "invalid_corpus.h"
#include "run_command.h"
#include "test_files.h"
#include <fstream>
#include <unistd.h>

namespace sluice {
namespace {

using testing::CountErrors;
using testing::FilesIn;
using testing::InvalidCase;
using testing::InvalidCases;
using testing::ReadFile;
using testing::RunCommand;
using testing::SharedDir;

constexpr auto kCommandTimeout = std::chrono::seconds(60);

std::vector<std::filesystem::path> SdkFixtures() {
  return FilesIn(SharedDir() / "fixtures" / "sdk", ".json");
}

TEST(ValidateCommand, AcceptsEverySdkFixtureAndCountsItsStepsAndEdges) {
  const auto files = SdkFixtures();
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    CompileOutcome outcome = Compile(ReadFile(file));
    ASSERT_TRUE(outcome.pipeline);
    auto result = RunCommand({SLUICE_BINARY, "validate", file.string()}, kCommandTimeout);
    ASSERT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.standard_output,
              file.string() + ": valid (" +
                  std::to_string(outcome.pipeline->definition.steps.size()) + " steps, " +
                  std::to_string(outcome.pipeline->dag.edge_count()) + " edges)\n");
    EXPECT_EQ(result.standard_error.find(": error: "), std::string::npos) << result.standard_error;
  }
}

// OpenSSL is loaded on first use (docs/adr/0009): a command that takes no digest and sends no
// request does not pay for loading it. The dynamic loader's own report says what it loaded.
TEST(ValidateCommand, StartsWithoutLoadingOpenSsl) {
  const auto files = SdkFixtures();
  ASSERT_FALSE(files.empty());
  auto result = RunCommand(
      {"/usr/bin/env", "LD_DEBUG=libs", SLUICE_BINARY, "validate", files.front().string()},
      kCommandTimeout);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.standard_error;
  ASSERT_NE(result.standard_error.find("libsqlite3.so"), std::string::npos)
      << "the loader reported no libraries: " << result.standard_error;
  EXPECT_EQ(result.standard_error.find("libcrypto.so"), std::string::npos);
  EXPECT_EQ(result.standard_error.find("libssl.so"), std::string::npos);
}

TEST(NormalizeCommand, PrintsTheNormalizedDefinitionWhichNormalizesToItself) {
  const std::filesystem::path again = std::filesystem::temp_directory_path() /
                                      ("sluice-normalized-" + std::to_string(getpid()) + ".json");
  for (const auto& file : SdkFixtures()) {
    SCOPED_TRACE(file.filename().string());
    CompileOutcome outcome = Compile(ReadFile(file));
    ASSERT_TRUE(outcome.pipeline);
    auto first =
        RunCommand({SLUICE_BINARY, "definition", "normalize", file.string()}, kCommandTimeout);
    ASSERT_FALSE(first.timed_out);
    EXPECT_EQ(first.exit_code, 0);
    EXPECT_EQ(first.standard_output, WriteDefinition(outcome.pipeline->definition) + "\n");
    std::ofstream(again, std::ios::binary) << first.standard_output;
    auto second =
        RunCommand({SLUICE_BINARY, "definition", "normalize", again.string()}, kCommandTimeout);
    EXPECT_EQ(second.exit_code, 0);
    EXPECT_EQ(second.standard_output, first.standard_output);
  }
  std::filesystem::remove(again);
}

TEST(ValidateCommand, RefusesEveryInvalidDefinitionWithExitCodeTwoAndItsReport) {
  for (const InvalidCase& test : InvalidCases()) {
    SCOPED_TRACE(test.file.filename().string());
    const std::string file = test.file.string();
    auto result = RunCommand({SLUICE_BINARY, "validate", file}, kCommandTimeout);
    ASSERT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.standard_output, "");
    std::string expected;
    for (const std::string& line : test.expected) expected += file + ": " + line + "\n";
    const size_t errors = CountErrors(test.expected);
    expected += file + ": invalid (" + std::to_string(errors) +
                (errors == 1 ? " error" : " errors") + ")\n";
    EXPECT_EQ(result.standard_error, expected);
  }
}

TEST(ValidateCommand, JsonOutputCarriesTheSameLocationsAndMessages) {
  for (const InvalidCase& test : InvalidCases()) {
    SCOPED_TRACE(test.file.filename().string());
    auto result = RunCommand({SLUICE_BINARY, "validate", test.file.string(), "--output", "json"},
                             kCommandTimeout);
    ASSERT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 2);
    Result<Value> report = ParseJson(result.standard_output);
    ASSERT_TRUE(report.has_value()) << result.standard_output;
    ASSERT_TRUE(report->Find("valid") != nullptr && report->Find("errors") != nullptr);
    EXPECT_EQ(*report->Find("valid"), Value(false));
    std::vector<std::string> lines;
    for (const char* kind : {"errors", "warnings"}) {
      for (const Value& item : report->Find(kind)->as_list()) {
        const Error error{ErrorCode::kInvalidArgument, item.Find("location")->as_string(),
                          item.Find("message")->as_string()};
        lines.push_back(std::string(kind == std::string_view("errors") ? "error: " : "warning: ") +
                        error.ToString());
      }
    }
    EXPECT_EQ(Join(lines, "\n"), Join(test.expected, "\n"));
  }
}

}  // namespace
}  // namespace sluice

// Every definition the SageMaker SDK emits (../shared/fixtures/sdk) runs through the engine to
// an end: steps that can run here run, the others fail with what they need, and nothing
// crashes or hangs. The fixtures name inputs in an S3 bucket that does not exist locally, so a
// runnable step fails at staging, with the URI it could not find.
#include <gtest/gtest.h>

#include "local_run.h"
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

std::vector<std::filesystem::path> Fixtures() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(SLUICE_SHARED_DIR) / "fixtures/sdk")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool IsExplained(const std::string& reason) {
  return reason.find("not supported locally: ") != std::string::npos ||
         reason.find("cannot stage input \"s3://") != std::string::npos;
}

TEST(SdkFixturesRun, EveryFixtureEndsAndEveryFailureSaysWhatIsMissing) {
  const auto fixtures = Fixtures();
  ASSERT_GE(fixtures.size(), 10u);
  for (const auto& file : fixtures) {
    SCOPED_TRACE(file.filename().string());
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    testing::LocalRun run;
    // params_and_join declares a parameter without a default; the others take none.
    std::vector<std::pair<std::string, std::string>> parameters;
    if (text.str().find("\"RunLabel\"") != std::string::npos) parameters = {{"RunLabel", "test"}};
    const auto outcome = run.Run(text.str(), parameters);
    ASSERT_EQ(outcome.start_errors, "");
    EXPECT_TRUE(outcome.execution.status == ExecutionStatus::kFailed ||
                outcome.execution.status == ExecutionStatus::kSucceeded);
    ASSERT_FALSE(outcome.steps.empty());
    for (const StepRun& step : outcome.steps) {
      if (step.status != StepStatus::kFailed) continue;
      EXPECT_TRUE(IsExplained(step.failure_reason))
          << step.step_name << " (" << step.step_type << "): " << step.failure_reason;
    }
  }
}

}  // namespace
}  // namespace sluice

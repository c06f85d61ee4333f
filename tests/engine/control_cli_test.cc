// `sluice stop`, `retry` and selective `run` through the real binary, with real processes and
// the state directory's SQLite file.
#include "engine/cli_fixture.h"

#include <fstream>
#include <signal.h>
#include <sstream>
#include <thread>

namespace sluice {
namespace {

using testing::CommandResult;

class ControlCli : public testing::CliTest {
 protected:
  std::string WriteDefinition(const std::string& steps) {
    const std::filesystem::path file = dir_ / "pipeline.json";
    std::ofstream(file) << R"({"Version": "2020-12-01", "Parameters": [], "Steps": [)" << steps
                        << "]}";
    return file.string();
  }

  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::vector<ExecutionRecord> Executions() {
    auto executions = Store()->ListExecutions(10);
    EXPECT_TRUE(executions);
    return *executions;
  }

  std::vector<StepRun> Steps(const std::string& execution) {
    auto runs = Store()->ListStepRuns(execution);
    EXPECT_TRUE(runs);
    return *runs;
  }

  // A processing step running `script` under /bin/sh on the host.
  std::string Step(const std::string& name, const std::string& script,
                   const std::string& extra = "") {
    std::string quoted;
    for (char c : script) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return R"({"Name": ")" + name + R"(", "Type": "Processing", "Arguments": {
      "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
      "AppSpecification": {"ImageUri": "local/shell", "ContainerEntrypoint": ["/bin/sh", "-c", ")" +
           quoted + R"("]}, "RoleArn": "arn:aws:iam::000000000000:role/test"})" + extra + "}";
  }
};

TEST_F(ControlCli, StopEndsTheRunningJobAndRecordsTheExecutionStopped) {
  const std::string pid_file = (dir_ / "job.pid").string();
  const std::string definition =
      WriteDefinition(Step("Long", "echo $$ > " + pid_file + "; exec sleep 60"));
  CommandResult run;
  std::thread engine([&] { run = Sluice({"run", definition, "--isolation", "none"}); });
  while (!std::filesystem::exists(pid_file) || Read("job.pid").empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string execution = Executions().front().id;
  const CommandResult stop = Sluice({"stop", execution});
  engine.join();
  EXPECT_EQ(stop.exit_code, 0) << stop.standard_error;
  EXPECT_EQ(stop.standard_output.rfind("stopping execution " + execution + " (engine pid ", 0), 0u)
      << stop.standard_output;
  const std::string stopped = ")\nexecution " + execution + " Stopped\n";
  ASSERT_GE(stop.standard_output.size(), stopped.size());
  EXPECT_EQ(stop.standard_output.substr(stop.standard_output.size() - stopped.size()), stopped);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.standard_error.find("execution " + execution + " Stopped"), std::string::npos)
      << run.standard_error;
  const int job = std::stoi(Read("job.pid"));
  EXPECT_EQ(kill(job, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(Executions().front().status, ExecutionStatus::kStopped);
  const auto steps = Steps(execution);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, StepStatus::kStopped);
}

TEST_F(ControlCli, RetryRunsFailedStepsAgainAndKeepsWhatSucceeded) {
  const std::string log = (dir_ / "log").string();
  const std::string gate = (dir_ / "ready").string();
  const std::string definition =
      WriteDefinition(Step("Prepare", "echo Prepare >> " + log) + "," +
                      Step("Train", "echo Train >> " + log + "; test -f " + gate + " || exit 4",
                           R"(, "DependsOn": ["Prepare"])") +
                      "," + Step("Report", "echo Report >> " + log, R"(, "DependsOn": ["Train"])"));
  const CommandResult first = Sluice({"run", definition, "--isolation", "none"});
  EXPECT_EQ(first.exit_code, 1);
  const std::string execution = Executions().front().id;
  std::ofstream(gate) << "\n";
  const CommandResult retry = Sluice({"retry", execution, "--isolation", "none"});
  EXPECT_EQ(retry.exit_code, 0) << retry.standard_error;
  EXPECT_EQ(Read("log"), "Prepare\nTrain\nTrain\nReport\n");
  std::vector<std::string> attempts;
  for (const StepRun& run : Steps(execution)) {
    attempts.push_back(run.step_name + " " + std::to_string(run.attempt) + " " +
                       std::string(StepStatusName(run.status)));
  }
  EXPECT_EQ(attempts, (std::vector<std::string>{"Prepare 1 Succeeded", "Train 1 Failed",
                                                "Train 2 Succeeded", "Report 1 Succeeded"}));
  const CommandResult again = Sluice({"retry", execution});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.standard_error, "sluice: error: execution \"" + execution +
                                      "\": is Succeeded; only a Failed or Stopped execution can "
                                      "be retried\n");
}

TEST_F(ControlCli, SelectiveRunRunsOnlyTheChosenStepOnItsSourcesResults) {
  const std::string log = (dir_ / "log").string();
  const std::string definition =
      WriteDefinition(Step("Prepare", "echo Prepare >> " + log) + "," +
                      Step("Train", "echo Train >> " + log, R"(, "DependsOn": ["Prepare"])") + "," +
                      Step("Report", "echo Report >> " + log, R"(, "DependsOn": ["Train"])"));
  ASSERT_EQ(Sluice({"run", definition, "--isolation", "none"}).exit_code, 0);
  const std::string source = Executions().front().id;
  const CommandResult selective = Sluice(
      {"run", definition, "--isolation", "none", "--from-execution", source, "--steps", "Train"});
  EXPECT_EQ(selective.exit_code, 0) << selective.standard_error;
  EXPECT_EQ(Read("log"), "Prepare\nTrain\nReport\nTrain\n");
  const std::string execution = Executions().front().id;
  ASSERT_NE(execution, source);
  const auto steps = Steps(execution);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].step_name, "Prepare");
  EXPECT_NE(
      steps[0].metadata_json.find(R"("SelectiveExecutionResult":{"SourcePipelineExecutionArn":")"),
      std::string::npos)
      << steps[0].metadata_json;
  EXPECT_EQ(steps[1].step_name, "Train");
  const CommandResult unconnected =
      Sluice({"run", definition, "--from-execution", source, "--steps", "Prepare,Report"});
  EXPECT_EQ(unconnected.exit_code, 2);
  EXPECT_EQ(unconnected.standard_error,
            "sluice: error: --steps: step \"Train\" lies between selected steps, so it must be "
            "selected too\n");
}

}  // namespace
}  // namespace sluice

// The engine end to end on real processes, a real SQLite file and the local object store.
#include <gtest/gtest.h>

#include "local_run.h"
#include <algorithm>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

using testing::LocalRun;
using testing::RunOutcome;

std::string Quoted(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

struct Output {
  std::string name;
  std::string uri;  // JSON: a string literal or an expression
  std::string local_path;
};
struct Input {
  std::string name;
  std::string uri;  // JSON
  std::string local_path;
};

std::string ShellStep(const std::string& name, const std::string& script,
                      const std::vector<Input>& inputs = {},
                      const std::vector<Output>& outputs = {}, const std::string& extra = "") {
  std::string json = R"({"Name": )" + Quoted(name) + R"(, "Type": "Processing", "Arguments": {
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
    "AppSpecification": {"ImageUri": "local/shell:latest", "ContainerEntrypoint": ["/bin/sh", "-c", )" +
                     Quoted(script) + R"(]},
    "RoleArn": "arn:aws:iam::000000000000:role/test")";
  if (!inputs.empty()) {
    json += R"(, "ProcessingInputs": [)";
    for (size_t i = 0; i < inputs.size(); ++i) {
      json += (i ? "," : "") + std::string(R"({"InputName": )") + Quoted(inputs[i].name) +
              R"(, "S3Input": {"S3Uri": )" + inputs[i].uri + R"(, "LocalPath": )" +
              Quoted(inputs[i].local_path) +
              R"(, "S3DataType": "S3Prefix", "S3InputMode": "File"}})";
    }
    json += "]";
  }
  if (!outputs.empty()) {
    json += R"(, "ProcessingOutputConfig": {"Outputs": [)";
    for (size_t i = 0; i < outputs.size(); ++i) {
      json += (i ? "," : "") + std::string(R"({"OutputName": )") + Quoted(outputs[i].name) +
              R"(, "S3Output": {"S3Uri": )" + outputs[i].uri + R"(, "LocalPath": )" +
              Quoted(outputs[i].local_path) + R"(, "S3UploadMode": "EndOfJob"}})";
    }
    json += "]}";
  }
  return json + "}" + extra + "}";
}

std::string Definition(const std::vector<std::string>& steps, const std::string& parameters = "") {
  std::string json =
      R"({"Version": "2020-12-01", "Parameters": [)" + parameters + R"(], "Steps": [)";
  for (size_t i = 0; i < steps.size(); ++i) json += (i ? "," : "") + steps[i];
  return json + "]}";
}

std::string StatusOf(const RunOutcome& outcome, const std::string& step) {
  const StepRun* run = outcome.Step(step);
  return run == nullptr ? "never ran" : std::string(StepStatusName(run->status));
}

TEST(EngineRun, PeakConcurrencyEqualsTheParallelismLimit) {
  LocalRun run;
  const std::string dir = (run.state_dir() / "probe").string();
  std::filesystem::create_directories(dir + "/running");
  // Each step registers itself, records how many are registered, and stays a while so that
  // steps allowed to overlap do overlap.
  std::vector<std::string> steps;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "Work" + std::to_string(i);
    steps.push_back(ShellStep(name, "touch " + dir + "/running/" + name + "; ls " + dir +
                                        "/running | wc -l >> " + dir + "/counts; sleep 0.4; rm " +
                                        dir + "/running/" + name));
  }
  const RunOutcome outcome = run.Run(Definition(steps), {}, 2);
  ASSERT_EQ(outcome.start_errors, "");
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded);
  std::ifstream counts(dir + "/counts");
  int peak = 0;
  int samples = 0;
  for (int count; counts >> count; ++samples) peak = std::max(peak, count);
  EXPECT_EQ(samples, 6);
  EXPECT_EQ(peak, 2);
}

TEST(EngineRun, AFailedStepFailsTheExecutionAndItsDependantsNeverRun) {
  LocalRun run;
  const RunOutcome outcome = run.Run(Definition(
      {ShellStep(
           "Broken",
           "echo about to fail; echo 'bad input: rows missing' > /opt/ml/output/failure; exit 3"),
       ShellStep("After", "true", {}, {}, R"(, "DependsOn": ["Broken"])")}));
  ASSERT_EQ(outcome.start_errors, "");
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(StatusOf(outcome, "Broken"), "Failed");
  EXPECT_EQ(outcome.Step("Broken")->failure_reason, "bad input: rows missing");
  EXPECT_EQ(outcome.Step("Broken")->failure_class, FailureClass::kClientError);
  EXPECT_EQ(StatusOf(outcome, "After"), "never ran");
  EXPECT_EQ(outcome.execution.failure_reason,
            "Step failure: One or multiple steps failed. Broken: bad input: rows missing");
}

TEST(EngineRun, AStepWithoutFailureFileReportsItsExitStatusAndLastOutput) {
  LocalRun run;
  const RunOutcome outcome = run.Run(Definition({ShellStep("Broken", "echo oops >&2; exit 7")}));
  ASSERT_NE(outcome.Step("Broken"), nullptr);
  EXPECT_EQ(outcome.Step("Broken")->failure_reason,
            "AlgorithmError: the job exited with status 7; last output:\noops");
}

std::string ConditionPipeline() {
  const std::string condition = R"({"Name": "Gate", "Type": "Condition", "Arguments": {
      "Conditions": [{"Type": "GreaterThanOrEqualTo", "LeftValue": {"Get": "Parameters.Score"}, "RightValue": 5}],
      "IfSteps": [)" + ShellStep("High", "true") +
                                R"(], "ElseSteps": [)" + ShellStep("Low", "true") + "]}}";
  return Definition({condition}, R"({"Name": "Score", "Type": "Integer", "DefaultValue": 7})");
}

TEST(EngineRun, RunsTheIfBranchWhenTheConditionHolds) {
  LocalRun run;
  const RunOutcome outcome = run.Run(ConditionPipeline());
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(StatusOf(outcome, "High"), "Succeeded");
  EXPECT_EQ(StatusOf(outcome, "Low"), "never ran");
  EXPECT_EQ(outcome.Step("Gate")->metadata_json, R"({"Condition":{"Outcome":"True"}})");
}

TEST(EngineRun, RunsTheElseBranchWhenTheConditionDoesNotHold) {
  LocalRun run;
  const RunOutcome outcome = run.Run(ConditionPipeline(), {{"Score", "2"}});
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(StatusOf(outcome, "High"), "never ran");
  EXPECT_EQ(StatusOf(outcome, "Low"), "Succeeded");
  EXPECT_EQ(outcome.Step("Gate")->metadata_json, R"({"Condition":{"Outcome":"False"}})");
}

TEST(EngineRun, AFailStepEndsTheExecutionWithItsRenderedMessage) {
  LocalRun run;
  const std::string fail = R"({"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage":
      {"Std:Join": {"On": " ", "Values": ["threshold", {"Get": "Parameters.Limit"}, "not met"]}}}})";
  const RunOutcome outcome =
      run.Run(Definition({fail}, R"({"Name": "Limit", "Type": "Float", "DefaultValue": 0.5})"));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(outcome.Step("Stop")->failure_reason, "threshold 0.5 not met");
  EXPECT_EQ(outcome.Step("Stop")->metadata_json,
            R"({"Fail":{"ErrorMessage":"threshold 0.5 not met"}})");
  EXPECT_EQ(outcome.execution.failure_reason,
            "Step failure: One or multiple steps failed. Stop: threshold 0.5 not met");
}

TEST(EngineRun, ReadsAPropertyFileThroughJsonGetInACondition) {
  LocalRun run;
  const std::string evaluate = ShellStep(
      "Evaluate",
      "echo '{\"metrics\": {\"mse\": {\"value\": 3.25}}}' > "
      "/opt/ml/processing/evaluation/evaluation.json",
      {}, {{"evaluation", R"("s3://bucket/eval")", "/opt/ml/processing/evaluation"}},
      R"(, "PropertyFiles": [{"PropertyFileName": "Report", "OutputName": "evaluation", "FilePath": "evaluation.json"}])");
  const std::string gate =
      R"({"Name": "Gate", "Type": "Condition", "Arguments": {
      "Conditions": [{"Type": "LessThan", "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Report"}, "Path": "metrics.mse.value"}}, "RightValue": 4.0}],
      "IfSteps": [)" +
      ShellStep("Good", "true") +
      R"(], "ElseSteps": [{"Name": "Bad", "Type": "Fail", "Arguments": {"ErrorMessage": "too high"}}]}})";
  const RunOutcome outcome = run.Run(Definition({evaluate, gate}));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
      << outcome.execution.failure_reason;
  EXPECT_EQ(StatusOf(outcome, "Good"), "Succeeded");
  EXPECT_EQ(run.ReadObject("s3://bucket/eval/evaluation.json"),
            "{\"metrics\": {\"mse\": {\"value\": 3.25}}}\n");
}

TEST(EngineRun, ChainsPropertiesAcrossThreeSteps) {
  LocalRun run;
  const std::string first =
      ShellStep("First", "echo one > /opt/ml/processing/out/data.txt", {},
                {{"out", R"("s3://bucket/first")", "/opt/ml/processing/out"}});
  const std::string second = ShellStep(
      "Second",
      "cat /opt/ml/processing/in/data.txt > /opt/ml/processing/out/data.txt; echo two >> "
      "/opt/ml/processing/out/data.txt",
      {{"in", R"({"Get": "Steps.First.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"})",
        "/opt/ml/processing/in"}},
      {{"out",
        R"({"Std:Join": {"On": "/", "Values": [{"Get": "Steps.First.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"}, "then"]}})",
        "/opt/ml/processing/out"}});
  const std::string third = ShellStep(
      "Third",
      "cat /opt/ml/processing/in/data.txt > /opt/ml/processing/out/data.txt; echo three >> "
      "/opt/ml/processing/out/data.txt",
      {{"in", R"({"Get": "Steps.Second.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"})",
        "/opt/ml/processing/in"}},
      {{"out", R"("s3://bucket/third")", "/opt/ml/processing/out"}});
  const RunOutcome outcome = run.Run(Definition({third, first, second}));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
      << outcome.execution.failure_reason;
  EXPECT_EQ(run.ReadObject("s3://bucket/first/then/data.txt"), "one\ntwo\n");
  EXPECT_EQ(run.ReadObject("s3://bucket/third/data.txt"), "one\ntwo\nthree\n");
}

TEST(EngineRun, AScriptHardCodingOptMlProcessingPathsRunsUnchangedInIsolation) {
  LocalRun run;
  if (!run.IsBubblewrapUsable()) GTEST_SKIP() << "bubblewrap cannot create namespaces here";
  run.WriteObject("s3://bucket/code/job.py",
                  "import os\n"
                  "rows = open('/opt/ml/processing/input/data/rows.csv').read().split()\n"
                  "os.makedirs('/opt/ml/processing/output', exist_ok=True)\n"
                  "open('/opt/ml/processing/output/count.txt', 'w').write(str(len(rows)))\n");
  run.WriteObject("s3://bucket/data/rows.csv", "a\nb\nc\n");
  const std::string step = R"({"Name": "Count", "Type": "Processing", "Arguments": {
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
    "AppSpecification": {"ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                         "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/job.py"]},
    "RoleArn": "arn:aws:iam::000000000000:role/test",
    "ProcessingInputs": [
      {"InputName": "code", "S3Input": {"S3Uri": "s3://bucket/code/job.py", "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix", "S3InputMode": "File"}},
      {"InputName": "data", "S3Input": {"S3Uri": "s3://bucket/data", "LocalPath": "/opt/ml/processing/input/data", "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
    "ProcessingOutputConfig": {"Outputs": [{"OutputName": "result", "S3Output": {"S3Uri": "s3://bucket/result", "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]}}})";
  const RunOutcome outcome = run.Run(Definition({step}), {}, 0, /*is_isolated=*/true);
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
      << outcome.execution.failure_reason;
  EXPECT_EQ(run.ReadObject("s3://bucket/result/count.txt"), "3");
}

TEST(EngineRun, ARunningStepIsRecordedAsExecutingWhileItsJobRuns) {
  // A job that ends at once has its Executing record committed with its end; one that runs on
  // must be seen running in the store (by `sluice steps`, the API) within moments. The job
  // itself reads the store until its step says Executing, and fails if that takes 10 s.
  LocalRun run;
  const std::filesystem::path script = run.state_dir() / "wait_for_executing.py";
  std::ofstream(script) << R"(import sqlite3, sys, time
store = sqlite3.connect(sys.argv[1])
for _ in range(1000):
    row = store.execute("SELECT status FROM step_runs WHERE step_name = 'Long'").fetchone()
    if row and row[0] == 'Executing':
        sys.exit(0)
    time.sleep(0.01)
print('still', row[0] if row else 'unrecorded', 'after 10 s')
sys.exit(1)
)";
  const std::string database = (run.state_dir() / "sluice.db").string();
  const RunOutcome outcome = run.Run(Definition(
      {ShellStep("Long", "python3 " + script.string() + " " + database + " || exit 1")}));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
      << outcome.execution.failure_reason;
}

TEST(EngineRun, RetriesACapacityErrorWithBackoffUntilTheStepSucceeds) {
  LocalRun run;
  // Time stands still for the engine, so the planned attempt times are exact.
  ManualClock clock(std::chrono::sys_days{std::chrono::year{2030} / 1 / 1});
  run.UseClock(&clock);
  const std::string counter = (run.state_dir() / "attempts").string();
  const std::string script = "n=$(cat " + counter +
                             " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter +
                             "; if [ $n -le 2 ]; then echo 'CapacityError: no free slot' > "
                             "/opt/ml/output/failure; exit 1; fi";
  const std::string policy =
      R"(, "RetryPolicies": [{"ExceptionType": ["SageMaker.CAPACITY_ERROR"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3}])";
  const RunOutcome outcome = run.Run(Definition({ShellStep("Flaky", script, {}, {}, policy)}));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kSucceeded)
      << outcome.execution.failure_reason;
  ASSERT_EQ(outcome.steps.size(), 3u);
  EXPECT_EQ(outcome.steps[0].status, StepStatus::kFailed);
  EXPECT_EQ(outcome.steps[0].failure_class, FailureClass::kCapacityError);
  EXPECT_EQ(outcome.steps[1].status, StepStatus::kFailed);
  EXPECT_EQ(outcome.steps[2].status, StepStatus::kSucceeded);
  EXPECT_EQ(outcome.steps[2].attempt, 3);
  std::vector<std::string> failures;
  for (const Event& event : outcome.events) {
    if (event.step_name == "Flaky" && event.status == "Failed") failures.push_back(event.detail);
  }
  EXPECT_EQ(failures, (std::vector<std::string>{
                          "CapacityError: no free slot; attempt 2 at 2030-01-01T00:00:01.000Z",
                          "CapacityError: no free slot; attempt 3 at 2030-01-01T00:00:02.000Z"}));
}

TEST(EngineRun, AStepTypeThatCannotRunHereFailsWithWhatIsMissing) {
  LocalRun run;
  const std::string emr = R"({"Name": "Spark", "Type": "EMR", "Arguments": {"ClusterId": "j-1",
      "StepConfig": {"HadoopJarStep": {"Jar": "command-runner.jar"}}}})";
  const RunOutcome outcome = run.Run(Definition({emr}));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(outcome.Step("Spark")->failure_reason,
            "not supported locally: EMR steps (an EMR cluster)");
}

TEST(EngineRun, RefusesToStartWithAParameterOfTheWrongType) {
  LocalRun run;
  const RunOutcome outcome = run.Run(ConditionPipeline(), {{"Score", "high"}});
  EXPECT_EQ(outcome.start_errors, "parameter \"Score\": expected an integer, got \"high\"\n");
}

}  // namespace
}  // namespace sluice

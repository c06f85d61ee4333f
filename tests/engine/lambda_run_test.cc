// Lambda steps end to end: the function map in the state directory, a real python3 process per
// invocation, typed outputs that later steps read.
#include <gtest/gtest.h>

#include "local_run.h"
#include <fstream>

namespace sluice {
namespace {

using testing::LocalRun;
using testing::RunOutcome;

constexpr std::string_view kArn = "arn:aws:lambda:us-east-1:000000000000:function:doubler";

void WriteFile(const std::filesystem::path& file, std::string_view text) {
  std::ofstream(file) << text;
}

// A function that doubles its event's "x", says how often it was called, and obeys "mode".
void InstallDoubler(const LocalRun& run) {
  WriteFile(run.state_dir() / "doubler.py", R"(import json, sys, time
event = json.load(sys.stdin)
mode = event.get("mode", "")
if mode == "crash":
    print("cannot double " + str(event["x"]), file=sys.stderr)
    sys.exit(3)
if mode == "sleep":
    time.sleep(30)
if mode == "text":
    print("not json")
    sys.exit(0)
with open("calls.txt", "a") as calls:
    calls.write("call\n")
json.dump({"doubled": event["x"] * 2, "label": "x=%s" % event["x"], "ok": True}, sys.stdout)
)");
  WriteFile(run.state_dir() / "functions.json",
            R"({"arn:aws:lambda:*:*:function:doubler": {"command": ["python3", "doubler.py"]}})");
}

std::string LambdaStep(std::string_view arguments, std::string_view extra = "") {
  return R"({"Name": "L", "Type": "Lambda", "FunctionArn": ")" + std::string(kArn) +
         R"(", "OutputParameters": [{"OutputName": "doubled", "OutputType": "Integer"},
                                    {"OutputName": "label"},
                                    {"OutputName": "ok", "OutputType": "Boolean"}],
         "Arguments": )" +
         std::string(arguments) + std::string(extra) + "}";
}

std::string Definition(const std::vector<std::string>& steps) {
  std::string json = R"({"Version": "2020-12-01", "Parameters": [
      {"Name": "X", "Type": "Integer", "DefaultValue": 21}], "Steps": [)";
  for (size_t i = 0; i < steps.size(); ++i) json += (i ? "," : "") + steps[i];
  return json + "]}";
}

// A Fail step whose message shows what a later step sees of the Lambda's outputs.
const std::string kReportStep = R"({"Name": "Report", "Type": "Fail", "Arguments": {"ErrorMessage":
    {"Std:Join": {"On": " ", "Values": [{"Get": "Steps.L.OutputParameters['doubled']"},
                                         {"Get": "Steps.L.OutputParameters['label']"},
                                         {"Get": "Steps.L.OutputParameters['ok']"}]}}}})";

TEST(LambdaRun, TheFunctionsTypedOutputsFeedLaterSteps) {
  LocalRun run;
  InstallDoubler(run);
  const std::string gate = R"({"Name": "Gate", "Type": "Condition", "Arguments": {
      "Conditions": [{"Type": "GreaterThan",
                      "LeftValue": {"Get": "Steps.L.OutputParameters['doubled']"},
                      "RightValue": 40}],
      "IfSteps": [)" + kReportStep +
                           R"(], "ElseSteps": []}})";
  const RunOutcome outcome =
      run.Run(Definition({LambdaStep(R"({"x": {"Get": "Parameters.X"}})"), gate}));
  ASSERT_NE(outcome.Step("L"), nullptr) << outcome.start_errors;
  EXPECT_EQ(std::string(StepStatusName(outcome.Step("L")->status)), "Succeeded")
      << outcome.Step("L")->failure_reason;
  EXPECT_EQ(outcome.Step("L")->properties_json,
            R"({"OutputParameters":{"doubled":42,"label":"x=21","ok":true}})");
  EXPECT_EQ(outcome.Step("L")->metadata_json,
            R"({"Lambda":{"Arn":")" + std::string(kArn) +
                R"(","OutputParameters":[{"Name":"doubled","Value":"42"},)"
                R"({"Name":"label","Value":"x=21"},{"Name":"ok","Value":"true"}]}})");
  EXPECT_EQ(outcome.Step("Gate")->metadata_json, R"({"Condition":{"Outcome":"True"}})");
  ASSERT_NE(outcome.Step("Report"), nullptr);
  EXPECT_EQ(outcome.Step("Report")->failure_reason, "42 x=21 true");
  std::ifstream calls(run.state_dir() / "calls.txt");
  std::string line;
  int count = 0;
  while (std::getline(calls, line)) ++count;
  EXPECT_EQ(count, 1);
}

TEST(LambdaRun, AnArnWithoutAMappingFailsSayingWhereToAddIt) {
  LocalRun run;
  const RunOutcome outcome = run.Run(Definition({LambdaStep("{}")}));
  ASSERT_NE(outcome.Step("L"), nullptr) << outcome.start_errors;
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(outcome.Step("L")->failure_reason,
            "not supported locally: no function map entry for " + std::string(kArn) +
                " (add it to " + (run.state_dir() / "functions.json").string() + ")");
}

TEST(LambdaRun, AFailingCommandFailsTheStepWithItsStderr) {
  LocalRun run;
  InstallDoubler(run);
  const RunOutcome outcome = run.Run(Definition({LambdaStep(R"({"x": 5, "mode": "crash"})")}));
  ASSERT_NE(outcome.Step("L"), nullptr) << outcome.start_errors;
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  const std::string& reason = outcome.Step("L")->failure_reason;
  EXPECT_NE(reason.find("exited with status 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("cannot double 5"), std::string::npos) << reason;
}

TEST(LambdaRun, AnAnswerThatIsNotJsonFailsTheStep) {
  LocalRun run;
  InstallDoubler(run);
  const RunOutcome outcome = run.Run(Definition({LambdaStep(R"({"x": 5, "mode": "text"})")}));
  ASSERT_NE(outcome.Step("L"), nullptr) << outcome.start_errors;
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_NE(outcome.Step("L")->failure_reason.find("not valid JSON"), std::string::npos)
      << outcome.Step("L")->failure_reason;
}

TEST(LambdaRun, AFunctionPastTheStepsTimeoutFailsTheStep) {
  LocalRun run;
  InstallDoubler(run);
  const auto started = std::chrono::steady_clock::now();
  const RunOutcome outcome =
      run.Run(Definition({LambdaStep(R"({"x": 5, "mode": "sleep"})", R"(, "Timeout": 1)")}));
  ASSERT_NE(outcome.Step("L"), nullptr) << outcome.start_errors;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(outcome.execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(
      outcome.Step("L")->failure_reason,
      "Lambda function " + std::string(kArn) + ": did not finish within 1 s (the step's Timeout)");
}

}  // namespace
}  // namespace sluice

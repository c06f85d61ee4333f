#include "engine/scheduler.h"

#include "graph/compiled_pipeline.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

std::shared_ptr<const CompiledPipeline> Pipeline(const std::string& steps) {
  CompileOutcome outcome =
      Compile(R"({"Version": "2020-12-01", "Parameters": [], "Steps": [)" + steps + "]}");
  EXPECT_TRUE(outcome.pipeline) << (outcome.errors.empty() ? "" : outcome.errors[0].ToString());
  return outcome.pipeline;
}

std::string Step(const std::string& name, const std::string& depends_on = "",
                 const std::string& extra = "") {
  return R"({"Name": ")" + name + R"(", "Type": "Fail", "Arguments": {})" +
         (depends_on.empty() ? "" : R"(, "DependsOn": [)" + depends_on + "]") + extra + "}";
}

// Fail steps cannot be depended on, so the DAG tests use Processing steps with no arguments.
std::string Work(const std::string& name, const std::string& depends_on = "",
                 const std::string& extra = "") {
  return R"({"Name": ")" + name + R"(", "Type": "Processing", "Arguments": {})" +
         (depends_on.empty() ? "" : R"(, "DependsOn": [)" + depends_on + "]") + extra + "}";
}

const TimePoint kNow = TimePoint(std::chrono::hours(24 * 365 * 50));

StepOutcome Succeeded() { return StepOutcome{}; }
StepOutcome FailedWith(FailureClass failure_class) {
  return StepOutcome{StepOutcome::Kind::kFailed, true, failure_class};
}

TEST(Scheduler, LaunchesIndependentStepsUpToTheParallelismLimit) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B") + "," + Work("C"));
  Scheduler scheduler(*pipeline, 2);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{0}, LaunchStep{1}}));
  EXPECT_EQ(scheduler.OnStepFinished(1, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{LaunchStep{2}}));
  EXPECT_TRUE(scheduler.OnStepFinished(0, Succeeded(), 0, kNow, kNow).empty());
  EXPECT_EQ(scheduler.OnStepFinished(2, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kSucceeded}}));
}

TEST(Scheduler, StartsADependentStepOnlyAfterItsUpstreamSucceeded) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B", "\"A\""));
  Scheduler scheduler(*pipeline, 0);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{0}}));
  EXPECT_EQ(scheduler.OnStepFinished(0, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{LaunchStep{1}}));
}

TEST(Scheduler, AFailedStepFailsTheExecutionAfterRunningStepsDrainAndStartsNothingNew) {
  auto pipeline =
      Pipeline(Work("A") + "," + Work("B") + "," + Work("C", "\"A\"") + "," + Work("D"));
  Scheduler scheduler(*pipeline, 2);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{0}, LaunchStep{1}}));
  EXPECT_TRUE(
      scheduler.OnStepFinished(0, FailedWith(FailureClass::kClientError), 0, kNow, kNow).empty());
  EXPECT_EQ(scheduler.OnStepFinished(1, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kFailed}}));
}

TEST(Scheduler, RetriesACapacityErrorWithBackoffThenGivesUp) {
  const std::string policy =
      R"(, "RetryPolicies": [{"ExceptionType": ["SageMaker.CAPACITY_ERROR"], "IntervalSeconds": 10, "BackoffRate": 3.0, "MaxAttempts": 2}])";
  auto pipeline = Pipeline(Work("A", "", policy));
  Scheduler scheduler(*pipeline, 0);
  scheduler.Start();
  const auto failure = FailedWith(FailureClass::kCapacityError);
  EXPECT_EQ(scheduler.OnStepFinished(0, failure, 0, kNow, kNow),
            (std::vector<Action>{ScheduleRetry{0, kNow + std::chrono::seconds(10)}}));
  EXPECT_EQ(scheduler.OnRetryDue(0), (std::vector<Action>{LaunchStep{0}}));
  EXPECT_EQ(scheduler.OnStepFinished(0, failure, 1, kNow, kNow),
            (std::vector<Action>{ScheduleRetry{0, kNow + std::chrono::seconds(30)}}));
  EXPECT_EQ(scheduler.OnRetryDue(0), (std::vector<Action>{LaunchStep{0}}));
  EXPECT_EQ(scheduler.OnStepFinished(0, failure, 2, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kFailed}}));
}

TEST(Scheduler, NeverRetriesAScriptError) {
  const std::string policy =
      R"(, "RetryPolicies": [{"ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"], "MaxAttempts": 3}])";
  auto pipeline = Pipeline(Work("A", "", policy));
  Scheduler scheduler(*pipeline, 0);
  scheduler.Start();
  EXPECT_EQ(scheduler.OnStepFinished(0, FailedWith(FailureClass::kClientError), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kFailed}}));
}

TEST(Scheduler, RunsOnlyTheTakenBranchOfACondition) {
  auto pipeline = Pipeline(
      R"({"Name": "Check", "Type": "Condition", "Arguments": {"Conditions": [{"Type": "Equals", "LeftValue": 1, "RightValue": 1}],
          "IfSteps": [)" +
      Work("Yes") + "," + Work("AfterYes", "\"Yes\"") + R"(], "ElseSteps": [)" + Work("No") +
      "]}}");
  Scheduler scheduler(*pipeline, 0);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{0}}));
  const auto& definition = pipeline->definition;
  const size_t yes = *definition.FindStep("Yes");
  const size_t no = *definition.FindStep("No");
  const size_t after_yes = *definition.FindStep("AfterYes");
  StepOutcome took_else{StepOutcome::Kind::kSucceeded, false, FailureClass::kNone};
  const auto actions = scheduler.OnStepFinished(0, took_else, 0, kNow, kNow);
  EXPECT_NE(std::find(actions.begin(), actions.end(), Action{LaunchStep{no}}), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), Action{SkipStep{yes}}), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), Action{SkipStep{after_yes}}), actions.end());
  EXPECT_EQ(scheduler.OnStepFinished(no, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kSucceeded}}));
}

TEST(Scheduler, StopStopsRunningStepsAndEndsStoppedOnceTheyEnd) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B") + "," + Work("C"));
  Scheduler scheduler(*pipeline, 2);
  scheduler.Start();
  EXPECT_EQ(scheduler.OnStopRequested(), (std::vector<Action>{StopStep{0}, StopStep{1}}));
  StepOutcome stopped{StepOutcome::Kind::kStopped, true, FailureClass::kNone};
  EXPECT_TRUE(scheduler.OnStepFinished(0, stopped, 0, kNow, kNow).empty());
  EXPECT_EQ(scheduler.OnStepFinished(1, stopped, 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kStopped}}));
}

TEST(Scheduler, ReusesStepsMarkedSucceededWithoutLaunchingThem) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B", "\"A\"") + "," + Work("C", "\"B\""));
  Scheduler scheduler(*pipeline, 0);
  scheduler.MarkSucceeded(0);
  scheduler.MarkSucceeded(1);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{2}}));
}

TEST(Scheduler, DoesNotLaunchAStepMarkedRunningButCountsItAgainstTheLimit) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B") + "," + Work("C"));
  Scheduler scheduler(*pipeline, 2);
  scheduler.MarkRunning(0);
  EXPECT_EQ(scheduler.Start(), (std::vector<Action>{LaunchStep{1}}));
  EXPECT_EQ(scheduler.running_steps(), 2u);
  EXPECT_EQ(scheduler.OnStepFinished(0, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{LaunchStep{2}}));
}

TEST(Scheduler, AStepMarkedRunningReleasesItsDownstreamStepsWhenItFinishes) {
  auto pipeline = Pipeline(Work("A") + "," + Work("B", "\"A\"") + "," + Work("C", "\"B\""));
  Scheduler scheduler(*pipeline, 0);
  scheduler.MarkSucceeded(0);
  scheduler.MarkRunning(1);
  EXPECT_TRUE(scheduler.Start().empty());
  EXPECT_FALSE(scheduler.is_finished());
  EXPECT_EQ(scheduler.OnStepFinished(1, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{LaunchStep{2}}));
  EXPECT_EQ(scheduler.OnStepFinished(2, Succeeded(), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kSucceeded}}));
}

TEST(Scheduler, AFailedStepMarkedRunningIsRetriedByItsPolicy) {
  const std::string policy =
      R"(, "RetryPolicies": [{"ExceptionType": ["Step.SERVICE_FAULT"], "IntervalSeconds": 1, "MaxAttempts": 1}])";
  auto pipeline = Pipeline(Work("A", "", policy));
  Scheduler scheduler(*pipeline, 0);
  scheduler.MarkRunning(0);
  EXPECT_TRUE(scheduler.Start().empty());
  EXPECT_EQ(scheduler.OnStepFinished(0, FailedWith(FailureClass::kServiceFault), 0, kNow, kNow),
            (std::vector<Action>{ScheduleRetry{0, kNow + std::chrono::seconds(1)}}));
}

TEST(Scheduler, AFailStepFailsTheExecution) {
  auto pipeline = Pipeline(Step("Stop"));
  Scheduler scheduler(*pipeline, 0);
  scheduler.Start();
  EXPECT_EQ(scheduler.OnStepFinished(0, FailedWith(FailureClass::kClientError), 0, kNow, kNow),
            (std::vector<Action>{FinishExecution{ExecutionStatus::kFailed}}));
}

}  // namespace
}  // namespace sluice

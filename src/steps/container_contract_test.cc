#include "steps/container_contract.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(MlLayout, RemapsOptMlWhereAPathStartsWhenTheJobIsNotIsolated) {
  const MlLayout layout("/state/attempt-1/ml", Isolation::kNone);
  EXPECT_EQ(layout.Remap("/opt/ml/processing/input/code/run.py"),
            "/state/attempt-1/ml/processing/input/code/run.py");
  EXPECT_EQ(layout.Remap("--out=/opt/ml/model"), "--out=/state/attempt-1/ml/model");
  EXPECT_EQ(layout.Remap("cat /opt/ml/a > /opt/ml/b"),
            "cat /state/attempt-1/ml/a > /state/attempt-1/ml/b");
  // Only whole path segments: "/opt/mlflow" is another directory.
  EXPECT_EQ(layout.Remap("/opt/mlflow/x"), "/opt/mlflow/x");
  EXPECT_EQ(layout.Remap("s3://bucket/opt/ml"), "s3://bucket/opt/ml");
}

TEST(MlLayout, LeavesPathsAloneUnderBubblewrap) {
  const MlLayout layout("/state/attempt-1/ml", Isolation::kBubblewrap);
  EXPECT_EQ(layout.Remap("/opt/ml/model"), "/opt/ml/model");
  EXPECT_EQ(layout.InJob("/opt/ml/model"), "/opt/ml/model");
}

TEST(MlLayout, RefusesLocalPathsOutsideOptMlOrEscapingIt) {
  const MlLayout layout("/state/ml", Isolation::kNone);
  auto outside = layout.OnHost("/tmp/data", "/Steps/0/Arguments/ProcessingInputs/0");
  ASSERT_FALSE(outside);
  EXPECT_EQ(
      outside.error().ToString(),
      "/Steps/0/Arguments/ProcessingInputs/0: expected a path under /opt/ml, got \"/tmp/data\"");
  auto escaping = layout.OnHost("/opt/ml/../etc", "here");
  ASSERT_FALSE(escaping);
  EXPECT_EQ(escaping.error().ToString(),
            "here: expected a path under /opt/ml without \"..\", got \"/opt/ml/../etc\"");
  EXPECT_EQ(*layout.OnHost("/opt/ml/processing/train", ""), "/state/ml/processing/train");
}

JobResult Exited(int status) {
  JobResult job;
  job.outcome = JobResult::Outcome::kExited;
  job.exit_status = status;
  return job;
}

TEST(ClassifyJobEnd, MapsFailureFilePrefixesToRetryClasses) {
  EXPECT_EQ(ClassifyJobEnd(Exited(1), "CapacityError: no GPU", "AlgorithmError", "").failure_class,
            FailureClass::kCapacityError);
  EXPECT_EQ(
      ClassifyJobEnd(Exited(1), "ResourceLimitExceeded: quota", "AlgorithmError", "").failure_class,
      FailureClass::kResourceLimit);
  EXPECT_EQ(
      ClassifyJobEnd(Exited(1), "InternalServerError: oops", "AlgorithmError", "").failure_class,
      FailureClass::kJobInternalError);
  const JobFailure script = ClassifyJobEnd(Exited(2), "bad rows\n", "AlgorithmError", "");
  EXPECT_EQ(script.failure_class, FailureClass::kClientError);
  EXPECT_EQ(script.reason, "bad rows");
  EXPECT_EQ(ClassifyJobEnd(Exited(0), "", "AlgorithmError", "").failure_class, FailureClass::kNone);
}

TEST(ClassifyJobEnd, MapsLaunchFailuresAndForeignSignalsToPlatformClasses) {
  JobResult launch;
  launch.outcome = JobResult::Outcome::kLaunchFailed;
  launch.message = "no such program";
  const JobFailure launched = ClassifyJobEnd(launch, "", "AlgorithmError", "");
  EXPECT_EQ(launched.failure_class, FailureClass::kServiceFault);
  EXPECT_EQ(launched.reason, "the job could not be started: no such program");
  JobResult killed;
  killed.outcome = JobResult::Outcome::kSignaled;
  killed.signal = 9;
  const JobFailure signaled = ClassifyJobEnd(killed, "", "AlgorithmError", "");
  EXPECT_EQ(signaled.failure_class, FailureClass::kJobInternalError);
  EXPECT_EQ(signaled.reason, "InternalServerError: the job was killed by signal 9");
}

TEST(JobNameFor, IsStablePerAttemptAndWithinSageMakersLimit) {
  const std::string first = JobNameFor("abcdefghijkl", "Train_Model", 1);
  EXPECT_EQ(first, JobNameFor("abcdefghijkl", "Train_Model", 1));
  EXPECT_NE(first, JobNameFor("abcdefghijkl", "Train_Model", 2));
  EXPECT_EQ(first.rfind("pipelines-abcdefghijkl-train-model-", 0), 0u) << first;
  const std::string long_name = JobNameFor("abcdefghijkl", std::string(64, 'S'), 1);
  EXPECT_EQ(long_name.size(), 63u);
}

TEST(TextsOf, RendersNonStringItemsAsStdJoinDoes) {
  const Value list(Value::List{Value("python3"), Value(int64_t{3}), Value(true), Value(0.5)});
  EXPECT_EQ(TextsOf(&list), (std::vector<std::string>{"python3", "3", "true", "0.5"}));
  EXPECT_TRUE(TextsOf(nullptr).empty());
}

}  // namespace
}  // namespace sluice

#include "events/event_document.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TimePoint At(int64_t millis) { return TimePoint(std::chrono::milliseconds(millis)); }

EventFacts Facts() {
  EventFacts facts;
  facts.region = "eu-west-1";
  facts.account = "123456789012";
  facts.pipeline_name = "abalone";
  facts.execution_display_name = "nightly";
  facts.execution_start = At(1700000000000);
  return facts;
}

TEST(EventDocumentTest, RendersAnExecutionStatusChange) {
  const Event event{42, At(1700000005250), "abc123def456", "", "Failed", "step Train failed"};
  EventFacts facts = Facts();
  facts.previous_status = "Executing";
  facts.execution_end = event.time;

  const nlohmann::json document = EventBridgeDocument(event, facts);
  const std::string pipeline = "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/abalone";
  const std::string execution = pipeline + "/execution/abc123def456";
  EXPECT_EQ(document["version"], "0");
  EXPECT_EQ(document["detail-type"], "SageMaker Model Building Pipeline Execution Status Change");
  EXPECT_EQ(document["source"], "aws.sagemaker");
  EXPECT_EQ(document["account"], "123456789012");
  EXPECT_EQ(document["region"], "eu-west-1");
  EXPECT_EQ(document["time"], "2023-11-14T22:13:25.250Z");
  EXPECT_EQ(document["resources"], nlohmann::json({pipeline, execution}));
  const nlohmann::json& detail = document["detail"];
  EXPECT_EQ(detail["pipelineArn"], pipeline);
  EXPECT_EQ(detail["pipelineExecutionArn"], execution);
  EXPECT_EQ(detail["pipelineExecutionDisplayName"], "nightly");
  EXPECT_EQ(detail["currentPipelineExecutionStatus"], "Failed");
  EXPECT_EQ(detail["previousPipelineExecutionStatus"], "Executing");
  EXPECT_EQ(detail["executionStartTime"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(detail["executionEndTime"], "2023-11-14T22:13:25.250Z");
  EXPECT_EQ(detail["failureReason"], "step Train failed");
  EXPECT_FALSE(detail.contains("stepName"));
}

TEST(EventDocumentTest, RendersAStepStatusChange) {
  const Event event{7, At(1700000003000), "abc123def456", "Train", "Succeeded", ""};
  EventFacts facts = Facts();
  facts.previous_status = "Executing";
  facts.step_type = "Training";
  facts.step_start = At(1700000001000);
  facts.step_end = At(1700000003000);
  facts.job_name = "pipelines-abc123def456-Train-1";
  facts.metadata_json = R"({"TrainingJob": {"Arn": "arn:x"}})";

  const nlohmann::json document = EventBridgeDocument(event, facts);
  EXPECT_EQ(document["detail-type"],
            "SageMaker Model Building Pipeline Execution Step Status Change");
  const nlohmann::json& detail = document["detail"];
  EXPECT_EQ(detail["stepName"], "Train");
  EXPECT_EQ(detail["stepType"], "Training");
  EXPECT_EQ(detail["currentStepStatus"], "Succeeded");
  EXPECT_EQ(detail["previousStepStatus"], "Executing");
  EXPECT_EQ(detail["stepStartTime"], "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(detail["stepEndTime"], "2023-11-14T22:13:23.000Z");
  EXPECT_EQ(detail["metadata"]["TrainingJob"]["Arn"], "arn:x");
  EXPECT_EQ(detail["jobDetails"]["jobName"], "pipelines-abc123def456-Train-1");
  EXPECT_FALSE(detail.contains("failureReason"));
  EXPECT_FALSE(detail.contains("currentPipelineExecutionStatus"));
}

TEST(EventDocumentTest, LeavesOutWhatIsNotKnownYet) {
  const Event event{1, At(0), "abc123def456", "Train", "Starting", "attempt 1"};
  const nlohmann::json detail = EventBridgeDocument(event, Facts())["detail"];
  EXPECT_FALSE(detail.contains("previousStepStatus"));
  EXPECT_FALSE(detail.contains("stepType"));
  EXPECT_FALSE(detail.contains("stepEndTime"));
  EXPECT_FALSE(detail.contains("failureReason"));  // "attempt 1" is no failure
}

TEST(EventDocumentTest, GivesEachStoredEventAStableUuidShapedId) {
  const Event first{1, At(0), "abc123def456", "", "Executing", ""};
  Event same = first;
  same.time = At(5);  // the id names the stored event, not its contents
  const Event next{2, At(0), "abc123def456", "", "Executing", ""};
  const std::string id = EventId(first);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[13], '-');
  EXPECT_EQ(id[18], '-');
  EXPECT_EQ(id[23], '-');
  EXPECT_EQ(id, EventId(same));
  EXPECT_NE(id, EventId(next));
}

}  // namespace
}  // namespace sluice

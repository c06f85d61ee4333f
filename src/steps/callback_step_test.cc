#include "steps/callback_step.h"

#include "definition/json.h"
#include "definition/parser.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

StepSpec CallbackSpec() {
  auto definition = ParseDefinition(R"({"Version": "2020-12-01", "Steps": [
      {"Name": "Approve", "Type": "Callback",
       "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/approvals",
       "OutputParameters": [{"OutputName": "n", "OutputType": "Integer"},
                            {"OutputName": "note"}],
       "Arguments": {"model": "m-1"}}]})");
  EXPECT_TRUE(definition) << (definition ? "" : definition.error().front().ToString());
  return definition ? definition->steps.at(0) : StepSpec{};
}

CallbackRecord Parked() {
  CallbackRecord callback;
  callback.token = "AbCdE12345";
  callback.step_name = "Approve";
  callback.queue_url = "https://sqs.us-east-1.amazonaws.com/000000000000/approvals";
  callback.queue_name = "approvals";
  callback.declared_outputs_json = DeclaredOutputsJson(CallbackSpec());
  return callback;
}

TEST(QueueNameOf, IsTheLastPathSegmentOfTheUrl) {
  EXPECT_EQ(*QueueNameOf("https://sqs.us-east-2.amazonaws.com/123456789012/MyQueue"), "MyQueue");
  EXPECT_EQ(*QueueNameOf("http://127.0.0.1:8080/queues/build_done-2/"), "build_done-2");
  EXPECT_EQ(*QueueNameOf("https://sqs.eu-west-1.amazonaws.com/1/orders.fifo?x=1"), "orders.fifo");
  EXPECT_EQ(*QueueNameOf("approvals"), "approvals");
  for (const char* bad : {"", "https://sqs.amazonaws.com/", "https://h/1/has space",
                          "https://h/1/.fifo", "https://h/1/a.b"}) {
    auto name = QueueNameOf(bad);
    ASSERT_FALSE(name) << bad;
    EXPECT_EQ(name.error().where, "SqsQueueUrl");
  }
  EXPECT_FALSE(QueueNameOf("https://h/1/" + std::string(81, 'q')));
  EXPECT_TRUE(QueueNameOf("https://h/1/" + std::string(80, 'q')));
}

TEST(CallbackMessageBody, IsExactlySageMakersMessage) {
  Value arguments = Value::EmptyMap();
  arguments.Set("model", "m-1");
  arguments.Set("threshold", int64_t{5});
  EXPECT_EQ(
      CallbackMessageBody("AbCdE12345", "arn:aws:sagemaker:us-east-1:0:pipeline/p/execution/e",
                          arguments, "Executing"),
      R"({"token":"AbCdE12345","pipelineExecutionArn":)"
      R"("arn:aws:sagemaker:us-east-1:0:pipeline/p/execution/e",)"
      R"("arguments":{"model":"m-1","threshold":5},"status":"Executing"})");
}

TEST(CheckCallbackAnswer, TypesTheOutputsAndRefusesWhatTheStepDoesNotDeclare) {
  const CallbackRecord callback = Parked();
  auto typed = CheckCallbackAnswer(callback, {{"note", "fine"}, {"n", "7"}});
  ASSERT_TRUE(typed) << typed.error().ToString();
  EXPECT_EQ(WriteJson(typed->by_name), R"({"n":7,"note":"fine"})");

  auto unknown = CheckCallbackAnswer(callback, {{"n", "7"}, {"note", "x"}, {"extra", "1"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().where, "OutputParameters/2/Name");
  EXPECT_NE(unknown.error().message.find("declares no output \"extra\" (declared: n, note)"),
            std::string::npos)
      << unknown.error().message;

  auto wrong_type = CheckCallbackAnswer(callback, {{"n", "seven"}, {"note", "x"}});
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("\"n\" is declared Integer"), std::string::npos);

  auto missing = CheckCallbackAnswer(callback, {{"n", "1"}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no output \"note\""), std::string::npos);

  EXPECT_FALSE(CheckCallbackAnswer(callback, {{"n", "1"}, {"n", "2"}, {"note", "x"}}));
  EXPECT_FALSE(CheckCallbackAnswer(callback, {{"n", "1"}, {"note", std::string(1025, 'x')}}));
  EXPECT_TRUE(CheckCallbackAnswer(callback, {{"n", "1"}, {"note", std::string(1024, 'x')}}));
  std::vector<std::pair<std::string, std::string>> many(51, {"n", "1"});
  auto too_many = CheckCallbackAnswer(callback, many);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().where, "OutputParameters");
}

TEST(CallbackResultFrom, ASuccessGivesTypedPropertiesAndTheStepsMetadata) {
  CallbackRecord callback = Parked();
  callback.status = CallbackStatus::kSucceeded;
  callback.outputs_json = OutputsJson({{"n", "12"}, {"note", "ok"}});
  const StepResult result = CallbackResultFrom(callback);
  ASSERT_TRUE(result.is_success) << result.failure_reason;
  EXPECT_EQ(WriteJson(result.properties), R"({"OutputParameters":{"n":12,"note":"ok"}})");
  EXPECT_EQ(WriteJson(result.metadata),
            R"({"Callback":{"CallbackToken":"AbCdE12345","SqsQueueUrl":)"
            R"("https://sqs.us-east-1.amazonaws.com/000000000000/approvals",)"
            R"("OutputParameters":[{"Name":"n","Value":"12"},{"Name":"note","Value":"ok"}]}})");
}

TEST(CallbackResultFrom, AFailureFailsTheStepWithItsReason) {
  CallbackRecord callback = Parked();
  callback.status = CallbackStatus::kFailed;
  callback.failure_reason = "rejected by a reviewer";
  const StepResult result = CallbackResultFrom(callback);
  EXPECT_FALSE(result.is_success);
  EXPECT_EQ(result.failure_reason, "rejected by a reviewer");
  EXPECT_EQ(result.failure_class, FailureClass::kClientError);
}

}  // namespace
}  // namespace sluice

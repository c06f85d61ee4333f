// Callback steps through the real binary: a `sluice run` parks the step, and `sluice callback`
// from another process answers it, with `sluice stop` and `sluice resume` in between.
#include "engine/cli_fixture.h"

#include <fstream>
#include <signal.h>
#include <sstream>
#include <thread>

namespace sluice {
namespace {

using testing::CommandResult;

constexpr const char* kQueueUrl = "https://sqs.us-east-1.amazonaws.com/000000000000/approvals";

class CallbackCli : public testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::filesystem::create_directories(state_dir());
    definition_ = (dir_ / "pipeline.json").string();
    // Approve waits for a callback; Use writes the typed output it received into a file.
    std::ofstream(definition_) << R"({"Version": "2020-12-01",
      "Parameters": [{"Name": "Model", "Type": "String", "DefaultValue": "m-1"}],
      "Steps": [
        {"Name": "Approve", "Type": "Callback", "SqsQueueUrl": ")"
                               << kQueueUrl << R"(",
         "OutputParameters": [{"OutputName": "n", "OutputType": "Integer"}],
         "Arguments": {"model": {"Get": "Parameters.Model"}}},
        {"Name": "Use", "Type": "Processing", "Arguments": {
          "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1,
            "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
          "AppSpecification": {"ImageUri": "local/shell", "ContainerEntrypoint": ["/bin/sh", "-c",
            "echo $N > )" << (dir_ / "used").string()
                               << R"("]},
          "Environment": {"N": {"Std:Join": {"On": "", "Values": [
            {"Get": "Steps.Approve.OutputParameters['n']"}, 1]}}},
          "RoleArn": "arn:aws:iam::000000000000:role/test"}}]})";
  }
  // The token of the parked step, once the engine committed it.
  CallbackRecord WaitForToken() {
    for (int i = 0; i < 1000; ++i) {
      // Not before the engine made the store: opening it here first would race its creation.
      if (std::filesystem::exists(dir_ / "state" / "executions")) {
        auto pending = Store()->ListCallbacks("", true);
        if (pending && !pending->empty()) return pending->front();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no callback token appeared";
    return {};
  }

  std::vector<QueueMessage> Messages() {
    auto messages = Store()->ReceiveQueueMessages("approvals", 10, std::chrono::milliseconds(0),
                                                  std::chrono::system_clock::now());
    EXPECT_TRUE(messages);
    return *messages;
  }

  std::string Used() {
    std::ifstream in(dir_ / "used");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string definition_;
};

TEST_F(CallbackCli, AnAnswerFromAnotherProcessEndsTheStepAndItsTypedOutputReachesTheNextStep) {
  CommandResult run;
  std::thread engine([&] { run = Sluice({"run", definition_, "--isolation", "none"}); });
  const CallbackRecord callback = WaitForToken();
  EXPECT_EQ(callback.step_name, "Approve");
  EXPECT_EQ(callback.queue_name, "approvals");

  const std::vector<QueueMessage> messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  const std::string pipeline = (*Store()->FindExecution(callback.execution_id))->pipeline_name;
  EXPECT_EQ(messages[0].body,
            R"({"token":")" + callback.token +
                R"(","pipelineExecutionArn":"arn:aws:sagemaker:us-east-1:000000000000:pipeline/)" +
                pipeline + "/execution/" + callback.execution_id +
                R"(","arguments":{"model":"m-1"},"status":"Executing"})");
  const CommandResult list = Sluice({"callback", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.standard_output.find(callback.token + "  execution " + callback.execution_id +
                                      "  step Approve  queue approvals"),
            std::string::npos)
      << list.standard_output;

  const CommandResult wrong = Sluice({"callback", "succeed", callback.token, "--output", "n=x"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.standard_error.find("output \"n\" is declared Integer"), std::string::npos)
      << wrong.standard_error;
  const CommandResult answer = Sluice({"callback", "succeed", callback.token, "--output", "n=41"});
  EXPECT_EQ(answer.exit_code, 0) << answer.standard_error;
  engine.join();
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_EQ(Used(), "411\n");  // an Integer 41 joined with 1

  const CommandResult again = Sluice({"callback", "fail", callback.token, "--reason", "late"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.standard_error.find("answered already"), std::string::npos);
  const CommandResult unknown = Sluice({"callback", "succeed", "ZZZZZZZZZZ"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.standard_error.find("is not known here"), std::string::npos);
}

TEST_F(CallbackCli, AFailureFailsTheStepAndTheExecutionWithItsReason) {
  CommandResult run;
  std::thread engine([&] { run = Sluice({"run", definition_, "--isolation", "none"}); });
  const CallbackRecord callback = WaitForToken();
  const CommandResult answer =
      Sluice({"callback", "fail", callback.token, "--reason", "rejected by a reviewer"});
  EXPECT_EQ(answer.exit_code, 0) << answer.standard_error;
  engine.join();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.standard_error.find("Approve: rejected by a reviewer"), std::string::npos)
      << run.standard_error;
  auto runs = Store()->ListStepRuns(callback.execution_id);
  ASSERT_EQ(runs->size(), 1u);  // Use never ran
  EXPECT_EQ((*runs)[0].status, StepStatus::kFailed);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "used"));
}

TEST_F(CallbackCli, StoppingSendsAStoppingMessageAndEndsOnlyOnceTheCallbackAnswers) {
  CommandResult run;
  std::thread engine([&] { run = Sluice({"run", definition_, "--isolation", "none"}); });
  const CallbackRecord callback = WaitForToken();
  const CommandResult stop = Sluice({"stop", callback.execution_id, "--no-wait"});
  EXPECT_EQ(stop.exit_code, 0) << stop.standard_error;
  std::vector<QueueMessage> messages;
  for (int i = 0; i < 500 && messages.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    messages = Messages();
  }
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[1].body.find(R"("status":"Stopping")"), std::string::npos) << messages[1].body;
  EXPECT_NE(messages[1].body.find(R"("token":")" + callback.token), std::string::npos);
  // Still waiting: the execution is Stopping, not Stopped.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ((*Store()->FindExecution(callback.execution_id))->status, ExecutionStatus::kStopping);

  const CommandResult answer = Sluice({"callback", "succeed", callback.token, "--output", "n=1"});
  EXPECT_EQ(answer.exit_code, 0) << answer.standard_error;
  engine.join();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ((*Store()->FindExecution(callback.execution_id))->status, ExecutionStatus::kStopped);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "used"));
}

TEST_F(CallbackCli, AnAnswerGivenWhileNoEngineRunsIsAppliedOnResumeWithTheSameToken) {
  const std::string pid_file = (dir_ / "engine.pid").string();
  CommandResult run;
  std::thread engine([&] { run = Sluice({"run", definition_, "--isolation", "none"}); });
  const CallbackRecord callback = WaitForToken();
  std::ifstream pid_in(dir_ / "state" / "executions" / callback.execution_id / "engine.pid");
  int pid = 0;
  pid_in >> pid;
  ASSERT_GT(pid, 0);
  kill(pid, SIGKILL);
  engine.join();

  const CommandResult answer = Sluice({"callback", "succeed", callback.token, "--output", "n=7"});
  EXPECT_EQ(answer.exit_code, 0) << answer.standard_error;
  EXPECT_NE(answer.standard_output.find("no engine runs execution"), std::string::npos);
  const CommandResult resumed = Sluice({"resume", "--isolation", "none"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.standard_error;
  EXPECT_EQ(Used(), "71\n");
  EXPECT_EQ(Messages().size(), 1u);  // the message was not sent again
  auto all = Store()->ListCallbacks(callback.execution_id, false);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].token, callback.token);
}

TEST_F(CallbackCli, AQueueUrlWithoutAQueueNameFailsTheStepSayingWhatIsExpected) {
  std::ofstream(definition_) << R"({"Version": "2020-12-01", "Steps": [
      {"Name": "Approve", "Type": "Callback", "SqsQueueUrl": "https://sqs.amazonaws.com/1/a b",
       "Arguments": {}}]})";
  const CommandResult run = Sluice({"run", definition_, "--isolation", "none"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.standard_error.find("SqsQueueUrl: expected a queue URL whose last path segment"),
            std::string::npos)
      << run.standard_error;
}

}  // namespace
}  // namespace sluice

#include "api/queue_service.h"

#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

namespace sluice {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class QueueServiceTest : public testing::ScratchStoreTest {
 protected:
  void SetUp() override {
    ScratchStoreTest::SetUp();
    store_ = OpenStore();
    queues_ = std::make_unique<QueueService>(*store_);
  }
  void TearDown() override {
    queues_.reset();
    store_.reset();
    ScratchStoreTest::TearDown();
  }

  void Send(const std::string& queue, const std::string& body) {
    Transition transition;
    transition.queue_messages.push_back(
        QueueMessage{0, queue, body, std::chrono::system_clock::now(), "", 0});
    ASSERT_TRUE(store_->Apply(transition).has_value());
  }

  // Hands the request to the service; the answer arrives on the future.
  std::future<HttpResponse> Ask(std::string method, std::string path, std::string target = "",
                                std::string body = "") {
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> future = answer->get_future();
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.target = std::move(target);
    request.body = std::move(body);
    request.headers = {{"host", "127.0.0.1:9"}};
    EXPECT_TRUE(QueueService::IsQueueRequest(request));
    queues_->Handle(std::move(request),
                    [answer](HttpResponse response) { answer->set_value(std::move(response)); });
    return future;
  }

  static Json Body(std::future<HttpResponse>& future) {
    EXPECT_EQ(future.wait_for(seconds(10)), std::future_status::ready);
    return Json::parse(future.get().body);
  }

  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<QueueService> queues_;
};

TEST_F(QueueServiceTest, ALongPollIsAnsweredAsSoonAsAMessageArrives) {
  auto poll = Ask("GET", "/queues/approvals/messages?wait=20");
  EXPECT_EQ(poll.wait_for(milliseconds(300)), std::future_status::timeout);
  Send("approvals", R"({"token":"AAAAAAAAAA"})");
  queues_->Notify();
  ASSERT_EQ(poll.wait_for(seconds(5)), std::future_status::ready);
  const HttpResponse response = poll.get();
  EXPECT_EQ(response.status, 200);
  const Json body = Json::parse(response.body);
  ASSERT_EQ(body["Messages"].size(), 1u);
  EXPECT_EQ(body["Messages"][0]["Body"], R"({"token":"AAAAAAAAAA"})");
  EXPECT_EQ(body["Messages"][0]["ReceiveCount"], 1);
  // The MD5 SQS clients check the body against.
  EXPECT_EQ(body["Messages"][0]["MD5OfBody"], "119065362acd5be2a42951ce71bd30b9");

  // Received, so hidden: a poll with no wait answers empty at once.
  auto again = Ask("GET", "/queues/approvals/messages?wait=0");
  EXPECT_EQ(Body(again)["Messages"].size(), 0u);
}

TEST_F(QueueServiceTest, AWaitThatEndsWithNothingAnswersEmptyAndOtherQueuesAreApart) {
  Send("elsewhere", "x");
  const auto started = std::chrono::steady_clock::now();
  auto poll = Ask("GET", "/queues/approvals/messages?wait=1&max=10");
  EXPECT_EQ(Body(poll)["Messages"].size(), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(900));
}

TEST_F(QueueServiceTest, DeletingTakesTheNewestReceiptHandleOnly) {
  Send("approvals", "one");
  auto first = Ask("GET", "/queues/approvals/messages?wait=0&visibility=0");
  const std::string old_handle = Body(first)["Messages"][0]["ReceiptHandle"];
  auto second = Ask("GET", "/queues/approvals/messages?wait=0&visibility=30");
  const std::string handle = Body(second)["Messages"][0]["ReceiptHandle"];

  auto stale = Ask("DELETE", "/queues/approvals/messages/" + old_handle);
  const HttpResponse refused = stale.get();
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(Json::parse(refused.body)["__type"], "ReceiptHandleIsInvalid");
  auto deleted = Ask("DELETE", "/queues/approvals/messages/" + handle);
  EXPECT_EQ(deleted.get().status, 200);
}

TEST_F(QueueServiceTest, BadPathsAndParametersAreRefusedSayingWhatIsExpected) {
  auto wait = Ask("GET", "/queues/approvals/messages?wait=21");
  const HttpResponse too_long = wait.get();
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("wait: expected a whole number from 0 to 20"), std::string::npos)
      << too_long.body;
  auto limit = Ask("GET", "/queues/approvals/messages?max=zero");
  EXPECT_EQ(limit.get().status, 400);
  auto name = Ask("GET", "/queues/no%20such/messages");
  EXPECT_EQ(name.get().status, 400);
  auto route = Ask("GET", "/queues/approvals/other");
  EXPECT_EQ(route.get().status, 404);
}

TEST_F(QueueServiceTest, SpeaksSqsJsonProtocolForReceiveDeleteAndGetQueueUrl) {
  Send("approvals", "hello");
  auto url = Ask("POST", "/", "AmazonSQS.GetQueueUrl", R"({"QueueName": "approvals"})");
  const std::string queue_url = Body(url)["QueueUrl"];
  EXPECT_EQ(queue_url, "http://127.0.0.1:9/000000000000/approvals");
  auto received = Ask("POST", "/", "AmazonSQS.ReceiveMessage",
                      Json{{"QueueUrl", queue_url}, {"MaxNumberOfMessages", 10}}.dump());
  const Json messages = Body(received)["Messages"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["Body"], "hello");
  auto deleted =
      Ask("POST", "/", "AmazonSQS.DeleteMessage",
          Json{{"QueueUrl", queue_url}, {"ReceiptHandle", messages[0]["ReceiptHandle"]}}.dump());
  EXPECT_EQ(deleted.get().status, 200);
  auto unknown = Ask("POST", "/", "AmazonSQS.SendMessage",
                     Json{{"QueueUrl", queue_url}, {"MessageBody", "x"}}.dump());
  const HttpResponse refused = unknown.get();
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Json::parse(refused.body)["__type"], "UnsupportedOperation");
}

TEST_F(QueueServiceTest, StoppingAnswersTheWaitingPolls) {
  auto poll = Ask("GET", "/queues/approvals/messages?wait=20");
  EXPECT_EQ(poll.wait_for(milliseconds(100)), std::future_status::timeout);
  queues_->Stop();
  ASSERT_EQ(poll.wait_for(seconds(2)), std::future_status::ready);
  EXPECT_EQ(Json::parse(poll.get().body)["Messages"].size(), 0u);
}

}  // namespace
}  // namespace sluice

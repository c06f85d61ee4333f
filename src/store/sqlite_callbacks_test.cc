#include "store/sqlite_store.h"
#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SqliteCallbacksTest : public testing::ScratchStoreTest {
 protected:
  // What the engine commits as a Callback step parks: the token and its first message.
  static Transition Parked(const std::string& token, const std::string& queue) {
    Transition transition;
    CallbackRecord callback;
    callback.token = token;
    callback.execution_id = "aaaaaaaaaaaa";
    callback.step_name = "Approve";
    callback.queue_url = "https://sqs.us-east-1.amazonaws.com/000000000000/" + queue;
    callback.queue_name = queue;
    callback.declared_outputs_json = R"([{"OutputName":"n","OutputType":"Integer"}])";
    callback.created = TimePoint(seconds(100));
    transition.callbacks.push_back(callback);
    transition.queue_messages.push_back(
        QueueMessage{0, queue, "{\"token\":\"" + token + "\"}", TimePoint(seconds(100)), "", 0});
    return transition;
  }
};

TEST_F(SqliteCallbacksTest, AParkedTokenSurvivesReopeningAndIsPendingUntilAnswered) {
  {
    auto store = OpenStore();
    Transition parked = Parked("AbCdE12345", "approvals");
    ASSERT_TRUE(store->Apply(parked).has_value());
    EXPECT_GT(parked.queue_messages[0].sequence, 0);
  }
  auto store = OpenStore();
  auto found = store->FindCallback("AbCdE12345");
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->step_name, "Approve");
  EXPECT_EQ((*found)->status, CallbackStatus::kPending);
  EXPECT_EQ((*found)->declared_outputs_json, R"([{"OutputName":"n","OutputType":"Integer"}])");
  auto pending = store->ListCallbacks("", true);
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 1u);

  CallbackRecord answer;
  answer.token = "AbCdE12345";
  answer.status = CallbackStatus::kSucceeded;
  answer.outputs_json = R"([{"Name":"n","Value":"3"}])";
  auto answered = store->AnswerCallback(answer, TimePoint(seconds(200)));
  ASSERT_TRUE(answered.has_value()) << answered.error().ToString();
  EXPECT_EQ(answered->status, CallbackStatus::kSucceeded);
  EXPECT_EQ(answered->outputs_json, R"([{"Name":"n","Value":"3"}])");
  ASSERT_TRUE(answered->completed.has_value());
  EXPECT_TRUE(store->ListCallbacks("", true)->empty());
  EXPECT_EQ(store->ListCallbacks("aaaaaaaaaaaa", false)->size(), 1u);
}

TEST_F(SqliteCallbacksTest, OnlyTheFirstAnswerCountsAndUnknownTokensAreNotFound) {
  auto store = OpenStore();
  Transition parked = Parked("AbCdE12345", "approvals");
  ASSERT_TRUE(store->Apply(parked).has_value());
  CallbackRecord failure;
  failure.token = "AbCdE12345";
  failure.status = CallbackStatus::kFailed;
  failure.failure_reason = "rejected by a reviewer";
  ASSERT_TRUE(store->AnswerCallback(failure, TimePoint(seconds(200))).has_value());

  CallbackRecord success = failure;
  success.status = CallbackStatus::kSucceeded;
  auto again = store->AnswerCallback(success, TimePoint(seconds(300)));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ((*store->FindCallback("AbCdE12345"))->failure_reason, "rejected by a reviewer");

  success.token = "ZZZZZZZZZZ";
  auto unknown = store->AnswerCallback(success, TimePoint(seconds(300)));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteCallbacksTest, WritingATokenAgainKeepsItsAnswer) {
  auto store = OpenStore();
  Transition parked = Parked("AbCdE12345", "approvals");
  ASSERT_TRUE(store->Apply(parked).has_value());
  CallbackRecord answer;
  answer.token = "AbCdE12345";
  answer.status = CallbackStatus::kSucceeded;
  ASSERT_TRUE(store->AnswerCallback(answer, TimePoint(seconds(200))).has_value());
  Transition again = Parked("AbCdE12345", "approvals");
  again.queue_messages.clear();
  ASSERT_TRUE(store->Apply(again).has_value());
  EXPECT_EQ((*store->FindCallback("AbCdE12345"))->status, CallbackStatus::kSucceeded);
}

TEST_F(SqliteCallbacksTest, AReceivedMessageIsHiddenUntilItsVisibilityEndsThenComesBack) {
  auto store = OpenStore();
  Transition first = Parked("AAAAAAAAAA", "approvals");
  Transition other = Parked("BBBBBBBBBB", "elsewhere");
  ASSERT_TRUE(store->Apply(first).has_value());
  ASSERT_TRUE(store->Apply(other).has_value());
  const TimePoint now(seconds(1000));

  auto received = store->ReceiveQueueMessages("approvals", 10, seconds(30), now);
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0].body, "{\"token\":\"AAAAAAAAAA\"}");
  EXPECT_EQ((*received)[0].receive_count, 1);
  const std::string first_handle = (*received)[0].receipt_handle;
  EXPECT_FALSE(first_handle.empty());

  EXPECT_TRUE(
      store->ReceiveQueueMessages("approvals", 10, seconds(30), now + seconds(29))->empty());
  auto again = store->ReceiveQueueMessages("approvals", 10, seconds(30), now + seconds(31));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].receive_count, 2);
  EXPECT_NE((*again)[0].receipt_handle, first_handle);

  // Only the newest receive's handle deletes it, and only in its own queue.
  EXPECT_FALSE(*store->DeleteQueueMessage("approvals", first_handle));
  EXPECT_FALSE(*store->DeleteQueueMessage("elsewhere", (*again)[0].receipt_handle));
  EXPECT_TRUE(*store->DeleteQueueMessage("approvals", (*again)[0].receipt_handle));
  EXPECT_FALSE(*store->DeleteQueueMessage("approvals", (*again)[0].receipt_handle));
  EXPECT_TRUE(
      store->ReceiveQueueMessages("approvals", 10, milliseconds(0), now + seconds(999))->empty());
  EXPECT_EQ(store->ReceiveQueueMessages("elsewhere", 10, seconds(30), now)->size(), 1u);
}

TEST_F(SqliteCallbacksTest, AHiddenMessageShowsAgainWhenItsNewVisibilityEnds) {
  auto store = OpenStore();
  Transition parked = Parked("AAAAAAAAAA", "approvals");
  ASSERT_TRUE(store->Apply(parked).has_value());
  const TimePoint now(seconds(1000));
  auto received = store->ReceiveQueueMessages("approvals", 1, seconds(1), now);
  ASSERT_EQ(received->size(), 1u);
  EXPECT_TRUE(
      *store->HideQueueMessage("approvals", (*received)[0].receipt_handle, now + seconds(60)));
  EXPECT_FALSE(*store->HideQueueMessage("approvals", "1-unknown", now + seconds(60)));
  EXPECT_TRUE(store->ReceiveQueueMessages("approvals", 1, seconds(1), now + seconds(59))->empty());
  EXPECT_EQ(store->ReceiveQueueMessages("approvals", 1, seconds(1), now + seconds(60))->size(), 1u);
}

}  // namespace
}  // namespace sluice

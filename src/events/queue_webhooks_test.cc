#include "events/queue_webhooks.h"

#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>

#include "events/testing/webhook_receiver.h"
#include "events/webhook_signature.h"
#include <thread>

namespace sluice {
namespace {

using testing::HeaderValue;
using testing::Receiver;

class QueueWebhooksTest : public testing::ScratchStoreTest {
 protected:
  void Send(MetadataStore& store, const std::string& queue, const std::string& body) {
    Transition transition;
    transition.queue_messages.push_back(
        QueueMessage{0, queue, body, std::chrono::system_clock::now(), "", 0});
    ASSERT_TRUE(store.Apply(transition).has_value());
  }

  static std::vector<Receiver::Request> WaitForRequests(Receiver& receiver, size_t count) {
    for (int i = 0; i < 500 && receiver.requests().size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return receiver.requests();
  }
};

TEST(ParseQueueWebhooks, ReadsEachQueuesUrlAndSecretAndNamesWhatIsWrong) {
  auto parsed = ParseQueueWebhooks(
      R"({"approvals": {"url": "http://127.0.0.1:9/hook", "secret": "s"},
          "other": {"url": "https://example.com/x"}})",
      "queues.json");
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].queue, "approvals");
  EXPECT_EQ((*parsed)[0].secret, "s");
  EXPECT_EQ((*parsed)[1].secret, "");

  auto bad_url = ParseQueueWebhooks(R"({"approvals": {"url": "ftp://x"}})", "queues.json");
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().where, "queues.json: /approvals/url");
  EXPECT_FALSE(ParseQueueWebhooks("[]", "queues.json"));
  EXPECT_FALSE(ParseQueueWebhooks(R"({"q": {"url": "http://x", "secret": 1}})", "queues.json"));
}

TEST_F(QueueWebhooksTest, AMessageIsPostedSignedAndDeletedOnceTheReceiverTakesIt) {
  auto store = OpenStore();
  Receiver receiver(1);  // the first try is answered 500
  QueueWebhooks webhooks(*store, {{"approvals", receiver.url(), "secret"}},
                         std::chrono::milliseconds(50));
  Send(*store, "approvals", R"({"token":"AAAAAAAAAA","status":"Executing"})");
  Send(*store, "elsewhere", "not for this webhook");
  webhooks.Start();
  webhooks.Notify();
  const std::vector<Receiver::Request> requests = WaitForRequests(receiver, 2);
  ASSERT_EQ(requests.size(), 2u);
  for (const Receiver::Request& request : requests) {
    EXPECT_EQ(request.body, R"({"token":"AAAAAAAAAA","status":"Executing"})");
    EXPECT_EQ(HeaderValue(request.head, "X-Sluice-Queue"), "approvals");
    const std::string signature = HeaderValue(request.head, kSignatureHeader);
    const std::string time = signature.substr(2, signature.find(',') - 2);
    EXPECT_EQ(signature, SignatureValue("secret", std::stoll(time), request.body));
  }
  webhooks.Stop();
  // Taken on the second try, so gone; the other queue's message is untouched.
  EXPECT_TRUE(store
                  ->ReceiveQueueMessages("approvals", 10, std::chrono::milliseconds(0),
                                         std::chrono::system_clock::now() + std::chrono::hours(1))
                  ->empty());
  EXPECT_EQ(store
                ->ReceiveQueueMessages("elsewhere", 10, std::chrono::milliseconds(0),
                                       std::chrono::system_clock::now())
                ->size(),
            1u);
}

}  // namespace
}  // namespace sluice

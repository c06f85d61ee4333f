#include "events/webhook_dispatcher.h"

#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/webhook_receiver.h"
#include "events/webhook_signature.h"
#include <cstdlib>
#include <mutex>
#include <thread>

namespace sluice {
namespace {

using testing::HeaderValue;
using testing::Receiver;

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-hook-XXXXXX").string();
    directory_ = mkdtemp(pattern.data());
    auto store = SqliteStore::Open(directory_ / "state.db");
    ASSERT_TRUE(store.has_value());
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void Commit(std::vector<Event> events) {
    Transition transition;
    ExecutionRecord record;
    record.id = "abc123def456";
    record.pipeline_name = "abalone";
    record.definition = "{}";
    record.parameters_json = "{}";
    transition.execution = record;
    transition.events = std::move(events);
    ASSERT_TRUE(store_->Apply(transition).has_value());
  }

  static Event Of(std::string step, std::string status) {
    return Event{0, TimePoint(), "abc123def456", std::move(step), std::move(status), ""};
  }

  template <typename Predicate>
  static bool WaitFor(Predicate predicate) {
    for (int i = 0; i < 300; ++i) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::filesystem::path directory_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(WebhookDispatcherTest, DeliversInOrderSignedRetryingServerErrorsAndResumesWhereItStopped) {
  Commit({Of("", "Executing")});  // before the webhook existed: not delivered
  Receiver receiver(2);
  WebhookConfig webhook{"hook", receiver.url(), "secret", {}, {}};
  {
    WebhookDispatcher dispatcher(*store_, {webhook},
                                 DispatcherOptions{"us-east-1", "000000000000"});
    ASSERT_TRUE(dispatcher.Start().has_value());
    Commit({Of("Train", "Starting"), Of("Train", "Executing")});
    dispatcher.Notify();
    // Two 500s (retried after 1 s and 2 s), then both events.
    ASSERT_TRUE(WaitFor([&] { return receiver.requests().size() >= 4; }));
    dispatcher.Drain(std::chrono::seconds(5));
  }
  std::vector<Receiver::Request> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].answered, 500);
  EXPECT_EQ(requests[1].answered, 500);
  EXPECT_EQ(requests[0].body, requests[2].body);  // the same event again, not the next one
  for (const Receiver::Request& request : requests) {
    const std::string signature = HeaderValue(request.head, "X-Sluice-Signature");
    ASSERT_EQ(signature.rfind("t=", 0), 0u) << request.head;
    const std::string timestamp = signature.substr(2, signature.find(',') - 2);
    EXPECT_EQ(signature, SignatureValue("secret", std::stoll(timestamp), request.body));
  }
  const nlohmann::json first = nlohmann::json::parse(requests[2].body);
  const nlohmann::json second = nlohmann::json::parse(requests[3].body);
  EXPECT_EQ(first["detail"]["currentStepStatus"], "Starting");
  EXPECT_EQ(second["detail"]["currentStepStatus"], "Executing");
  EXPECT_EQ(second["detail"]["previousStepStatus"], "Starting");

  auto position = store_->FindDeliveredSequence("hook");
  ASSERT_TRUE(position.has_value() && position->has_value());
  auto all = store_->ListEventsOfAll(0, 100);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(**position, all->back().sequence);

  // A later dispatcher (a restart) delivers only what came after.
  Commit({Of("Train", "Succeeded")});
  WebhookDispatcher restarted(*store_, {webhook}, DispatcherOptions{"us-east-1", "000000000000"});
  ASSERT_TRUE(restarted.Start().has_value());
  ASSERT_TRUE(WaitFor([&] { return receiver.requests().size() >= 5; }));
  restarted.Drain(std::chrono::seconds(5));
  restarted.Stop();
  requests = receiver.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(nlohmann::json::parse(requests[4].body)["detail"]["currentStepStatus"], "Succeeded");
}

}  // namespace
}  // namespace sluice

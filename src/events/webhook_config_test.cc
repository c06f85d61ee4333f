#include "events/webhook_config.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(WebhookConfigTest, ReadsWebhooksWithTheirFilters) {
  auto webhooks = ParseWebhooks(R"([
    {"url": "http://127.0.0.1:9/a", "secret": "s"},
    {"id": "b", "url": "https://example.test/b",
     "filter": {"detail-types": ["SageMaker Model Building Pipeline Execution Status Change"],
                "pipelines": ["abalone"]}}])",
                                "webhooks.json");
  ASSERT_TRUE(webhooks.has_value()) << webhooks.error().ToString();
  ASSERT_EQ(webhooks->size(), 2u);
  EXPECT_EQ((*webhooks)[0].id, "http://127.0.0.1:9/a");
  EXPECT_EQ((*webhooks)[0].secret, "s");
  EXPECT_EQ((*webhooks)[1].id, "b");
  const WebhookConfig& filtered = (*webhooks)[1];
  EXPECT_TRUE(IsWanted((*webhooks)[0], "anything", "any"));
  EXPECT_TRUE(
      IsWanted(filtered, "SageMaker Model Building Pipeline Execution Status Change", "abalone"));
  EXPECT_FALSE(
      IsWanted(filtered, "SageMaker Model Building Pipeline Execution Status Change", "other"));
  EXPECT_FALSE(IsWanted(filtered, "SageMaker Model Building Pipeline Execution Step Status Change",
                        "abalone"));
}

TEST(WebhookConfigTest, NamesWhereAndWhatForBadInput) {
  auto expect_error = [](const std::string& text, const std::string& where) {
    auto parsed = ParseWebhooks(text, "webhooks.json");
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().where, where) << parsed.error().ToString();
  };
  expect_error("{", "webhooks.json");
  expect_error("{}", "webhooks.json: /");
  expect_error(R"([{"secret": "s"}])", "webhooks.json: /0/url");
  expect_error(R"([{"url": "ftp://x"}])", "webhooks.json: /0/url");
  expect_error(R"([{"url": "http://x", "filter": {"steps": []}}])",
               "webhooks.json: /0/filter/steps");
  expect_error(R"([{"url": "http://x", "filter": {"pipelines": [1]}}])",
               "webhooks.json: /0/filter/pipelines/0");
  expect_error(R"([{"url": "http://x", "sekret": "s"}])", "webhooks.json: /0/sekret");
  expect_error(R"([{"url": "http://x"}, {"url": "http://x"}])", "webhooks.json: /1");
}

}  // namespace
}  // namespace sluice

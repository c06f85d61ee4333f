#include "api/answer_cache.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr std::string_view kArn =
    "arn:aws:sagemaker:us-east-1:000000000000:pipeline/p/execution/abc";

TEST(AnswerCacheTest, ServesAKeptAnswerUntilItsExecutionChanges) {
  AnswerCache cache;
  cache.Fill("abc", std::string(kArn), "Executing", cache.BeginRead());
  cache.Fill("def", "other", "Succeeded", cache.BeginRead());
  EXPECT_EQ(cache.Find("abc", kArn), "Executing");
  cache.Invalidate("abc");
  EXPECT_EQ(cache.Find("abc", kArn), std::nullopt);
  EXPECT_EQ(cache.Find("def", "other"), "Succeeded");
  cache.Invalidate("");
  EXPECT_EQ(cache.Find("def", "other"), std::nullopt);
}

TEST(AnswerCacheTest, AnswersOnlyTheRequestKeyItWasRenderedFor) {
  AnswerCache cache;
  cache.Fill("abc", std::string(kArn), "answer", cache.BeginRead());
  EXPECT_EQ(cache.Find("abc", "abc"), std::nullopt);
}

TEST(AnswerCacheTest, RefusesAnAnswerReadBeforeAChangeWasReported) {
  AnswerCache cache;
  const uint64_t read = cache.BeginRead();
  cache.Invalidate("abc");  // committed while the answer was being rendered from older state
  cache.Fill("abc", std::string(kArn), "stale", read);
  EXPECT_EQ(cache.Find("abc", kArn), std::nullopt);
  cache.Fill("abc", std::string(kArn), "fresh", cache.BeginRead());
  EXPECT_EQ(cache.Find("abc", kArn), "fresh");
}

TEST(AnswerCacheTest, KeepsNoMoreThanItsCapacity) {
  AnswerCache cache(2);
  cache.Fill("a", "a", "1", cache.BeginRead());
  cache.Fill("b", "b", "2", cache.BeginRead());
  cache.Fill("a", "a", "3", cache.BeginRead());  // replacing one needs no room
  EXPECT_EQ(cache.Find("b", "b"), "2");
  cache.Fill("c", "c", "4", cache.BeginRead());
  EXPECT_EQ(cache.Find("c", "c"), "4");
  EXPECT_EQ(cache.Find("a", "a"), std::nullopt);
  EXPECT_EQ(cache.Find("b", "b"), std::nullopt);
}

}  // namespace
}  // namespace sluice

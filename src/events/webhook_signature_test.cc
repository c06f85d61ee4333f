#include "events/webhook_signature.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(WebhookSignatureTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignatureTest, SignsTheTimestampAndTheBody) {
  const std::string value = SignatureValue("Jefe", 1700000000, "{}");
  EXPECT_EQ(value, "t=1700000000,v1=" + HmacSha256Hex("Jefe", "1700000000.{}"));
  EXPECT_NE(value, SignatureValue("Jefe", 1700000001, "{}"));
  EXPECT_NE(value, SignatureValue("other", 1700000000, "{}"));
}

TEST(WebhookSignatureTest, BacksOffExponentiallyUpToFiveMinutes) {
  using std::chrono::milliseconds;
  EXPECT_EQ(RetryDelay(0), milliseconds(0));
  EXPECT_EQ(RetryDelay(1), milliseconds(1000));
  EXPECT_EQ(RetryDelay(2), milliseconds(2000));
  EXPECT_EQ(RetryDelay(3), milliseconds(4000));
  EXPECT_EQ(RetryDelay(9), milliseconds(256000));
  EXPECT_EQ(RetryDelay(10), milliseconds(300000));
  EXPECT_EQ(RetryDelay(1000), milliseconds(300000));
}

}  // namespace
}  // namespace sluice

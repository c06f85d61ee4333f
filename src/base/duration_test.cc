#include "base/duration.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::seconds;

TEST(IsoDuration, AcceptsTheSpellingsUsersWrite) {
  EXPECT_EQ(*ParseIsoDuration("PT1H"), seconds(3600));
  EXPECT_EQ(*ParseIsoDuration("P30d"), seconds(30 * 86400));
  EXPECT_EQ(*ParseIsoDuration("p30d"), seconds(30 * 86400));
  EXPECT_EQ(*ParseIsoDuration("P4DT12H"), seconds(4 * 86400 + 12 * 3600));
  EXPECT_EQ(*ParseIsoDuration("T12H"), seconds(12 * 3600));
  EXPECT_EQ(*ParseIsoDuration("30d"), seconds(30 * 86400));
  EXPECT_EQ(*ParseIsoDuration("5y"), seconds(5 * 365 * 86400));
  EXPECT_EQ(*ParseIsoDuration("T16m"), seconds(16 * 60));
  EXPECT_EQ(*ParseIsoDuration("30dT5h"), seconds(30 * 86400 + 5 * 3600));
  EXPECT_EQ(*ParseIsoDuration("P1W"), seconds(7 * 86400));
}

TEST(IsoDuration, ReadsMBeforeTAsMonthsAndAfterItAsMinutes) {
  EXPECT_EQ(*ParseIsoDuration("P30M"), seconds(30 * 30 * 86400));
  EXPECT_EQ(*ParseIsoDuration("PT30M"), seconds(30 * 60));
}

TEST(IsoDuration, RejectsMalformedTextWithAReason) {
  EXPECT_EQ(ParseIsoDuration("").error().message,
            "invalid ISO-8601 duration \"\": it is empty (expected a form like PT1H or P30D)");
  EXPECT_EQ(ParseIsoDuration("P1X").error().message,
            "invalid ISO-8601 duration \"P1X\": unknown unit \"X\" (expected a form like PT1H or "
            "P30D)");
  EXPECT_EQ(ParseIsoDuration("PT").error().message,
            "invalid ISO-8601 duration \"PT\": it has no amount (expected a form like PT1H or "
            "P30D)");
  EXPECT_FALSE(ParseIsoDuration("P12").has_value());
  EXPECT_FALSE(ParseIsoDuration("PTT1H").has_value());
  EXPECT_FALSE(ParseIsoDuration("P99999999999999999999Y").has_value());
}

}  // namespace
}  // namespace sluice

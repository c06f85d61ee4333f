#include "base/text.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Text, SuggestsTheNearestNameForATypo) {
  EXPECT_EQ(DidYouMean("Trian", {"Train", "Evaluate", "Register"}), " (did you mean \"Train\"?)");
  EXPECT_EQ(DidYouMean("train", {"Train"}), " (did you mean \"Train\"?)");
}

TEST(Text, CountsASwapOfNeighboursAsOneEdit) {
  EXPECT_EQ(EditDistance("Trian", "Train"), 1u);
  EXPECT_EQ(EditDistance("abc", "abc"), 0u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
}

TEST(Text, SuggestsNothingForAnUnrelatedName) {
  EXPECT_EQ(DidYouMean("Deploy", {"Train", "Evaluate"}), "");
}

TEST(Text, EscapesJsonPointerTokens) {
  EXPECT_EQ(PointerAppend("/Steps/0/Arguments", "a/b~c"), "/Steps/0/Arguments/a~1b~0c");
  EXPECT_EQ(PointerAppend("/Steps", 3), "/Steps/3");
}

TEST(Text, QuotesControlCharacters) { EXPECT_EQ(Quote("a\"b\n\x01"), "\"a\\\"b\\n\\u0001\""); }

TEST(Text, WritesBytesAsLowercaseHexIncludingHighAndZeroBytes) {
  EXPECT_EQ(LowerHex(std::string_view("\x00\x0f\xab\xff", 4)), "000fabff");
  EXPECT_EQ(LowerHex(""), "");
}

}  // namespace
}  // namespace sluice

#include "base/random_token.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sluice {
namespace {

TEST(RandomAlphanumeric, HasTheLengthAskedForAndOnlyLettersAndDigits) {
  for (size_t length : {0u, 1u, 10u, 100u}) {
    const std::string token = RandomAlphanumeric(length);
    EXPECT_EQ(token.size(), length);
    for (char c : token) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
          << token;
    }
  }
}

TEST(RandomAlphanumeric, TokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(RandomAlphanumeric(10)).second);
}

TEST(RandomAlphanumeric, EveryCharacterIsAboutAsLikely) {
  // 620,000 draws: 10,000 expected per character; a bias such as byte % 62 without rejection
  // makes the first eight characters about 3% likelier, well past this bound's noise.
  std::map<char, int> counts;
  for (char c : RandomAlphanumeric(620000)) ++counts[c];
  EXPECT_EQ(counts.size(), 62u);
  for (const auto& [c, count] : counts) {
    EXPECT_GT(count, 9500) << c;
    EXPECT_LT(count, 10500) << c;
  }
}

}  // namespace
}  // namespace sluice

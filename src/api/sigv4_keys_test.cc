#include "api/sigv4_keys.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sluice {
namespace {

TEST(SigV4KeysTest, ReadsOneKeyALine) {
  auto keys = ParseSigV4Keys("# comment\n\nAKID1 secret1\n  AKID2 secret2 token2\n", "creds");
  ASSERT_TRUE(keys.has_value()) << keys.error().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->at("AKID1").secret_access_key, "secret1");
  EXPECT_EQ(keys->at("AKID1").session_token, "");
  EXPECT_EQ(keys->at("AKID2").session_token, "token2");
}

TEST(SigV4KeysTest, ReadsJsonObjectsAndLists) {
  auto one = ParseSigV4Keys(R"({"AccessKeyId": "A", "SecretAccessKey": "S"})", "creds");
  ASSERT_TRUE(one.has_value()) << one.error().ToString();
  EXPECT_EQ(one->at("A").secret_access_key, "S");
  auto list = ParseSigV4Keys(
      R"([{"AccessKeyId": "A", "SecretAccessKey": "S"},
          {"AccessKeyId": "B", "SecretAccessKey": "T", "SessionToken": "X"}])",
      "creds");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_EQ(list->at("B").session_token, "X");
}

TEST(SigV4KeysTest, NamesWhereAKeyIsMalformed) {
  auto no_secret = ParseSigV4Keys("AKID1 secret1\nAKID2\n", "creds");
  ASSERT_FALSE(no_secret.has_value());
  EXPECT_EQ(no_secret.error().where, "creds:2");
  auto extra = ParseSigV4Keys("AKID1 secret1 token extra\n", "creds");
  ASSERT_FALSE(extra.has_value());
  EXPECT_EQ(extra.error().where, "creds:1");
  auto twice = ParseSigV4Keys("AKID1 a\nAKID1 b\n", "creds");
  ASSERT_FALSE(twice.has_value());
  auto bad_json = ParseSigV4Keys(R"([{"AccessKeyId": 3, "SecretAccessKey": "S"}])", "creds");
  ASSERT_FALSE(bad_json.has_value());
  EXPECT_EQ(bad_json.error().where, "creds[0]");
  EXPECT_FALSE(ParseSigV4Keys("{not json", "creds").has_value());
}

TEST(SigV4KeysTest, TakesAKeyFromTheEnvironment) {
  SigV4Keys keys;
  unsetenv("SLUICE_ACCESS_KEY_ID");
  unsetenv("SLUICE_SECRET_ACCESS_KEY");
  unsetenv("SLUICE_SESSION_TOKEN");
  auto none = AddSigV4KeyFromEnvironment(keys);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(*none);
  setenv("SLUICE_ACCESS_KEY_ID", "AKIDENV", 1);
  auto half = AddSigV4KeyFromEnvironment(keys);
  ASSERT_FALSE(half.has_value());
  EXPECT_EQ(half.error().where, "SLUICE_SECRET_ACCESS_KEY");
  setenv("SLUICE_SECRET_ACCESS_KEY", "secret", 1);
  auto added = AddSigV4KeyFromEnvironment(keys);
  ASSERT_TRUE(added.has_value());
  EXPECT_TRUE(*added);
  EXPECT_EQ(keys.at("AKIDENV").secret_access_key, "secret");
  unsetenv("SLUICE_ACCESS_KEY_ID");
  unsetenv("SLUICE_SECRET_ACCESS_KEY");
}

}  // namespace
}  // namespace sluice
